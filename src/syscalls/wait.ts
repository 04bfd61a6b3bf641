import type { Tid } from "../kernel/types.js";
import { Kind, Syscall } from "./syscall.js";

/**
 * Waits for task `tid` to end and returns its return value; throws its error if it failed, a
 * `TaskKilledError` if it was killed (a `TimeoutError` if its time limit ran out). Throws
 * `NoSuchTaskError` for an unknown tid, the caller's own tid, or an ended task that is not the
 * caller's own child.
 *
 * @example
 * ```ts
 * const kid = yield* fork(child());
 * const result = yield* wait(kid);
 * ```
 */
export class Wait<T = unknown> extends Syscall<T> {
  /** @internal */
  override readonly _kind = Kind.Wait;
  constructor(readonly tid: Tid<T>) {
    super();
  }
}

/** Returns a {@link Wait} syscall. @example `const v = yield* wait(kid);` */
export function wait<T>(tid: Tid<T>): Wait<T> {
  return new Wait(tid);
}
