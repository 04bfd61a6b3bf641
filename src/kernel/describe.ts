import type { StuckTask } from "../errors.js";
import type { Kernel } from "./kernel.js";
import { Task } from "./task.js";

/** What a blocked task waits on, for `ps()`, `runSync()` and deadlock reports: `sleep until 120`, `wait #3 "b"`. */
export function describeWait(k: Kernel, t: Task): string {
  switch (t.status) {
    case "sleeping":
      return `sleep until ${k.timers.sleepers.atOf(t.blockedOn as number)}`;
    case "waiting": {
      const on = t.blockedOn;
      if (on instanceof Task) return `wait #${on.tid} "${on.name}"`;
      return (on as { describe(): string }).describe();
    }
    case "io":
      return k.io.describe(t);
    case "syscall":
      return (t.blockedOn as { describe(): string }).describe();
    case "paused":
      return "paused: resume it to continue";
    default:
      return "";
  }
}

/** The live tasks, as a `DeadlockError` lists them. */
export function describeStuck(k: Kernel): StuckTask[] {
  const stuck: StuckTask[] = [];
  for (const t of k.tasks.values()) {
    if (t.alive) stuck.push({ tid: t.tid, name: t.name, status: t.status, waitingOn: describeWait(k, t) });
  }
  return stuck;
}
