import { TaskKilledError } from "../errors.js";
import { describeValue } from "../checks.js";
import type { Kernel } from "../kernel/kernel.js";
import { Dispatched } from "../kernel/dispatched.js";
import type { Task } from "../kernel/task.js";
import { Kind, Syscall, type SyscallDescription } from "./syscall.js";

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

  override describe(): SyscallDescription {
    return { name: "kill", detail: typeof this.tid === "number" ? `#${this.tid}` : describeValue(this.tid) };
  }
}

/** @internal The kernel's handling of {@link Kill}. */
export function runKill(k: Kernel, task: Task, syscall: Kill): Dispatched {
  const tid = syscall.tid;
  if (typeof tid !== "number" || !Number.isInteger(tid)) {
    return k.answer(task, false, new TypeError(`kill(tid) expects an integer tid, got ${describeValue(tid)}`));
  }
  const target = k.tasks.get(tid);
  return k.answer(task, true, target !== undefined && k.kill(target, new TaskKilledError(target.tid, target.name, syscall.reason)));
}

/** Returns a {@link Kill} syscall. @example `yield* kill(kid);` */
export function kill(tid: number, reason?: unknown): Kill {
  return new Kill(tid, reason);
}
