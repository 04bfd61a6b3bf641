/**
 * Error classes thrown by yieldos. Each message names the task, op or value involved.
 *
 * @example
 * ```ts
 * try { yield* wait(kid); } catch (e) { if (e instanceof TaskKilledError) console.log(e.tid); }
 * ```
 * @module
 */

/** Whether `value` has a generator's `next` and `throw`, so `yield child()` (no `*`) can be named as such. */
export function isGeneratorLike(value: object): boolean {
  return typeof (value as Generator).next === "function" && typeof (value as Generator).throw === "function";
}

/** Describes a value for an error message: `42 (number)`, `a Promise`, `{"a":1} (object)`, `a generator object`. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "function") return `a function ${value.name || "(anonymous)"}`;
  if (typeof value === "object") {
    if (typeof (value as PromiseLike<unknown>).then === "function") return "a Promise";
    if (Array.isArray(value)) return `an array of length ${value.length}`;
    if (isGeneratorLike(value)) return Symbol.asyncIterator in value ? "an async generator object" : "a generator object";
    const ctor = (value as object).constructor?.name;
    if (ctor && ctor !== "Object") return `a ${ctor} object`;
    let text: string;
    try {
      text = JSON.stringify(value);
    } catch {
      text = "[object]";
    }
    if (text.length > 60) text = `${text.slice(0, 57)}...`;
    return `${text} (object)`;
  }
  if (typeof value === "string") return `${JSON.stringify(value)} (string)`;
  if (typeof value === "symbol") return `${String(value)} (symbol)`;
  return `${String(value)} (${typeof value})`;
}

/** Throws a `TypeError` for a key of `options` not in `known`, naming it and the known ones. */
export function checkOptionKeys(options: object, known: readonly string[], what: string): void {
  for (const key in options) {
    if (!known.includes(key)) {
      throw new TypeError(`unknown ${what} option ${JSON.stringify(key)}: expected one of ${known.join(", ")}`);
    }
  }
}

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
    super(`task #${tid} "${taskName}" was killed${reason === undefined ? "" : `: ${String(reason)}`}`);
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
    super(`op #${seq} "${opType}" was cancelled${reason === undefined ? "" : `: ${reason instanceof Error ? reason.message : String(reason)}`}`);
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
  ) {
    super(tid, taskName, `exceeded ${budget}`);
    this.message = `task #${tid} "${taskName}" exceeded ${budget} (limit ${limit}${owner === tid ? "" : ` of ancestor #${owner}'s budget`})`;
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
