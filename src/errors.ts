/**
 * Error classes thrown by yieldos. Each message names the task, op or value involved.
 *
 * @example
 * ```ts
 * try { yield* wait(kid); } catch (e) { if (e instanceof TaskKilledError) console.log(e.tid); }
 * ```
 * @module
 */

export { describeValue, checkOptionKeys } from "./checks.js";
import { describeReason, describeValue } from "./checks.js";

/**
 * Thrown by `Wait` on a killed task, and used as the rejection of its `done`.
 *
 * @example
 * ```ts
 * sched.kill(tid, "shutting down");
 * await handle.done.catch((e: TaskKilledError) => e.reason); // "shutting down"
 * ```
 */
export class TaskKilledError extends Error {
  override name = "TaskKilledError";
  constructor(
    readonly tid: number,
    readonly taskName: string,
    readonly reason?: unknown,
  ) {
    super(`task #${tid} "${taskName}" was killed${reason === undefined ? "" : `: ${describeReason(reason)}`}`);
  }
}

/**
 * A time limit ran out: a task's `timeLimit`, an op's `timeout`.
 * For a task it is a `TaskKilledError`, so code that handles kills handles it too.
 *
 * @example
 * ```ts
 * const t = sched.spawn(slow, { timeLimit: 100 });
 * await t.done.catch((e) => e instanceof TimeoutError); // true
 * ```
 */
export class TimeoutError extends TaskKilledError {
  override name = "TimeoutError";
  constructor(
    message: string,
    readonly ms: number,
    tid = 0,
    taskName = "",
  ) {
    super(tid, taskName, message);
    this.message = message;
  }
}

/**
 * `Wait` on a tid that is unknown, already reaped, or the caller's own.
 *
 * @example
 * ```ts
 * try { yield* wait(999); } catch (e) { e instanceof NoSuchTaskError; }
 * ```
 */
export class NoSuchTaskError extends Error {
  override name = "NoSuchTaskError";
  constructor(
    readonly tid: unknown,
    detail: string,
  ) {
    super(`no such task ${typeof tid === "number" ? `#${tid}` : describeValue(tid)}: ${detail}`);
  }
}

/** One stuck task in a {@link DeadlockError}. */
export interface StuckTask {
  tid: number;
  name: string;
  status: string;
  /** What it waits on, e.g. `wait #3 "b"`. */
  waitingOn: string;
}

/**
 * Tasks remain but none can ever run again: `run()` rejects with this instead of hanging.
 *
 * @example
 * ```ts
 * await sched.run().catch((e: DeadlockError) => e.tasks.map((t) => t.tid));
 * ```
 */
export class DeadlockError extends Error {
  override name = "DeadlockError";
  constructor(readonly tasks: StuckTask[]) {
    super(
      `deadlock: ${tasks.length} task(s) can never run again: ${tasks
        .map((t) => `#${t.tid} "${t.name}" (${t.waitingOn})`)
        .join(", ")}`,
    );
  }
}

/**
 * `IoRing.submit` found the submission queue full.
 *
 * @example
 * ```ts
 * try { ring.submit({ type: "nop" }); } catch (e) { if (e instanceof RingFullError) ring.enter(); }
 * ```
 */
export class RingFullError extends Error {
  override name = "RingFullError";
  constructor(
    readonly capacity: number,
    readonly opType: string,
  ) {
    super(
      `submission queue full (${capacity} entries) when submitting a "${opType}" op: call enter() to dispatch, or create the ring with more entries`,
    );
  }
}

/**
 * An op was cancelled: `cancel(seq)`, its `signal` aborted, its task killed, or an earlier op in its link chain failed.
 *
 * @example
 * ```ts
 * ring.cancel(seq);
 * // the completion for seq has ok: false and error instanceof OpCancelledError
 * ```
 */
export class OpCancelledError extends Error {
  override name = "OpCancelledError";
  constructor(
    readonly seq: number,
    readonly opType: string,
    readonly reason?: unknown,
  ) {
    super(`op #${seq} "${opType}" was cancelled${reason === undefined ? "" : `: ${describeReason(reason)}`}`);
  }
}

/**
 * A task went over one of its resource budgets (`maxChildren`, `maxSyscalls`, `maxIo`,
 * `maxRunTime`). Thrown into the task at the offending syscall; for `maxRunTime` the task is
 * killed with it.
 *
 * @example
 * ```ts
 * sched.spawn(agent, { budget: { maxIo: 10 } });
 * // the 11th op: BudgetExceededError: task #1 "agent" exceeded maxIo (limit 10)
 * ```
 */
export class BudgetExceededError extends TaskKilledError {
  override name = "BudgetExceededError";
  constructor(
    readonly budget: "maxChildren" | "maxSyscalls" | "maxIo" | "maxRunTime",
    readonly limit: number,
    tid: number,
    taskName: string,
    /** The task whose budget ran out: `tid` itself, or an ancestor whose budget covers it. */
    readonly owner: number = tid,
    ownerName: string = taskName,
  ) {
    super(tid, taskName, `exceeded ${budget}`);
    this.message =
      owner === tid
        ? `task #${tid} "${taskName}" exceeded ${budget} (limit ${limit})`
        : `task #${tid} "${taskName}" exceeded ${budget} of the budget of its ancestor #${owner} "${ownerName}" (limit ${limit}, shared by its descendants)`;
  }
}

/**
 * `send` on a channel that was closed (before the send, or while it waited for room).
 *
 * @example
 * ```ts
 * ch.close();
 * try { yield* ch.send("late"); } catch (e) { e instanceof ChannelClosedError; } // true
 * ```
 */
export class ChannelClosedError extends Error {
  override name = "ChannelClosedError";
  constructor(
    readonly channel: string,
    readonly value: unknown,
    detail: string,
  ) {
    super(`send of ${describeValue(value)} on closed channel "${channel}": ${detail}`);
  }
}
