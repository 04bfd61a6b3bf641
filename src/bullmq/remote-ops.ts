import type { ConnectionOptions, JobsOptions } from "bullmq";
import { nanoid } from "nanoid";
import type { IoOp, IoRequest, IoRing } from "../index.js";
import { DEFAULT_QUEUE_PREFIX, ErrorReporter, queueName, withBackoff } from "./connection.js";
import { RemoteOpError, RemotePayloadError } from "./errors.js";
import { OpLane, type JobOutcome } from "./op-lane.js";
import { jsonProblem, type WireError } from "./payload.js";

/**
 * Options of {@link remoteOps}.
 *
 * @example
 * ```ts
 * remoteOps(sched, { connection: { host: "127.0.0.1", port: 6379 }, types: ["embed", "llm"] });
 * ```
 */
export interface RemoteOpsOptions {
  /** Where Redis is: ioredis options (`{ host, port }`) or an ioredis instance. */
  connection: ConnectionOptions;
  /** The op types sent to op workers; each gets its own BullMQ queue (so its own rate limit). */
  types: readonly string[];
  /** Queue names are `${queuePrefix}-${type}`. Default `"yieldos-op"`; op workers must use the same. */
  queuePrefix?: string;
  /** BullMQ's Redis key prefix (default BullMQ's, `"bull"`). */
  prefix?: string;
  /** BullMQ job options of every op's job (`jobId` is the client's). Default: one attempt, finished jobs kept 5 min. */
  jobOptions?: Omit<JobsOptions, "jobId">;
  /** Ms between sweeps that read back jobs whose outcome event was missed (say, across a Redis restart). Default 5000. */
  reconcileMs?: number;
  /** Gets Redis outages and other client errors; default `console.warn`. Tasks never see these. */
  onError?: (error: Error) => void;
}

/**
 * Counters of a {@link RemoteOps} client.
 *
 * @example
 * ```ts
 * const { sent, completed, failed, cancelled, pending } = remote.stats;
 * ```
 */
export interface RemoteOpsStats {
  sent: number;
  completed: number;
  failed: number;
  cancelled: number;
  pending: number;
}

interface Pending {
  request: IoRequest;
  lane: OpLane;
  /** Settles when the job's add reached Redis (or the op settled first). */
  added: Promise<void>;
  since: number;
}

interface Outbox {
  jobs: { jobId: string; data: unknown }[];
  entries: Pending[];
  /** Settles when this outbox's `addBulk` reached Redis (or every op in it settled first). */
  added: Promise<void>;
  release: () => void;
}

const DEFAULT_JOB_OPTIONS: JobsOptions = { attempts: 1, removeOnComplete: { age: 300 }, removeOnFail: { age: 300 } };

/**
 * The client side of remote ops: ring handlers that send the ops of `types` to BullMQ queues and
 * complete each op with its job's result or error. Made by {@link remoteOps}.
 *
 * @example
 * ```ts
 * const remote = remoteOps(sched, { connection, types: ["llm"] });
 * await remote.ready();          // optional: ops sent earlier just wait for Redis
 * await sched.run();
 * console.log(remote.stats);     // { sent, completed, failed, cancelled, pending }
 * await remote.close();
 * ```
 */
export class RemoteOps {
  readonly #lanes = new Map<string, OpLane>();
  readonly #pending = new Map<string, Pending>();
  /** Jobs waiting for the next flush, by lane. */
  readonly #outbox = new Map<OpLane, Outbox>();
  /** Lanes with an `addBulk` under way. */
  readonly #adding = new Set<OpLane>();
  readonly #reporter: ErrorReporter;
  readonly #jobOptions: JobsOptions;
  readonly #sweep: ReturnType<typeof setInterval>;
  readonly #reconcileMs: number;
  #stats = { sent: 0, completed: 0, failed: 0, cancelled: 0 };
  #closed = false;

