import { DeadlockError, type StuckTask } from "../errors.js";
import type { Kernel } from "./kernel.js";
import type { Task } from "./task.js";

/** What a blocked task waits on, for `ps()`, `runSync()` and deadlock reports: `sleep until 120`, `wait #3 "b"`. */
export function describeWait(k: Kernel, t: Task): string {
  switch (t.status) {
    case "sleeping":
      return `sleep until ${k.time.sleepers.atOf(t)}`;
    case "waiting": {
      const target = t.blockedOn as Task;
      return `wait #${target.tid} "${target.name}"`;
    }
    case "io":
      return k.io.describe(t);
    case "syscall":
      return `syscall ${(t.blockedOn as { syscall: object }).syscall.constructor.name}`;
    case "paused":
      return "paused: resume it to continue";
    default:
      return "";
  }
}

/** The error `run()` rejects with when live tasks remain that can never run again. */
export function deadlockError(k: Kernel): DeadlockError {
  const stuck: StuckTask[] = [];
  for (const t of k.tasks.values()) {
    if (t.alive) stuck.push({ tid: t.tid, name: t.name, status: t.status, waitingOn: describeWait(k, t) });
  }
  return new DeadlockError(stuck);
}
