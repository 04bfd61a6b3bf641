import { NoSuchTaskError, TaskKilledError, describeValue } from "../errors.js";
import type { Fork } from "../syscalls/fork.js";
import type { Kill } from "../syscalls/kill.js";
import type { Pause } from "../syscalls/pause.js";
import type { Resume } from "../syscalls/resume.js";
import type { Sleep } from "../syscalls/sleep.js";
import type { SubmitIO } from "../syscalls/submit-io.js";
import { Kind, type Syscall } from "../syscalls/syscall.js";
import type { Wait } from "../syscalls/wait.js";
import { Context } from "./context.js";
import { Deque } from "./deque.js";
import type { Kernel } from "./kernel.js";
import { killTask, pauseTask, resumeTask } from "./signals.js";
import type { Task } from "./task.js";

/**
 * Carries out the syscall `task` yielded. Built-ins are dispatched by their kind code (one
 * monomorphic switch); anything else is a custom syscall and gets its own {@link Context}.
 * Syscalls that complete at once re-queue the task at the back of the ready queue (Order 3).
 */
export function dispatch(k: Kernel, task: Task, syscall: Syscall<unknown>): void {
  k.events.syscall(task, syscall);
  if (task.budget !== null) {
    const over = charge(task, syscall);
    if (over !== null) return k.wake(task, false, over);
  }
  switch (syscall._kind) {
    case Kind.GetTid:
      return k.wake(task, true, task.tid);
    case Kind.Sleep:
      return sleep(k, task, (syscall as Sleep).ms);
    case Kind.Fork:
      return fork(k, task, syscall as Fork);
    case Kind.Wait:
      return wait(k, task, (syscall as Wait).tid);
    case Kind.Kill:
      return kill(k, task, syscall as Kill);
    case Kind.SubmitIO:
      return k.io.submit(task, syscall as SubmitIO);
    case Kind.Pause:
      return signal(k, task, (syscall as Pause).tid, "pause");
    case Kind.Resume:
      return signal(k, task, (syscall as Resume).tid, "resume");
    default:
      return custom(k, task, syscall);
  }
}

function sleep(k: Kernel, task: Task, ms: unknown): void {
  if (typeof ms !== "number" || !(ms >= 0) || ms === Infinity) {
    return k.wake(task, false, new RangeError(`sleep(ms) expects a finite number of ms >= 0, got ${describeValue(ms)}`));
  }
  k.sleep(task, ms);
}

function fork(k: Kernel, task: Task, syscall: Fork): void {
  let child: Task;
  try {
    child = k.create(syscall.target, syscall.options, task);
  } catch (error) {
    return k.wake(task, false, error);
  }
  k.wake(task, true, child.tid);
}

function wait(k: Kernel, task: Task, tid: unknown): void {
  if (tid === task.tid) return k.wake(task, false, new NoSuchTaskError(tid, "a task cannot wait on itself"));
  const target = typeof tid === "number" ? k.tasks.get(tid) : undefined;
  if (target === undefined) {
    return k.wake(task, false, new NoSuchTaskError(tid, "no task has this tid: it never existed, or it ended and its exit record was freed"));
  }
  if (!target.alive) {
    if (target.parentTask !== task) {
      return k.wake(task, false, new NoSuchTaskError(tid, `it has ended, and only its parent #${target.parent} may collect its result`));
    }
    // Only a failure needs marking as seen (an exited task would only allocate its extras).
    if (target.status !== "exited") target.observed = true;
    k.release(target);
    return k.wake(task, target.status === "exited", target.result);
  }
  (target.waiters ??= new Deque<Task>(4)).push(task);
  task.status = "waiting";
  task.blockedOn = target;
}

function kill(k: Kernel, task: Task, syscall: Kill): void {
  const tid = syscall.tid;
  if (typeof tid !== "number" || !Number.isInteger(tid)) {
    return k.wake(task, false, new TypeError(`kill(tid) expects an integer tid, got ${describeValue(tid)}`));
  }
  const target = k.tasks.get(tid);
  const killed = target !== undefined && killTask(k, target, new TaskKilledError(target.tid, target.name, syscall.reason));
  k.wake(task, true, killed);
}

/** Charges a syscall to the task's budget; the error of the budget it would exceed, or `null`. */
function charge(task: Task, syscall: Syscall<unknown>): Error | null {
  const budget = task.budget!;
  const kind = syscall._kind;
  // A syscall refused for its children or io budget still counts as a syscall made.
  return (
    budget.charge("syscalls", 1, task.tid, task.name) ??
    (kind === Kind.Fork
      ? budget.charge("children", 1, task.tid, task.name)
      : kind === Kind.SubmitIO
        ? budget.charge("io", ioCount(syscall as SubmitIO), task.tid, task.name)
        : null)
  );
}

function ioCount(syscall: SubmitIO): number {
  return Array.isArray(syscall.ops) ? syscall.ops.length : 1;
}

function signal(k: Kernel, task: Task, tid: unknown, action: "pause" | "resume"): void {
  if (typeof tid !== "number" || !Number.isInteger(tid)) {
    return k.wake(task, false, new TypeError(`${action}(tid) expects an integer tid, got ${describeValue(tid)}`));
  }
  const target = k.tasks.get(tid);
  const done = target !== undefined && (action === "pause" ? pauseTask(k, target) : resumeTask(k, target));
  k.wake(task, true, done);
}

function custom(k: Kernel, task: Task, syscall: Syscall<unknown>): void {
  const ctx = new Context(k, task, syscall);
  task.status = "syscall";
  task.blockedOn = ctx;
  try {
    syscall.handle(ctx);
  } catch (error) {
    if (ctx.pending) ctx.fail(error);
    else k.events.reportError(error, `${syscall.constructor.name}.handle of task #${task.tid} threw after completing`);
  }
}
