import type { ConnectionOptions, Job as JobT, RateLimiterOptions } from "bullmq";
import type { IoOp } from "../index.js";
import { CANCEL_EVENT, DEFAULT_QUEUE_PREFIX, cancelChannel, ErrorReporter, queueName, withBackoff } from "./connection.js";
import { jsonProblem, toWireError } from "./payload.js";
import { QueueEvents, Worker } from "./peer.js";

/**
 * What an op worker's handler gets besides the op.
 *
 * @example
 * ```ts
 * const embed: RemoteHandler<EmbedOp> = async (op, ctx) => {
 *   if (await cache.has(ctx.key)) return cache.get(ctx.key); // ran before a crash: do not redo
 *   return model.embed(op.text, { signal: ctx.signal });
 * };
 * ```
 */
export interface RemoteOpContext {
  /** Fires when the op is cancelled (its task killed, its timeout, a cancel) or the worker closes. */
  signal: AbortSignal;
  /** The op's idempotency key: the same on every run of this op, re-runs after a crash included. */
  key: string;
  /** The BullMQ job id. */
  jobId: string;
  /** Which run of the job this is: 1, then 2 after its first worker died (stalled). */
  attempt: number;
}

/**
 * Runs one remote op on an op worker and returns its result (JSON data), or throws. The error's
 * `name`, `message` and `code` reach the task.
 *
 * @example
 * ```ts
 * const handlers: Record<string, RemoteHandler> = { echo: async (op) => op["value"] };
 * ```
 */
export type RemoteHandler<Op extends IoOp = IoOp> = (op: Op, ctx: RemoteOpContext) => unknown;

/**
 * Options of an {@link OpWorker}.
 *
 * @example
 * ```ts
 * new OpWorker({ connection, handlers: { llm }, concurrency: 20, limiter: { llm: { max: 10, duration: 1_000 } } });
 * ```
 */
export interface OpWorkerOptions {
  connection: ConnectionOptions;
  /** The handler of each op type this worker serves. */
  handlers: Record<string, RemoteHandler<never>>;
  /** Jobs run at once per op type. Default 16. */
  concurrency?: number;
  /** BullMQ's rate limiter per op type, shared by every worker of that type (`{ max, duration }`). */
  limiter?: Record<string, RateLimiterOptions>;
  /**
   * How soon a dead worker's jobs run elsewhere: BullMQ's `lockDuration` (default 30 000 ms) and
   * `stalledInterval` (default 30 000 ms). Give every worker of a queue the same values: the
   * stalled check runs at the interval of whichever worker checks first.
   */
  lockDuration?: number;
  stalledInterval?: number;
  /** Stalls a job survives before it fails (BullMQ's default 1: an op runs at most twice). */
  maxStalledCount?: number;
  /** Must match the clients' `queuePrefix`. Default `"yieldos-op"`. */
  queuePrefix?: string;
  /** BullMQ's Redis key prefix; must match the clients'. */
  prefix?: string;
  /** Gets Redis outages and worker errors; default `console.warn`. */
  onError?: (error: Error) => void;
}

/** What closing and waiting need of a BullMQ Worker or QueueEvents. */
interface Client {
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
}
interface JobData {
  op: IoOp;
  key: string;
}

/** The signal of a job BullMQ gave none (it always does for a three-parameter processor). */
const NEVER: AbortSignal = new AbortController().signal;

/** How long a cancel is remembered for a job that has not reached its processor yet. */
const CANCEL_MEMORY_MS = 60_000;

/**
 * Runs remote ops: a BullMQ `Worker` per op type, running the handler of that type for each job
 * sent by a {@link remoteOps} client, on any machine that reaches the same Redis. A cancel from the
 * client (published on the queue's events stream) fires the running handler's `ctx.signal`. If the
 * worker process dies, BullMQ's stalled-job check gives its running jobs to another worker, with
 * the same `ctx.key`.
 *
 * @example
 * ```ts
 * const worker = new OpWorker({
 *   connection: { host: "127.0.0.1", port: 6379 },
 *   handlers: { embed: async (op: EmbedOp, ctx) => model.embed(op.text, { signal: ctx.signal }) },
 *   lockDuration: 2_000,
 *   stalledInterval: 1_000,
 * });
 * await worker.ready();
 * // ... later
 * await worker.close();
 * ```
 */