  constructor(ring: IoRing, options: RemoteOpsOptions) {
    const connection = withBackoff(options.connection);
    const prefix = options.queuePrefix ?? DEFAULT_QUEUE_PREFIX;
    this.#reporter = new ErrorReporter("yieldos/bullmq client", connection, options.onError);
    this.#jobOptions = { ...DEFAULT_JOB_OPTIONS, ...options.jobOptions };
    this.#reconcileMs = options.reconcileMs ?? 5_000;
    const listener = { completed: this.#completed, failed: this.#failed };
    const types = [...new Set(options.types)];
    const names = types.map((type) => queueName(prefix, type));
    // Handlers first: a type the ring refuses (built-in, taken) throws before any connection opens.
    for (const type of types) ring.register(type, (requests) => this.#send(this.#lanes.get(type)!, requests));
    types.forEach((type, i) => this.#lanes.set(type, new OpLane(type, names[i]!, connection, options.prefix, listener, this.#reporter)));
    this.#sweep = setInterval(() => void this.#reconcile(), Math.max(50, this.#reconcileMs / 2));
    this.#sweep.unref?.();
  }

  /** A fresh snapshot of the counters. */
  get stats(): RemoteOpsStats {
    return { ...this.#stats, pending: this.#pending.size };
  }

  /** Resolves once every op type's queue and outcome stream are connected (ops sent before then wait, nothing is lost). */
  async ready(): Promise<void> {
    await Promise.all([...this.#lanes.values()].map((lane) => Promise.all([lane.queue.waitUntilReady(), lane.ready])));
  }

  /**
   * Closes the client's Redis connections. Ops still pending fail with an error saying so; their
   * jobs stay in Redis and op workers still run them.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweep);
    for (const [jobId, p] of this.#pending) {
      this.#pending.delete(jobId);
      p.request.fail(new Error(`op "${p.lane.type}" (BullMQ job ${jobId}) lost its client: RemoteOps.close() was called`));
    }
    await Promise.all([...this.#lanes.values()].map((lane) => lane.close()));
  }

  #send(lane: OpLane, requests: IoRequest[]): void {
    for (const request of requests) {
      const problem = jsonProblem(request.op, "op");
      if (problem !== null) {
        request.fail(new RemotePayloadError(lane.type, `seq ${request.seq}`, problem));
        continue;
      }
      if (this.#closed) {
        request.fail(new Error(`op "${lane.type}" (seq ${request.seq}) cannot be sent: its RemoteOps client is closed`));
        continue;
      }
      const outbox = this.#outboxOf(lane);
      const jobId = `${lane.type}-${nanoid(12)}`;
      const key = typeof request.op["idempotencyKey"] === "string" ? request.op["idempotencyKey"] : jobId;
      const entry: Pending = { request, lane, added: outbox.added, since: Date.now() };
      this.#pending.set(jobId, entry);
      outbox.entries.push(entry);
      outbox.jobs.push({ jobId, data: { op: request.op, key } });
      request.signal.addEventListener("abort", () => this.#cancel(jobId, entry, request.signal.reason), { once: true });
      this.#stats.sent++;
    }
  }

  /**
   * The lane's jobs waiting to be sent. A scheduler dispatches ops as its tasks reach them, often
   * one per `enter()`, and an `addBulk` round trip per op would cost most of the throughput. So
   * jobs are group-committed: one `addBulk` per lane at a time; what arrives meanwhile waits and
   * goes in the next one, which starts when it returns (or on the next event-loop turn when none
   * is under way).
   */
  #outboxOf(lane: OpLane): Outbox {
    let outbox = this.#outbox.get(lane);
    if (outbox === undefined) {
      let release!: () => void;
      const added = new Promise<void>((resolve) => (release = resolve));
      outbox = { jobs: [], entries: [], added, release };
      this.#outbox.set(lane, outbox);
      if (!this.#adding.has(lane)) setImmediate(() => this.#flush(lane));
    }
    return outbox;
  }

  #flush(lane: OpLane): void {
    const outbox = this.#outbox.get(lane);
    if (outbox === undefined || this.#adding.has(lane)) return;
    this.#outbox.delete(lane);
    this.#adding.add(lane);
    void this.#add(lane, outbox.jobs, outbox.entries).finally(() => {
      outbox.release();
      this.#adding.delete(lane);
      this.#flush(lane);
    });
  }

  /** Adds the jobs, retrying with backoff while Redis fails; a retry re-adds the same job ids, which BullMQ ignores. */
  async #add(lane: OpLane, jobs: { jobId: string; data: unknown }[], entries: Pending[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const live = jobs.filter((_, i) => !entries[i]!.request.settled);
      if (live.length === 0 || this.#closed) return;
      try {
        await lane.add(live, this.#jobOptions);
        return;
      } catch (error) {
        this.#reporter.report(error);
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 2_000)));
      }
    }
  }

  #cancel(jobId: string, entry: Pending, reason: unknown): void {
    if (this.#pending.get(jobId) !== entry) return;
    this.#pending.delete(jobId);
    this.#stats.cancelled++;
    const text = reason instanceof Error ? reason.message : String(reason ?? "cancelled");
    void (async () => {
      await entry.added;
      for (let attempt = 0; attempt < 20 && !this.#closed; attempt++) {
        try {
          await entry.lane.cancel(jobId, text);
          return;
        } catch (error) {
          this.#reporter.report(error);
          await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 2_000)));
        }
      }
    })();
  }

  readonly #completed = (jobId: string, value: unknown): void => {
    const entry = this.#pending.get(jobId);
    if (entry === undefined) return;
    this.#pending.delete(jobId);
    this.#stats.completed++;
    entry.request.complete(value);
  };

  readonly #failed = (jobId: string, failedReason: string): void => {
    const entry = this.#pending.get(jobId);
    if (entry === undefined) return;
    // The handler's error (name, message, code) is in the job's data; the event has only the message.
    void entry.lane.fetch(jobId).then(
      (outcome) => this.#settle(jobId, entry, outcome.state === "failed" ? outcome : { state: "failed", failedReason, data: null }),
      () => this.#settle(jobId, entry, { state: "failed", failedReason, data: null }),
    );
  };

  #settle(jobId: string, entry: Pending, outcome: JobOutcome): void {
    if (this.#pending.get(jobId) !== entry || outcome.state === "pending") return;
    this.#pending.delete(jobId);
    if (outcome.state === "completed") {
      this.#stats.completed++;
      entry.request.complete(outcome.value);
      return;
    }
    this.#stats.failed++;
    if (outcome.state === "missing") {
      entry.request.fail(new RemoteOpError(entry.lane.type, jobId, null, "its job is gone from Redis (removed, or Redis lost its data)"));
      return;
    }
    const wire = (outcome.data as { error?: WireError } | null)?.error ?? null;
    entry.request.fail(new RemoteOpError(entry.lane.type, jobId, wire, outcome.failedReason));
  }

  /** Reads back jobs pending longer than `reconcileMs`: their outcome event may have been missed. */
  async #reconcile(): Promise<void> {
    const now = Date.now();
    for (const [jobId, entry] of [...this.#pending]) {
      if (now - entry.since < this.#reconcileMs || this.#closed) continue;
      entry.since = now;
      try {
        await entry.added;
        this.#settle(jobId, entry, await entry.lane.fetch(jobId));
      } catch (error) {
        this.#reporter.report(error);
        return;
      }
    }
  }
}

