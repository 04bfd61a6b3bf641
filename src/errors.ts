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
 * killed with it. `yieldos/agent` throws it too, for the LLM budgets `maxTokens` and `maxCostUsd`.
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
    readonly budget: "maxChildren" | "maxSyscalls" | "maxIo" | "maxRunTime" | "maxTokens" | "maxCostUsd",
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

/**
 * A task tried to do something it holds no capability for: an op or custom syscall it was not
 * granted, a file path outside its grants, or a `fork` asking for more than the parent holds.
 * Thrown into the task at the offending `yield`, before any handler runs.
 *
 * @example
 * ```ts
 * try {
 *   yield* submitIO(fsOps.writeFile("/data/in/notes.md", "x"));
 * } catch (e) {
 *   if (e instanceof CapabilityDeniedError) console.log(e.message);
 *   // task #2 "researcher" may not fs.writeFile "/data/in/notes.md": it lacks capability
 *   // "fs.writeFile:/data/in/notes.md" (it holds: fs.read:/data/in, llm:gpt-4o-mini)
 * }
 * ```
 */
export class CapabilityDeniedError extends Error {
  override name = "CapabilityDeniedError";
  /** The task that was refused. */
  readonly tid: number;
  readonly taskName: string;
  /** What it tried: an op type (`"fs.writeFile"`), `"syscall"`, or `"fork"`. */
  readonly action: string;
  /** What it tried it on: a resolved path, a model, a tool, a syscall class; `undefined` if none. */
  readonly target: string | undefined;
  /** The capability that would have allowed it, as a spec string (`"fs.writeFile:/data/out/a.md"`). */
  readonly capability: string;
  /** What the task held, as spec strings; `null` for an unrestricted task. */
  readonly held: readonly string[] | null;

  constructor(details: {
    tid: number;
    taskName: string;
    action: string;
    target?: string;
    capability: string;
    held: readonly string[] | null;
    /** Replaces the middle of the message (`it lacks capability ...`); used by fork. */
    detail?: string;
  }) {
    const { tid, taskName, action, target, capability, held } = details;
    const holds = held === null ? "it is unrestricted" : held.length === 0 ? "it holds none" : `it holds: ${held.join(", ")}`;
    const what = target === undefined ? action : `${action} ${JSON.stringify(target)}`;
    super(`task #${tid} "${taskName}" may not ${what}: ${details.detail ?? `it lacks capability ${JSON.stringify(capability)}`} (${holds})`);
    this.tid = tid;
    this.taskName = taskName;
    this.action = action;
    this.target = target;
    this.capability = capability;
    this.held = held;
  }
}
