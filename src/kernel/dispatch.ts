import { admitSyscall } from "../caps/gate.js";
import { isThenable } from "../checks.js";
import { runFork } from "../syscalls/fork.js";
import type { Fork } from "../syscalls/fork.js";
import { runGetTid } from "../syscalls/get-tid.js";
import { runJoin, runRace, type Join, type Race } from "../syscalls/join.js";
import { runKill, type Kill } from "../syscalls/kill.js";
import { runSignal, type Pause } from "../syscalls/pause.js";
import type { Resume } from "../syscalls/resume.js";
import { runRevoke, type Revoke } from "../syscalls/revoke.js";
import { runSleep, type Sleep } from "../syscalls/sleep.js";
import { runSubmitIO, type SubmitIO } from "../syscalls/submit-io.js";
import { Kind, type Syscall } from "../syscalls/syscall.js";
import { runWait, type Wait } from "../syscalls/wait.js";
import { Context } from "./context.js";
import type { Dispatched } from "./dispatched.js";
import type { Kernel } from "./kernel.js";
import type { Task } from "./task.js";

/**
 * Carries out the syscall `task` yielded. A monomorphic switch on the built-ins' kind codes calls
 * into each syscall's own file; anything else is a custom syscall, which gets a {@link Context}.
 */
export function dispatch(k: Kernel, task: Task, syscall: Syscall<unknown>): Dispatched {
  k.events.syscall(task, syscall);
  if (task.budget !== null) {
    const over = charge(task, syscall);
    if (over !== null) return k.answer(task, false, over);
  }
  switch (syscall._kind) {
    case Kind.GetTid:
      return runGetTid(k, task);
    case Kind.Sleep:
      return runSleep(k, task, syscall as Sleep);
    case Kind.Fork:
      return runFork(k, task, syscall as Fork);
    case Kind.Wait:
      return runWait(k, task, syscall as Wait);
    case Kind.Kill:
      return runKill(k, task, syscall as Kill);
    case Kind.SubmitIO:
      return runSubmitIO(k, task, syscall as SubmitIO);
    case Kind.Pause:
      return runSignal(k, task, (syscall as Pause).tid, "pause");
    case Kind.Resume:
      return runSignal(k, task, (syscall as Resume).tid, "resume");
    case Kind.Join:
      return runJoin(k, task, syscall as Join);
    case Kind.Race:
      return runRace(k, task, syscall as Race);
    case Kind.Revoke:
      return runRevoke(k, task, syscall as Revoke);
    case Kind.Trusted:
      return runCustom(k, task, syscall);
    default:
      if (task.caps !== null) {
        try {
          admitSyscall(task.caps, syscall, task);
        } catch (error) {
          return k.answer(task, false, error);
        }
      }
      return runCustom(k, task, syscall);
  }
}

/** PyOS's `handle()`: the syscall answers through its context, now or from any later callback. */
function runCustom(k: Kernel, task: Task, syscall: Syscall<unknown>): Dispatched {
  const ctx = new Context(k, task, syscall);
  const outcome = k.block(task, "syscall", ctx);
  let returned: unknown;
  try {
    returned = syscall.handle(ctx);
  } catch (error) {
    ctx.failFromHandler(error, "threw");
    return outcome;
  }
  // An async handle: its rejection fails the syscall instead of reaching the host unhandled.
  if (isThenable(returned)) {
    Promise.resolve(returned).then(undefined, (error: unknown) => ctx.failFromHandler(error, "returned a promise that rejected"));
  }
  return outcome;
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
      : kind === Kind.Race
        ? budget.charge("children", (syscall as Race).targets.length, task.tid, task.name)
        : kind === Kind.SubmitIO
          ? budget.charge("io", ioCount(syscall as SubmitIO), task.tid, task.name)
          : null)
  );
}

function ioCount(syscall: SubmitIO): number {
  return Array.isArray(syscall.ops) ? syscall.ops.length : 1;
}
