import { describeValue } from "../checks.js";
import type { Kernel } from "../kernel/kernel.js";
import { Dispatched } from "../kernel/dispatched.js";
import type { Task } from "../kernel/task.js";
import { Kind, Syscall, type SyscallDescription } from "./syscall.js";

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

  override describe(): SyscallDescription {
    return { name: "pause", detail: typeof this.tid === "number" ? `#${this.tid}` : describeValue(this.tid) };
  }
}

/** @internal The kernel's handling of {@link Pause} and `Resume`: the target's flag changes, the caller gets whether it did. */
export function runSignal(k: Kernel, task: Task, tid: unknown, action: "pause" | "resume"): Dispatched {
  if (typeof tid !== "number" || !Number.isInteger(tid)) {
    return k.answer(task, false, new TypeError(`${action}(tid) expects an integer tid, got ${describeValue(tid)}`));
  }
  const target = k.tasks.get(tid);
  return k.answer(task, true, target !== undefined && (action === "pause" ? k.pause(target) : k.resume(target)));
}

/** Returns a {@link Pause} syscall. @example `yield* pause(kid);` */
export function pause(tid: number): Pause {
  return new Pause(tid);
}
