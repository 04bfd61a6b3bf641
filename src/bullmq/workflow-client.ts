import type { ConnectionOptions, JobsOptions } from "bullmq";
import { nanoid } from "nanoid";
import { WorkflowNotFoundError, type Store, type WorkflowRecord, type WorkflowRunInfo, type WorkflowState } from "../durable/index.js";
import { describeValue } from "../checks.js";
import { ErrorReporter, whileUnreachable, withBackoff } from "./connection.js";
import { Queue, QueueEvents, QueueEventsProducer } from "./peer.js";
import { CANCEL_INBOX, DEFAULT_WORKFLOW_QUEUE, WAKE_EVENT, checkWorkflowId, settledValue, toJsonText, wakeChannel, type WorkflowJobData } from "./workflow-queue.js";
import { defaultStore } from "./workflow-store.js";

/**
 * Options of a {@link WorkflowClient}.
 *
 * @example
 * ```ts
 * new WorkflowClient({ connection: { host: "127.0.0.1", port: 6379 } });
 * ```
 */
export interface WorkflowClientOptions {
  /** Where Redis is: ioredis options (`{ host, port }`). */
  connection: ConnectionOptions;
  /** The journal store the workers share. Default: a `RedisStore` on `connection`, key prefix `yieldos:wf:<queue>`. */
  store?: Store;
  /** The BullMQ queue of workflow jobs; workers must use the same. Default `"yieldos-workflows"`. */
  queue?: string;
  /** BullMQ's Redis key prefix; must match the workers'. */
  prefix?: string;
  /** How often `result()` reads the store when no completion event came (say, across a Redis restart). Default 1000 ms. */
  pollMs?: number;
  /** Gets Redis outages and other client errors; default `console.warn`. */
  onError?: (error: Error) => void;
}

/**
 * What {@link WorkflowClient.status} tells: the store's record, and where the workflow's job is
 * (`"active"` while a worker hosts it, `"delayed"` while it is parked until a deadline or a signal).
 *
 * @example
 * ```ts
 * const { state, job } = (await client.status("order-1"))!; // "running", "delayed": parked
 * ```
 */
export interface ClusterWorkflowStatus {
  id: string;
  runId: string;
  name: string;
  state: WorkflowState;
  job: string;
  created: number;
  updated: number;
}

const JOB_OPTIONS: JobsOptions = { attempts: 1, removeOnComplete: { age: 3_600 }, removeOnFail: { age: 24 * 3_600 } };

type QueueT = InstanceType<typeof Queue>;
type EventsT = InstanceType<typeof QueueEvents>;
type ProducerT = InstanceType<typeof QueueEventsProducer>;

/**
 * Starts distributed workflows and talks to them, from any process that reaches the Redis their
 * {@link WorkflowWorker}s use. The store is the source of truth: `start` writes the workflow's
 * record, then adds a BullMQ job whose id is the workflow id, which only wakes a worker up; so a
 * start is idempotent across processes. `signal` and `cancel` write to the workflow's inbox in the
 * store, then wake the worker that hosts it (or the parked job). Calls wait and retry with backoff
 * while Redis is unreachable (each outage reported through `onError`); nothing is lost.
 *
 * @example
 * ```ts
 * const client = new WorkflowClient({ connection: { host: "127.0.0.1", port: 6379 } });
 * await client.start("order", ["book"], { id: "order-1" });   // a second call is a no-op
 * await client.signal("order-1", "approved", true);
 * console.log(await client.result("order-1"));
 * await client.close();
 * ```
 */
export class WorkflowClient {
  readonly #store: Store;
  readonly #ownStore: boolean;
  readonly #queue: QueueT;
  readonly #producer: ProducerT;
  readonly #base: { connection: ConnectionOptions; prefix?: string };
  readonly #name: string;
  readonly #reporter: ErrorReporter;
  readonly #pollMs: number;
  #events: EventsT | null = null;
  readonly #waiters = new Map<string, Set<() => void>>();
  #closed = false;