export class OpWorker {
  readonly #workers: Client[] = [];
  readonly #cancelEvents: Client[] = [];
  /** Job ids cancelled before their processor started, with when: the processor aborts at once. */
  readonly #cancelled = new Map<string, number>();
  #stats = { started: 0, completed: 0, failed: 0, aborted: 0 };

  constructor(options: OpWorkerOptions) {
    const connection = withBackoff(options.connection);
    const prefix = options.queuePrefix ?? DEFAULT_QUEUE_PREFIX;
    const reporter = new ErrorReporter("yieldos/bullmq op worker", connection, options.onError);
    const base = options.prefix === undefined ? { connection } : { connection, prefix: options.prefix };
    for (const [type, handler] of Object.entries(options.handlers)) {
      const name = queueName(prefix, type);
      const run = handler as RemoteHandler;
      // Three declared parameters: BullMQ hands a processor an AbortSignal only when it has them.
      const processor = async (job: JobT, token: string | undefined, signal?: AbortSignal): Promise<unknown> => {
        void token;
        return this.#process(type, run, job as JobT<JobData>, signal);
      };
      const worker = new Worker(name, processor, {
        ...base,
        concurrency: options.concurrency ?? 16,
        ...(options.limiter?.[type] !== undefined && { limiter: options.limiter[type] }),
        ...(options.lockDuration !== undefined && { lockDuration: options.lockDuration }),
        ...(options.stalledInterval !== undefined && { stalledInterval: options.stalledInterval }),
        ...(options.maxStalledCount !== undefined && { maxStalledCount: options.maxStalledCount }),
      });
      worker.on("error", reporter.report);
      const events = new QueueEvents(cancelChannel(name), base);
      events.on("error", reporter.report);
      events.on(CANCEL_EVENT as "completed", (args: unknown) => {
        const { jobId, reason } = args as { jobId: string; reason?: string };
        this.#remember(jobId);
        worker.cancelJob(jobId, reason ?? "cancelled by its client");
      });
      this.#workers.push(worker);
      this.#cancelEvents.push(events);
    }
  }

  /**
   * Counters: jobs whose handler started, completed, failed, and those that ended after their
   * signal fired.
   *
   * @example
   * ```ts
   * const { started, completed, failed, aborted } = worker.stats;
   * ```
   */
  get stats(): { started: number; completed: number; failed: number; aborted: number } {
    return { ...this.#stats };
  }

  /** Resolves once every queue's worker and cancel listener is connected. */
  async ready(): Promise<void> {
    await Promise.all([...this.#workers, ...this.#cancelEvents].map((w) => w.waitUntilReady()));
  }

  /** Stops taking jobs, waits for the running ones to end, and closes the connections. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#workers, ...this.#cancelEvents].map((w) => w.close()));
  }

  async #process(type: string, handler: RemoteHandler, job: JobT<JobData>, signal: AbortSignal | undefined): Promise<unknown> {
    const jobId = job.id ?? "";
    // A cancel that came before BullMQ handed over the job: the handler never starts.
    if (this.#cancelled.has(jobId)) throw new Error(`op "${type}" (BullMQ job ${jobId}) was cancelled by its client before it started`);
    this.#stats.started++;
    try {
      const ctx: RemoteOpContext = { signal: signal ?? NEVER, key: job.data.key, jobId, attempt: job.attemptsStarted };
      const value = await handler(job.data.op, ctx);
      const problem = value === undefined ? null : jsonProblem(value, "result");
      if (problem !== null) {
        throw new TypeError(`the handler of op "${type}" returned a value that is not JSON data: ${problem}`);
      }
      this.#stats.completed++;
      return value;
    } catch (error) {
      this.#stats.failed++;
      if (signal?.aborted === true) this.#stats.aborted++;
      // BullMQ keeps only the message; the task also needs the name and code.
      await job.updateData({ ...job.data, error: toWireError(error) } as JobData).catch(() => undefined);
      throw error instanceof Error ? error : new Error(toWireError(error).message);
    }
  }

  #remember(jobId: string): void {
    const now = Date.now();
    for (const [id, at] of this.#cancelled) {
      if (now - at < CANCEL_MEMORY_MS) break;
      this.#cancelled.delete(id);
    }
    this.#cancelled.set(jobId, now);
  }
}
