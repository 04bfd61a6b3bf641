import type { TaskOptions, TaskTarget, Tid } from "../kernel/types.js";
import type { Kernel } from "../kernel/kernel.js";
import { Dispatched } from "../kernel/dispatched.js";
import type { Task } from "../kernel/task.js";
import { Kind, Syscall, type SyscallDescription } from "./syscall.js";

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

  override describe(): SyscallDescription {
    // The child's tid and name are in the `spawn` event that follows at once.
    return { name: "fork", detail: "" };
  }
}

/** @internal The kernel's handling of {@link Fork}. */
export function runFork(k: Kernel, task: Task, syscall: Fork): Dispatched {
  try {
    return k.answer(task, true, k.create(syscall.target, syscall.options, task).tid);
  } catch (error) {
    return k.answer(task, false, error);
  }
}

/** Returns a {@link Fork} syscall. @example `const kid = yield* fork(child(21));` */
export function fork<T>(target: TaskTarget<T>, options?: TaskOptions): Fork<T> {
  return new Fork(target, options);
}
