import type { TaskOptions, TaskTarget, Tid } from "../kernel/types.js";
import { Kind, Syscall } from "./syscall.js";

/**
 * Starts a child task and returns its tid, typed with the child's result. The child is queued
 * before the parent is re-queued; it inherits the parent's priority unless given one.
 *
 * @example
 * ```ts
 * const kid = yield* fork(function* () { return 42; }, { name: "kid" });
 * const answer = yield* wait(kid); // number
 * ```
 */
export class Fork<T = unknown> extends Syscall<Tid<T>> {
  /** @internal */
  override readonly _kind = Kind.Fork;
  constructor(
    readonly target: TaskTarget<T>,
    readonly options?: TaskOptions,
  ) {
    super();
  }
}

/** Returns a {@link Fork} syscall. @example `const kid = yield* fork(child(21));` */
export function fork<T>(target: TaskTarget<T>, options?: TaskOptions): Fork<T> {
  return new Fork(target, options);
}
