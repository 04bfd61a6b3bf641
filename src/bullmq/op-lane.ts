import type { ConnectionOptions, JobsOptions } from "bullmq";
import { Queue, QueueEvents, QueueEventsProducer } from "./peer.js";
import { CANCEL_EVENT, cancelChannel, type ErrorReporter } from "./connection.js";

type QueueT = InstanceType<typeof Queue>;
/** What the lane needs of its QueueEvents once it runs. */
interface EventsT {
  close(): Promise<void>;
}
type ProducerT = InstanceType<typeof QueueEventsProducer>;

/** How a lane tells its owner about a job that finished. */
export interface LaneListener {
  completed(jobId: string, value: unknown): void;
  failed(jobId: string, failedReason: string): void;
}

/** One job's stored state, as read back by {@link OpLane.fetch}. */
export type JobOutcome =
  | { state: "completed"; value: unknown }
  | { state: "failed"; failedReason: string; data: unknown }
  | { state: "pending" }
  | { state: "missing" };

/**
 * The client side of one op type: the BullMQ queue its ops go to, the QueueEvents stream their
 * outcomes come back on, and the producer of cancel requests for op workers.
 */
export class OpLane {
  readonly type: string;
  readonly queue: QueueT;
  #events: EventsT | null = null;
  readonly #producer: ProducerT;
  /** Settles once the outcome stream is read from the current Redis time on. */
  readonly ready: Promise<void>;
  #closed = false;

  constructor(type: string, name: string, connection: ConnectionOptions, prefix: string | undefined, listener: LaneListener, reporter: ErrorReporter) {
    this.type = type;
    const base = prefix === undefined ? { connection } : { connection, prefix };
    this.queue = new Queue(name, base);
    this.#producer = new QueueEventsProducer(cancelChannel(name), base);
    this.queue.on("error", reporter.report);
    this.#producer.on("error", reporter.report);
    this.ready = this.#listen(name, base, listener, reporter);
  }

  /**
   * Starts reading outcomes from Redis's clock now, not from "$" (BullMQ's default), which would
   * miss a job finished before the first XREAD, and not from the client's clock, which may be
   * off. Jobs are added only after this, so no outcome event comes before the read position.
   */
  async #listen(name: string, base: { connection: ConnectionOptions; prefix?: string }, listener: LaneListener, reporter: ErrorReporter): Promise<void> {
    for (let attempt = 0; !this.#closed; attempt++) {
      try {
        const client = await (this.queue.backend as unknown as { client: Promise<{ runCommand(name: string, args: unknown[]): Promise<unknown> }> }).client;
        const [seconds, micros] = (await client.runCommand("time", [])) as [string, string];
        const events = new QueueEvents(name, { ...base, lastEventId: `${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - 1}-0` });
        events.on("completed", ({ jobId, returnvalue }) => listener.completed(jobId, returnvalue));
        events.on("failed", ({ jobId, failedReason }) => listener.failed(jobId, failedReason));
        events.on("error", reporter.report);
        this.#events = events;
        await events.waitUntilReady();
        return;
      } catch (error) {
        reporter.report(error);
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 2_000)));
      }
    }
  }

  async add(jobs: { jobId: string; data: unknown }[], options: JobsOptions): Promise<unknown> {
    await this.ready;
    return this.queue.addBulk(jobs.map((j) => ({ name: this.type, data: j.data, opts: { ...options, jobId: j.jobId } })));
  }

  /**
   * Cancels a job: removes it if it is still waiting, else asks every op worker to abort it (the
   * one running it fires its processor's `AbortSignal`).
   */
  async cancel(jobId: string, reason: string): Promise<void> {
    const removed = await this.queue.remove(jobId);
    if (removed === 1) return;
    await this.#producer.publishEvent({ eventName: CANCEL_EVENT, jobId, reason });
  }

  async fetch(jobId: string): Promise<JobOutcome> {
    const job = await this.queue.getJob(jobId);
    if (job === undefined || job === null) return { state: "missing" };
    if (job.finishedOn === undefined || job.finishedOn === null) return { state: "pending" };
    if (job.failedReason !== undefined && job.failedReason !== null && job.failedReason !== "") {
      return { state: "failed", failedReason: job.failedReason, data: job.data };
    }
    return { state: "completed", value: job.returnvalue };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([this.#events?.close(), this.#producer.close(), this.queue.close()]);
  }
}
