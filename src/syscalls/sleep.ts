import { Kind, Syscall } from "./syscall.js";

/**
 * Suspends the task for `ms` of scheduler clock time. `ms` must be finite and >= 0, else a
 * `RangeError` is thrown into the task. `sleep(0)` still waits for the clock, after ready tasks.
 *
 * @example
 * ```ts
 * yield* sleep(100);
 * ```
 */
export class Sleep extends Syscall<void> {
  /** @internal */
  override readonly _kind = Kind.Sleep;
  constructor(readonly ms: number) {
    super();
  }
}

/** Returns a {@link Sleep} syscall. @example `yield* sleep(250);` */
export function sleep(ms: number): Sleep {
  return new Sleep(ms);
}