  constructor(options: WorkflowClientOptions) {
    if (options === null || typeof options !== "object") throw new TypeError(`WorkflowClient options must be an object, got ${describeValue(options)}`);
    const connection = withBackoff(options.connection);
    this.#name = options.queue ?? DEFAULT_WORKFLOW_QUEUE;
    this.#base = options.prefix === undefined ? { connection } : { connection, prefix: options.prefix };
    this.#reporter = new ErrorReporter("yieldos/bullmq workflow client", connection, options.onError);
    this.#pollMs = options.pollMs ?? 1_000;
    this.#ownStore = options.store === undefined;
    this.#store = options.store ?? defaultStore(connection, options.queue ?? DEFAULT_WORKFLOW_QUEUE, this.#reporter.report);
    this.#queue = new Queue(this.#name, this.#base);
    this.#producer = new QueueEventsProducer(wakeChannel(this.#name), this.#base);
    this.#queue.on("error", this.#reporter.report);
    this.#producer.on("error", this.#reporter.report);
  }

  /** Resolves once the queue's connection is up (calls made before then just wait). */
  async ready(): Promise<void> {
    await this.#queue.waitUntilReady();
  }

  /**
   * Starts workflow `name` with `args` (JSON data; an array is spread into the generator's
   * parameters) under `options.id` (default a nanoid). Idempotent on the id, across processes: an
   * id that exists returns its run with `created: false`. Resolves once the record is in the store
   * and its job is queued.
   */
  async start(name: string, args: unknown = [], options: { id?: string } = {}): Promise<WorkflowRunInfo> {
    this.#checkOpen("start");
    if (typeof name !== "string" || name === "") throw new TypeError(`WorkflowClient.start: name must be a non-empty string, got ${describeValue(name)}`);
    const id = checkWorkflowId(options.id ?? `wf-${nanoid()}`, "WorkflowClient.start");
    const argsText = toJsonText(args, `the arguments of workflow "${name}" (id "${id}")`);
    const now = Date.now();
    const record: WorkflowRecord = { id, runId: nanoid(), name, args: argsText, state: "running", result: "", error: "", created: now, updated: now };
    const { record: stored, created } = await this.#retry(() => this.#store.create(record));
    // A job that exists (queued, active, parked, or kept after it finished) makes this a no-op.
    if (stored.state === "running") await this.#retry(() => this.#queue.add(stored.name, { name: stored.name } satisfies WorkflowJobData, { ...JOB_OPTIONS, jobId: id }));
    // Starting an unfinished workflow again also revives its job if BullMQ gave up on it (say, stalled too often).
    if (!created && stored.state === "running") await this.#retry(() => this.#revive(id));
    return { id, runId: stored.runId, name: stored.name, created };
  }

  /** Sends signal `name` with `payload` (JSON data) to workflow `id`; resolves once it is in the store. */
  async signal(id: string, name: string, payload?: unknown): Promise<void> {
    this.#checkOpen("signal");
    if (typeof name !== "string" || name === "" || name === CANCEL_INBOX) throw new TypeError(`WorkflowClient.signal: name must be a non-empty string, got ${describeValue(name)}`);
    await this.#toInbox(id, name, toJsonText(payload, `the payload of signal "${name}" to workflow "${id}"`), `signal "${name}"`);
  }

  /** Cancels workflow `id`: the worker hosting it kills its tasks (their ops abort, wherever they run); it ends `cancelled`. */
  async cancel(id: string, reason?: unknown): Promise<void> {
    this.#checkOpen("cancel");
    await this.#toInbox(id, CANCEL_INBOX, toJsonText(reason ?? "cancelled", `the cancel reason for workflow "${id}"`), "cancel");
  }