/**
 * Sends the ops of `options.types` from `target`'s ring to BullMQ queues, to be run by
 * {@link OpWorker}s on any machine. Each op becomes one job whose data is the op (JSON data only)
 * and an idempotency key (`op.idempotencyKey`, else the job id), which the worker's handler gets
 * as `ctx.key`. The op completes with the job's result, or fails with a {@link RemoteOpError}
 * keeping the handler's error name, message and code. Cancelling the op (killing its task, its
 * `timeout`, its `signal`) removes a waiting job and aborts a running one, in whichever process
 * runs it. The ring's in-flight bound (`cqEntries`) bounds the jobs out at once.
 *
 * @example
 * ```ts
 * const sched = new Scheduler({ ring: { cqEntries: 256 } });
 * const remote = remoteOps(sched, { connection: { host: "127.0.0.1", port: 6379 }, types: ["embed"] });
 * sched.spawn(function* () {
 *   return yield* submitIO({ type: "embed", text: "hello" }, { timeout: 10_000 });
 * });
 * await sched.run();
 * await remote.close();
 * ```
 */
export function remoteOps(target: IoRing | { readonly ring: IoRing }, options: RemoteOpsOptions): RemoteOps {
  const ring = "ring" in target ? target.ring : target;
  return new RemoteOps(ring, options);
}

