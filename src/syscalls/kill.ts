import { Kind, Syscall } from "./syscall.js";

/**
 * Kills task `tid` and the tasks it forked that are still alive: their generators' `return()`
 * runs their `finally` blocks. Returns `true` if the task was alive and is now being killed,
 * `false` if it had already ended (or was already being killed).
 *
 * @example
 * ```ts
 * const killed = yield* kill(kid, "no longer needed");
 * ```
 */
export class Kill extends Syscall<boolean> {
  /** @internal */
  override readonly _kind = Kind.Kill;
  constructor(
    readonly tid: number,
    readonly reason?: unknown,
  ) {
    super();
  }
}

/** Returns a {@link Kill} syscall. @example `yield* kill(kid);` */
export function kill(tid: number, reason?: unknown): Kill {
  return new Kill(tid, reason);
}
