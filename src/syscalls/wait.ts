import type { Tid } from "../kernel/types.js";
import { NoSuchTaskError } from "../errors.js";
import { describeValue } from "../checks.js";
import type { Kernel } from "../kernel/kernel.js";
import { Dispatched } from "../kernel/dispatched.js";
import type { Task } from "../kernel/task.js";
import { Kind, Syscall, type SyscallDescription } from "./syscall.js";

/**
 * Waits for task `tid` to end and returns its return value; throws its error if it failed, a
 * `TaskKilledError` if it was killed (a `TimeoutError` if its time limit ran out). Throws
 * `NoSuchTaskError` for an unknown tid, the caller's own tid, or an ended task that is not the
 * caller's own child.
 *
 * @example
 * ```ts
 * const kid = yield* fork(child());
 * const result = yield* wait(kid);
 * ```
 */
export class Wait<T = unknown> extends Syscall<T> {
  /** @internal */
  override readonly _kind = Kind.Wait;
  constructor(readonly tid: Tid<T>) {
    super();
  }

  override describe(): SyscallDescription {
    return { name: "wait", detail: typeof this.tid === "number" ? `#${this.tid}` : describeValue(this.tid) };
  }
}

/** @internal The kernel's handling of {@link Wait}: a result now, or a place in the target's FIFO of waiters. */
export function runWait(k: Kernel, task: Task, syscall: Wait): Dispatched {
  const tid = syscall.tid;
  if (tid === task.tid) return k.answer(task, false, new NoSuchTaskError(tid, "a task cannot wait on itself"));
  const target = typeof tid === "number" ? k.tasks.get(tid) : undefined;
  if (target === undefined) {
    return k.answer(task, false, new NoSuchTaskError(tid, "no task has this tid: it never existed, or it ended and its exit record was freed"));
  }
  if (!target.alive) {
    if (target.parentTask !== task) {
      return k.answer(task, false, new NoSuchTaskError(tid, `it has ended, and only its parent #${target.parent} may collect its result`));
    }
    // Only a failure needs marking as seen (an exited task would only allocate its extras).
    if (target.status !== "exited") target.observed = true;
    k.release(target);
    return k.answer(task, target.status === "exited", target.result);
  }
  k.addWaiter(target, task);
  return k.block(task, "waiting", target);
}

/** Returns a {@link Wait} syscall. @example `const v = yield* wait(kid);` */
export function wait<T>(tid: Tid<T>): Wait<T> {
  return new Wait(tid);
}
