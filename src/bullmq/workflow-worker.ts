import { hostname } from "node:os";
import type { ConnectionOptions, Job as JobT } from "bullmq";
import { EventEmitter } from "eventemitter3";
import { nanoid } from "nanoid";
import { DurableEngine, isLeasedStore, type LeasedStore, type WorkflowFn } from "../durable/index.js";
import { Scheduler } from "../index.js";
import { describeValue } from "../checks.js";
import { ErrorReporter, whileUnreachable, withBackoff } from "./connection.js";
import { DelayedError, QueueEvents, UnrecoverableError, Worker } from "./peer.js";
import { DEFAULT_WORKFLOW_QUEUE, WAKE_EVENT, wakeChannel } from "./workflow-queue.js";
import { defaultStore } from "./workflow-store.js";
import { runTurn, type TurnHost, type WorkflowTurn } from "./workflow-turn.js";

/**
 * Options of a {@link WorkflowWorker}.
 *
 * @example
 * ```ts
 * new WorkflowWorker({ connection, workflows: { order }, concurrency: 200, leaseMs: 5_000 });
 * ```
 */
export interface WorkflowWorkerOptions {
  /** Where Redis is: ioredis options (`{ host, port }`). */
  connection: ConnectionOptions;
  /** Workflow names and their generator functions; the same on every worker. */
  workflows: Record<string, WorkflowFn>;
  /** The journal store the workers share (a `LeasedStore`). Default: a `RedisStore` on `connection`, key prefix `yieldos:wf:<queue>`. */
  store?: LeasedStore;
  /** The scheduler the workflows run on (attach `remoteOps` to it). Default: a new one, `worker.scheduler`. */
  scheduler?: Scheduler;
  /** The BullMQ queue of workflow jobs; clients must use the same. Default `"yieldos-workflows"`. */
  queue?: string;
  /** BullMQ's Redis key prefix; must match the clients'. */
  prefix?: string;
  /** Workflows hosted at once (BullMQ concurrency). Parked workflows do not count. Default 100. */
  concurrency?: number;
  /** A workflow's lease: taken before it runs, renewed every third of this. Default: `lockDuration`. */
  leaseMs?: number;
  /**
   * How soon a dead worker's workflows resume elsewhere: BullMQ's `lockDuration` (default 10 000 ms)
   * and `stalledInterval` (default 5 000 ms). Give every worker of a queue the same values.
   */
  lockDuration?: number;
  stalledInterval?: number;
  /** Stalls (worker deaths) a workflow's job survives before BullMQ fails it. Default 1 000. */
  maxStalledCount?: number;
  /** A workflow idle until a deadline further off than this (or waiting for a signal only) is parked. Default 1 000 ms. */
  parkAfterMs?: number;
  /** A workflow parked for a signal only is looked at again after this long. Default one hour. */
  maxParkMs?: number;
  /** This worker's name in leases and events. Default `host-pid-random`. */
  name?: string;
  /** Gets Redis outages and worker errors; default `console.warn`. */
  onError?: (error: Error) => void;
}

/**
 * Events of a {@link WorkflowWorker}: a workflow's lease taken (with its fencing token), the
 * workflow finished (with its state), parked (until a time, or `null`: a signal), its lease lost,
 * handed off at close.
 *
 * @example
 * ```ts
 * worker.on("parked", (id, wakeAt) => log(`${id} parked until ${wakeAt === null ? "a signal" : new Date(wakeAt).toISOString()}`));
 * ```
 */
export interface WorkflowWorkerEvents {
  acquired: (id: string, token: number) => void;
  finished: (id: string, state: string) => void;
  parked: (id: string, wakeAt: number | null) => void;
  lost: (id: string, why: string) => void;
  handoff: (id: string) => void;
}

