import { Kind, Syscall } from "./syscall.js";

/**
 * Pauses task `tid` (Agent-libOS `SIGSTOP`): it is never scheduled until resumed. A sleep or
 * wait that ends while it is paused delivers its result on `resume`. Returns `true` if the task
 * was alive and running or blocked, `false` if it had ended or was already paused. A task may
 * pause itself; it then stops at once.
 *
 * @example
 * ```ts
 * yield* pause(worker);
 * yield* sleep(1_000);
 * yield* resume(worker);
 * ```
 */
export class Pause extends Syscall<boolean> {
  /** @internal */
  override readonly _kind = Kind.Pause;
  constructor(readonly tid: number) {
    super();
  }
}

/** Returns a {@link Pause} syscall. @example `yield* pause(kid);` */
export function pause(tid: number): Pause {
  return new Pause(tid);
}
