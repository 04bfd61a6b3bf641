import { checkMs, describeValue } from "../checks.js";
import type { Kernel } from "../kernel/kernel.js";
import { Dispatched } from "../kernel/dispatched.js";
import type { Task } from "../kernel/task.js";
import { Kind, Syscall, type SyscallDescription } from "./syscall.js";

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

  override describe(): SyscallDescription {
    return { name: "sleep", detail: describeValue(this.ms).replace(/ \(number\)$/, "") };
  }
}

/** @internal The kernel's handling of {@link Sleep}. */
export function runSleep(k: Kernel, task: Task, syscall: Sleep): Dispatched {
  let ms: number;
  try {
    ms = checkMs(syscall.ms, "sleep(ms)");
  } catch (error) {
    return k.answer(task, false, error);
  }
  // A fresh read, not the pass's sample: that may be a whole sample window old on a real clock,
  // and a deadline measured from it could end the sleep early.
  // The heap's ticket goes in `blockedOn`: the entry is live while the task keeps it there.
  return k.block(task, "sleeping", k.timers.addSleeper(task, k.clock.now() + ms));
}

/** Returns a {@link Sleep} syscall. @example `yield* sleep(250);` */
export function sleep(ms: number): Sleep {
  return new Sleep(ms);
}