  /**
   * Resolves with the workflow's return value once it finishes (rejects with its error, or with a
   * `TimeoutError`-named error after `options.timeout` ms).
   */
  async result(id: string, options: { timeout?: number } = {}): Promise<unknown> {
    this.#checkOpen("result");
    const deadline = options.timeout === undefined ? Infinity : Date.now() + options.timeout;
    this.#listen();
    for (;;) {
      const rec = await this.#retry(() => this.#store.get(id));
      if (rec === undefined) throw new WorkflowNotFoundError(`WorkflowClient.result: no workflow "${id}" in the store`);
      if (rec.state !== "running") return settledValue(rec);
      const left = deadline - Date.now();
      if (left <= 0) {
        const error = new Error(`WorkflowClient.result: workflow "${id}" did not finish within ${options.timeout} ms`);
        error.name = "TimeoutError";
        throw error;
      }
      await this.#nextEvent(id, Math.min(left, this.#pollMs));
      this.#checkOpen("result");
    }
  }

  /** Where workflow `id` stands, or `undefined` if the store does not hold it. */
  async status(id: string): Promise<ClusterWorkflowStatus | undefined> {
    const rec = await this.#retry(() => this.#store.get(id));
    if (rec === undefined) return undefined;
    const job = await this.#retry(() => this.#queue.getJobState(id));
    return { id, runId: rec.runId, name: rec.name, state: rec.state, job, created: rec.created, updated: rec.updated };
  }

  /** Closes the client's connections (and the store, when it made it). Pending `result` calls reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const set of this.#waiters.values()) for (const wake of set) wake();
    await Promise.allSettled([this.#events?.close(), this.#producer.close(), this.#queue.close()]);
    if (this.#ownStore) await this.#store.close();
  }

  async #toInbox(id: string, name: string, payload: string, what: string): Promise<void> {
    checkWorkflowId(id, `WorkflowClient.${what.startsWith("signal") ? "signal" : "cancel"}`);
    const rec = await this.#retry(() => this.#store.get(id));
    if (rec === undefined) throw new WorkflowNotFoundError(`no workflow "${id}" in the store to ${what}`);
    if (rec.state !== "running") throw new Error(`workflow "${id}" has already ${rec.state}; it takes no more ${what === "cancel" ? "cancels" : "signals"}`);
    await this.#retry(() => this.#store.write({ entries: [], finished: [], inbox: [{ id, name, payload }], inboxTaken: [] }));
    await this.#retry(() => this.#wake(id, rec.name));
  }

  /**
   * Wakes whoever must read the inbox: the worker hosting the workflow (an event every worker
   * hears), a parked job (promoted to run now), or a job that is gone (added again). A worker that
   * parks the job at this very moment reads the inbox after parking, so a signal is never missed.
   */
  async #wake(id: string, name: string): Promise<void> {
    await this.#producer.publishEvent({ eventName: WAKE_EVENT, jobId: id });
    const state = await this.#queue.getJobState(id);
    if (state === "delayed") {
      const job = await this.#queue.getJob(id);
      await job?.promote().catch(() => undefined); // taken by a worker in between: it reads the inbox
    } else if (state === "unknown") {
      await this.#queue.add(name, { name } satisfies WorkflowJobData, { ...JOB_OPTIONS, jobId: id });
    } else await this.#revive(id, state);
  }

  /** Puts a failed job of an unfinished workflow back in the queue. */
  async #revive(id: string, state?: string): Promise<void> {
    if ((state ?? (await this.#queue.getJobState(id))) !== "failed") return;
    const job = await this.#queue.getJob(id);
    await job?.retry("failed").catch(() => undefined);
  }

  /** Completion events of the workflow queue wake `result` callers early; the poll covers missed ones. */
  #listen(): void {
    if (this.#events !== null) return;
    this.#events = new QueueEvents(this.#name, this.#base);
    this.#events.on("error", this.#reporter.report);
    this.#events.on("completed", ({ jobId }) => {
      const set = this.#waiters.get(jobId);
      if (set !== undefined) for (const wake of set) wake();
    });
  }

  #nextEvent(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.#waiters.get(id);
      if (set === undefined) this.#waiters.set(id, (set = new Set()));
      const wake = (): void => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0) this.#waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      set.add(wake);
    });
  }

  #retry<T>(fn: () => Promise<T> | T): Promise<T> {
    return whileUnreachable(this.#reporter, fn, () => this.#closed);
  }

  #checkOpen(method: string): void {
    if (this.#closed) throw new Error(`WorkflowClient.${method}: the client is closed`);
  }
}
