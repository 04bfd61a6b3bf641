import { describeValue } from "../errors.js";
import type { IoRequest } from "../io/types.js";
import type { Scheduler } from "../kernel/scheduler.js";
import { LlmError } from "./errors.js";
import { LlmJob, type JobHost } from "./llm-job.js";
import { LlmQueue } from "./llm-queue.js";
import type { LlmAnswer, LlmOp, LlmProvider, LlmRequest, LlmResult } from "./llm-types.js";
import { backoffDelay, isRetryable, resolveRetry, type RetryOptions } from "./retry.js";
import { checkLimits, checkPrices, LlmBudgets, type LlmBudgetLimits, type LlmPrice, type LlmSpent } from "./llm-budget.js";

/**
 * Options of {@link registerLlm}.
 *
 * @example
 * ```ts
 * registerLlm(sched, provider, { concurrency: 4, maxBatch: 16, retry: { retries: 2 } });
 * ```
 */
export interface LlmServiceOptions {
  /** Provider calls in flight at once; queued queries start by `priority`, then in order. Default unlimited. */
  concurrency?: number;
  /** Most requests in one `batch` call. Default unlimited. */
  maxBatch?: number;
  /** Backoff for retryable errors (429, 5xx), on the scheduler clock. */
  retry?: RetryOptions;
  /** USD per million tokens by model name, for each result's `costUsd` and for `maxCostUsd`. */
  prices?: Record<string, LlmPrice>;
  /** Token and cost limits of every query this service serves, together. */
  budget?: LlmBudgetLimits;
  /** Token and cost limits of each task together with the tasks it forks (a child's spending counts for its ancestors too). */
  taskBudget?: LlmBudgetLimits;
}

/**
 * Counters of an LLM service, as {@link LlmService.stats} returns them.
 *
 * @example
 * ```ts
 * const { calls, batches, retries } = service.stats;
 * ```
 */
export interface LlmStats {
  /** Provider calls made (`query` and `batch`). */
  calls: number;
  /** Of those, `batch` calls. */
  batches: number;
  /** Retries scheduled after a retryable error. */
  retries: number;
  /** Calls in flight now. */
  inFlight: number;
  /** Calls waiting for a concurrency slot. */
  queued: number;
  /** Tokens and USD spent, from the answers' `usage` (USD only for models with a price). */
  spent: LlmSpent;
}

/**
 * What {@link registerLlm} returns: the provider that serves the scheduler's `"llm"` ops, and
 * counters of its work.
 *
 * @example
 * ```ts
 * const service = registerLlm(sched, offlineProvider());
 * await sched.run();
 * console.log(service.stats.calls);
 * ```
 */
export interface LlmService {
  readonly provider: LlmProvider;
  /** A fresh snapshot of the counters. */
  readonly stats: LlmStats;
}

/**
 * Serves `llm.query` on `sched`: registers the ring handler of the `"llm"` op type with
 * `provider` behind it. Each handler batch (the queries of one `enter()`) goes to the provider's
 * `batch` method as one call when it has one, else to `query` once per request. Retryable errors
 * (429, 5xx) are retried after a backoff on the scheduler clock (`request.after`), so retries are
 * deterministic under a `VirtualClock`. Throws if `"llm"` is already registered on the ring.
 *
 * @example
 * ```ts
 * const sched = new Scheduler({ clock: new VirtualClock() });
 * registerLlm(sched, openAiProvider({ baseURL: "http://127.0.0.1:8080/v1", apiKey }), { concurrency: 2 });
 * sched.spawn(function* () {
 *   return (yield* llm.query({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })).text;
 * });
 * ```
 */
