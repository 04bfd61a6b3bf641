import { TaskKilledError } from "../errors.js";
import type { Kernel } from "./kernel.js";
import { Resume, type Task } from "./task.js";

// Signals (Agent-libOS style): kill, pause, resume, and taking a blocked task off what it waits on.
// Wakers only: each queues tasks and never resumes a generator.

/** Starts killing `task` and its live descendants; `false` if it ended or is already dying. */
export function killTask(k: Kernel, task: Task, error: TaskKilledError): boolean {
  if (!task.alive || task.killError !== null) return false;
  task.killError = error;
  k.events.killed(task, error);
  task.paused = false;
  if (task.timeLimit !== null) k.cancelDeadline(task.timeLimit);
  task.timeLimit = null;
  const wasBlocked = unblock(k, task);
  task.mode = Resume.Return;
  task.send = undefined;
  if (wasBlocked) k.enqueue(task);
  for (let c = task.firstChild; c !== null; c = c.nextSibling) {
    if (c.alive) killTask(k, c, new TaskKilledError(c.tid, c.name, `parent #${task.tid} was killed`));
  }
  return true;
}

/** Pauses `task`: it is not scheduled until {@link resumeTask}. `false` if ended or paused. */
export function pauseTask(k: Kernel, task: Task): boolean {
  if (!task.alive || task.paused || task.killError !== null) return false;
  task.paused = true;
  if (task.status === "ready" && k.ready.remove(task)) {
    task.status = "paused";
    k.leaveQueue(task);
  }
  return true;
}

/** Lets a paused task run again; if it was woken meanwhile it is queued now. */
export function resumeTask(k: Kernel, task: Task): boolean {
  if (!task.alive || !task.paused) return false;
  task.paused = false;
  if (task.status === "paused") k.enqueue(task);
  return true;
}

/** Takes a blocked task off whatever it waits on; returns whether it was blocked. */
export function unblock(k: Kernel, task: Task): boolean {
  switch (task.status) {
    case "sleeping":
      k.time.sleepers.remove(task);
      break;
    case "waiting":
      (task.blockedOn as Task).waiters?.remove(task);
      break;
    case "io":
      k.io.abandon(task);
      break;
    case "syscall":
      (task.blockedOn as { drop(): void }).drop();
      break;
    case "paused":
      break;
    default:
      return false;
  }
  task.blockedOn = null;
  return true;
}