/**
 * Runs distributed workflows: takes workflow jobs from a BullMQ queue (job id = workflow id) and
 * hosts many workflows at once in one {@link DurableEngine} on one `Scheduler`, with the journal in
 * a shared {@link LeasedStore} (Redis). For each job it takes the workflow's lease (a fencing token:
 * a worker that lost it can no longer append to the journal), recovers the workflow by replay and
 * runs it until it finishes; the lease is renewed meanwhile. A workflow that sleeps long or waits
 * for a signal is parked as a delayed job and hosted by no one until its deadline or its signal. A
 * worker that dies is noticed by BullMQ's stalled-job check, and its workflows resume on other
 * workers by replay.
 *
 * @example
 * ```ts
 * const worker = new WorkflowWorker({ connection: { host: "127.0.0.1", port: 6379 }, workflows: { order } });
 * remoteOps(worker.scheduler, { connection, types: ["charge"] });   // ops run by OpWorkers
 * worker.on("finished", (id, state) => console.log(id, state));
 * await worker.ready();
 * // ... on SIGTERM:
 * await worker.close();   // hands its workflows back to the queue
 * ```
 */
export class WorkflowWorker extends EventEmitter<WorkflowWorkerEvents> {
  readonly name: string;
  readonly scheduler: Scheduler;
  readonly #engine: DurableEngine;
  readonly #store: LeasedStore;
  readonly #worker: InstanceType<typeof Worker>;
  readonly #wakes: InstanceType<typeof QueueEvents>;
  readonly #reporter: ErrorReporter;
  readonly #turns = new Map<string, WorkflowTurn>();
  readonly #leaseMs: number;
  readonly #parkAfterMs: number;
  readonly #renewer: ReturnType<typeof setInterval>;
  readonly #host: TurnHost;
  #closing = false;
  #stats = { acquired: 0, finished: 0, parked: 0, lost: 0 };

