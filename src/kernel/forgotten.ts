import type { Syscall } from "../syscalls/syscall.js";
import type { Task } from "./task.js";

/**
 * Debug mode: a syscall the task built in this slice but did not yield (`sleep(10);` without
 * `yield*`) is a bug that would pass silently. Returns the `TypeError` to throw into the task at
 * its next yield (or to report, if the slice ended it), or `null`. Empties `built`.
 */
export function forgottenSyscall(task: Task, built: Syscall<unknown>[], r: IteratorResult<unknown, unknown>): TypeError | null {
  const yielded = r !== null && typeof r === "object" && r.done !== true ? r.value : undefined;
  const lost = built.find((s) => s !== yielded);
  built.length = 0;
  if (lost === undefined) return null;
  const d = lost.describe();
  const call = `${d.name}(${d.detail})`;
  return new TypeError(`task #${task.tid} "${task.name}" built the syscall ${call} but never yielded it, so it did nothing: write \`yield* ${call}\` (debug mode)`);
}