export function registerLlm(sched: Scheduler, provider: LlmProvider, options: LlmServiceOptions = {}): LlmService {
  if (provider === null || typeof provider !== "object" || typeof provider.query !== "function" || typeof provider.name !== "string") {
    throw new TypeError(`registerLlm expects a provider { name, query(request, ctx) }, got ${describeValue(provider)}`);
  }
  const { concurrency, maxBatch, retry, prices, budget, taskBudget } = checkOptions(options);
  const counts = { calls: 0, batches: 0, retries: 0 };
  // When each timed query's ring timeout ends: on a real clock its timer can fire after the
  // moment a slot frees, and a provider must never be billed for a query nobody waits for.
  const deadlines = new WeakMap<IoRequest<LlmOp>, number>();
  const host: JobHost = {
    now: () => sched.now(),
    finished: (job) => queue.done(job),
    clockChanged: () => queue.update(),
    wanted: (r) => !r.settled && !r.signal.aborted && !(sched.now() >= (deadlines.get(r) ?? Infinity)),
  };
  const budgets = new LlmBudgets(sched, budget, taskBudget, prices);

  /** Fails the members that may not be sent (a spent budget, a cost limit without a price); returns the rest. */
  const admit = (members: IoRequest<LlmOp>[]): IoRequest<LlmOp>[] =>
    members.filter((r) => {
      const error = budgets.refuse(r, provider.name);
      if (error !== null) r.fail(error);
      return error === null;
    });
  const prepare = (r: IoRequest<LlmOp>): LlmRequest => budgets.cap(r);

  const start = (job: LlmJob): void => {
    const live = admit(job.live());
    if (live.length === 0) return job.finish();
    counts.calls++;
    job.watch();
    const ctx = job.context();
    const batch = provider.batch !== undefined && live.length > 1;
    if (batch) counts.batches++;
    settle(
      () => (batch ? provider.batch!(live.map(prepare), ctx) : provider.query(prepare(live[0]), ctx)),
      (answers) => {
        if (job.finished) return;
        const list = batch ? answers : [answers];
        if (!Array.isArray(list) || list.length !== live.length) {
          const error = `batch() returned ${describeValue(list)} for ${live.length} requests: return one answer per request, in order`;
          fail(job, new LlmError(error, { provider: provider.name }));
        } else live.forEach((r, i) => complete(r, list[i] as LlmAnswer | Error, job));
        job.finish();
      },
      (error) => {
        if (job.finished) return;
        // A stream that already delivered pieces is not retried: the task would see them twice.
        if (isRetryable(error) && job.attempt <= retry.retries && job.emitted === 0) scheduleRetry(job, error.retryAfterMs);
        else fail(job, error);
        job.finish();
      },
    );
  };
  const queue = new LlmQueue(concurrency, host.now, start);

  const complete = (r: IoRequest<LlmOp>, answer: LlmAnswer | Error, job: LlmJob): void => {
    if (answer instanceof Error) {
      r.fail(answer);
      return;
    }
    if (answer === null || typeof answer !== "object" || typeof answer.text !== "string") {
      r.fail(new LlmError(`answered ${describeValue(answer)} for model "${r.op.request.model}": an answer needs a string \`text\``, { provider: provider.name }));
      return;
    }
    const result: LlmResult = { ...answer, model: answer.model ?? r.op.request.model, provider: provider.name, attempts: job.attempt };
    if (answer.usage !== undefined) {
      const cost = budgets.charge(r, answer.usage, result.model);
      if (cost !== undefined) result.costUsd = cost;
    }
    // A provider that does not stream still answers a stream: its whole answer is one piece.
    if (r.op.onDelta !== undefined && job.emitted === 0 && !r.settled) {
      r.op.onDelta({ text: result.text, ...(result.toolCalls ? { toolCalls: result.toolCalls.map((c, index) => ({ index, id: c.id, name: c.function.name, arguments: c.function.arguments })) } : {}) });
    }
    r.complete(result);
  };

  const fail = (job: LlmJob, error: unknown): void => {
    if (error instanceof LlmError) error.attempts = job.attempt;
    for (const r of job.live()) r.fail(error);
  };

  // The members wait on the clock (a virtual clock may jump); the first to fire requeues them all.
  const scheduleRetry = (job: LlmJob, retryAfterMs: number | undefined): void => {
    counts.retries++;
    const delay = backoffDelay(job.attempt, retry, retryAfterMs);
    let requeued = false;
    for (const r of job.live()) {
      r.after(delay, () => {
        if (requeued) return;
        requeued = true;
        queue.push(new LlmJob(job.live(), job.attempt + 1, host));
      });
    }
  };

  sched.ring.register<LlmOp>("llm", (requests) => {
    for (const r of requests) {
      if (r.op.timeoutMs !== undefined) deadlines.set(r, sched.now() + r.op.timeoutMs);
      budgets.dispatched(r);
    }
    const sorted = [...requests].sort((a, b) => b.op.request.priority - a.op.request.priority);
    // A stream is a call of its own: its pieces go to one task.
    for (const r of sorted) if (r.op.onDelta !== undefined) queue.push(new LlmJob([r], 1, host));
    const plain = sorted.filter((r) => r.op.onDelta === undefined);
    const size = provider.batch === undefined ? 1 : maxBatch;
    for (let i = 0; i < plain.length; i += size) queue.push(new LlmJob(plain.slice(i, i + size), 1, host));
  });
  return {
    provider,
    get stats(): LlmStats {
      return { ...counts, inFlight: queue.running, queued: queue.waiting, spent: { ...budgets.service.spent } };
    },
  };
}

/** Runs `fn`, then `ok` or `err` with its (awaited) outcome: synchronously when it is not a promise. */
function settle<T>(fn: () => T | PromiseLike<T>, ok: (value: T) => void, err: (error: unknown) => void): void {
  let value: T | PromiseLike<T>;
  try {
    value = fn();
  } catch (error) {
    return err(error);
  }
  if (value !== null && typeof value === "object" && typeof (value as PromiseLike<T>).then === "function") {
    (value as PromiseLike<T>).then(ok, err);
  } else ok(value as T);
}

interface CheckedOptions {
  concurrency: number;
  maxBatch: number;
  retry: Required<RetryOptions>;
  prices: Record<string, LlmPrice>;
  budget: LlmBudgetLimits | undefined;
  taskBudget: LlmBudgetLimits | undefined;
}

const OPTIONS = ["concurrency", "maxBatch", "retry", "prices", "budget", "taskBudget"];

function checkOptions(options: LlmServiceOptions): CheckedOptions {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`registerLlm options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTIONS.includes(key)) {
      throw new TypeError(`registerLlm: unknown option ${JSON.stringify(key)}; use ${OPTIONS.join(", ")}`);
    }
  }
  const count = (name: string, v: unknown): number => {
    if (v === undefined) return Infinity;
    if (v === Infinity || (Number.isInteger(v) && (v as number) >= 1)) return v as number;
    throw new RangeError(`registerLlm: \`${name}\` must be an integer >= 1 (or Infinity), got ${describeValue(v)}`);
  };
  return {
    concurrency: count("concurrency", options.concurrency),
    maxBatch: count("maxBatch", options.maxBatch),
    retry: resolveRetry(options.retry),
    prices: options.prices === undefined ? {} : checkPrices(options.prices),
    budget: options.budget === undefined ? undefined : checkLimits(options.budget, "budget"),
    taskBudget: options.taskBudget === undefined ? undefined : checkLimits(options.taskBudget, "taskBudget"),
  };
}
