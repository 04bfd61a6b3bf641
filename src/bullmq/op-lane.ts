import type { ConnectionOptions, JobsOptions } from "bullmq";
import { Queue, QueueEvents, QueueEventsProducer } from "./peer.js";
import { CANCEL_EVENT, cancelChannel, type ErrorReporter } from "./connection.js";

type QueueT = InstanceType<typeof Queue>;
type EventsT = InstanceType<typeof QueueEvents>;
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
  readonly #events: EventsT;
  readonly #producer: ProducerT;

  constructor(type: string, name: string, connection: ConnectionOptions, prefix: string | undefined, listener: LaneListener, reporter: ErrorReporter) {
    this.type = type;
    const base = prefix === undefined ? { connection } : { connection, prefix };
    this.queue = new Queue(name, base);
    // Read from a little before now rather than from "$" (BullMQ's default), which would miss the
    // outcome of a job finished before the first XREAD; older events name unknown jobs and are
    // ignored. Clock skew beyond that is caught by the client's reconcile sweep.
    this.#events = new QueueEvents(name, { ...base, lastEventId: `${Date.now() - 10_000}-0` });
    this.#producer = new QueueEventsProducer(cancelChannel(name), base);
    this.#events.on("completed", ({ jobId, returnvalue }) => listener.completed(jobId, returnvalue));
    this.#events.on("failed", ({ jobId, failedReason }) => listener.failed(jobId, failedReason));
    this.queue.on("error", reporter.report);
    this.#events.on("error", reporter.report);
    this.#producer.on("error", reporter.report);
  }

  add(jobs: { jobId: string; data: unknown }[], options: JobsOptions): Promise<unknown> {
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
    await Promise.allSettled([this.#events.close(), this.#producer.close(), this.queue.close()]);
  }
}