  constructor(options: WorkflowWorkerOptions) {
    super();
    if (options === null || typeof options !== "object") throw new TypeError(`WorkflowWorker options must be an object, got ${describeValue(options)}`);
    const connection = withBackoff(options.connection);
    this.#reporter = new ErrorReporter(`yieldos/bullmq workflow worker ${options.name ?? ""}`.trimEnd(), connection, options.onError);
    const store = options.store ?? defaultStore(connection, options.queue ?? DEFAULT_WORKFLOW_QUEUE, this.#reporter.report);
    if (!isLeasedStore(store)) throw new TypeError(`WorkflowWorker: options.store must be a LeasedStore (RedisStore), got ${describeValue(store)}`);
    this.#store = store;
    this.name = options.name ?? `${hostname()}-${process.pid}-${nanoid(6)}`;
    const lockDuration = options.lockDuration ?? 10_000;
    this.#leaseMs = options.leaseMs ?? lockDuration;
    this.#parkAfterMs = options.parkAfterMs ?? 1_000;
    this.scheduler = options.scheduler ?? new Scheduler({ ring: { entries: 1024 } });
    this.#engine = new DurableEngine({
      store,
      workflows: options.workflows,
      scheduler: this.scheduler,
      onIdle: (id, wakeAt) => this.#idle(id, wakeAt),
      onLeaseLost: (ids) => {
        for (const id of ids) this.#turns.get(id)?.end({ kind: "lost", why: "the store refused its journal write (fenced off)" });
      },
    });
    const worker = this;
    this.#host = {
      store,
      owner: this.name,
      leaseMs: this.#leaseMs,
      maxParkMs: options.maxParkMs ?? 3_600_000,
      get closing() {
        return worker.#closing;
      },
      turns: this.#turns,
      recover: async (id) => (await this.#engine.recover([id])).includes(id),
      settled: (id) => this.#engine.result(id).then(
        () => undefined,
        (error: unknown) => error ?? new Error("rejected"),
      ),
      abandon: async (id, reason) => void (await this.#engine.abandon(id, reason)),
      refreshInbox: async (id) => void (await this.#engine.refreshInbox(id)),
      retry: (fn) => whileUnreachable(this.#reporter, fn, () => this.#closing),
      emit: (event, id, detail) => this.#emit(event, id, detail),
    };
    const base = options.prefix === undefined ? { connection } : { connection, prefix: options.prefix };
    const queue = options.queue ?? DEFAULT_WORKFLOW_QUEUE;
    this.#worker = new Worker(queue, (job: JobT, token?: string) => this.#process(job, token), {
      ...base,
      concurrency: options.concurrency ?? 100,
      lockDuration,
      stalledInterval: options.stalledInterval ?? 5_000,
      maxStalledCount: options.maxStalledCount ?? 1_000,
    });
    this.#worker.on("error", this.#reporter.report);
    this.#wakes = new QueueEvents(wakeChannel(queue), base);
    this.#wakes.on("error", this.#reporter.report);
    this.#wakes.on(WAKE_EVENT as "completed", ({ jobId }: { jobId: string }) => this.#wake(jobId));
    this.#renewer = setInterval(() => void this.#renewAll(), Math.max(50, this.#leaseMs / 3));
  }

  /**
   * Counters: leases taken, workflows finished here, parked, and leases lost; `hosted` is how
   * many this worker runs now.
   *
   * @example
   * ```ts
   * const { hosted, acquired, finished, parked, lost } = worker.stats;
   * ```
   */
  get stats(): { hosted: number; acquired: number; finished: number; parked: number; lost: number } {
    return { hosted: this.#turns.size, ...this.#stats };
  }

  /** Resolves once the worker takes jobs and hears wake-ups. */
  async ready(): Promise<void> {
    await Promise.all([this.#worker.waitUntilReady(), this.#wakes.waitUntilReady()]);
  }

  /**
   * Stops taking workflows, hands the hosted ones back to the queue (each lets go at its next
   * step: lease released, job queued again for another worker), and closes the engine, the store
   * and the connections.
   */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearInterval(this.#renewer);
    for (const turn of this.#turns.values()) turn.end({ kind: "handoff" });
    await this.#worker.close();
    await this.#wakes.close();
    await this.#engine.close();
  }

  /** One job: a turn of its workflow. A failure other than the turn's own outcome puts the job back for a later try, never fails it. */
  async #process(job: JobT, token: string | undefined): Promise<{ state: string }> {
    try {
      return await runTurn(this.#host, job, token);
    } catch (error) {
      if (error instanceof DelayedError || error instanceof UnrecoverableError) throw error;
      this.#reporter.report(error);
      await job.moveToDelayed(Date.now() + this.#leaseMs, token).catch(() => undefined);
      throw new DelayedError();
    }
  }

  #idle(id: string, wakeAt: number | null): void {
    const turn = this.#turns.get(id);
    if (turn === undefined) return; // (it may come before recover() resolves: the turn parks right after)
    if (wakeAt === null || wakeAt - Date.now() > this.#parkAfterMs) turn.end({ kind: "parked", wakeAt });
    else turn.idle = true;
  }

  #wake(id: string): void {
    const turn = this.#turns.get(id);
    if (turn === undefined || turn.over) return;
    if (!turn.recovered) {
      turn.woken = true;
      return;
    }
    void this.#host.refreshInbox(id).catch(this.#reporter.report);
  }

  /** Renews every hosted workflow's lease; one that cannot be renewed within its TTL is given up. */
  async #renewAll(): Promise<void> {
    await Promise.all(
      [...this.#turns.values()].map(async (turn) => {
        try {
          if (await this.#store.renew(turn.id, this.#leaseMs)) turn.renewedAt = Date.now();
          else turn.end({ kind: "lost", why: "its lease was taken by another worker" });
          // A hosted workflow that went idle without being parked reads its inbox now and then, in
          // case a wake-up event was missed (sent while this worker's connection was down).
          if (turn.idle && turn.recovered && !turn.over) await this.#engine.refreshInbox(turn.id);
        } catch (error) {
          this.#reporter.report(error);
          if (Date.now() - turn.renewedAt > this.#leaseMs) turn.end({ kind: "lost", why: `its lease could not be renewed within ${this.#leaseMs} ms` });
        }
      }),
    );
  }

  #emit(event: keyof WorkflowWorkerEvents, id: string, detail: unknown): void {
    if (event === "acquired") this.#stats.acquired++;
    else if (event === "finished") this.#stats.finished++;
    else if (event === "parked") this.#stats.parked++;
    else if (event === "lost") this.#stats.lost++;
    try {
      (this.emit as (e: string, ...args: unknown[]) => boolean)(event, id, detail);
    } catch (error) {
      this.#reporter.report(error);
    }
  }
}
