import type { IoRequest } from "../io/types.js";
import type { LlmJob } from "./llm-job.js";

/**
 * The provider calls of one LLM service: at most `concurrency` run at once; the rest wait in
 * (priority desc, arrival) order.
 *
 * Waiting requests are in-flight ring ops, which would hold a `VirtualClock` still even when
 * every running call only sleeps on the clock (offline latency): nothing could ever finish. So
 * while every running call sleeps, each waiting request is parked on the clock (`after`) until
 * the earliest of those sleeps ends, and time may jump. A parked job starts only once its park
 * ends (a request has one `after` at a time), which can delay it when a slot frees early
 * through a timeout or a kill.
 * @internal
 */
export class LlmQueue {
  readonly #waiting: LlmJob[] = [];
  readonly #running = new Set<LlmJob>();
  readonly #parked = new Set<IoRequest>();
  #busy = false;
  #again = false;

  constructor(
    readonly concurrency: number,
    readonly now: () => number,
    readonly start: (job: LlmJob) => void,
  ) {}

  get running(): number {
    return this.#running.size;
  }

  /** Waiting jobs that still have a member wanting an answer (a killed or timed-out one no longer counts). */
  get waiting(): number {
    let n = 0;
    for (const job of this.#waiting) if (job.live().length > 0) n++;
    return n;
  }

  push(job: LlmJob): void {
    const p = job.priority;
    let i = this.#waiting.length;
    // Short queues: a linear scan from the back keeps arrival order within a priority.
    while (i > 0 && this.#waiting[i - 1].priority < p) i--;
    this.#waiting.splice(i, 0, job);
    this.update();
  }

  /** A running job's call ended. */
  done(job: LlmJob): void {
    if (this.#running.delete(job)) this.update();
  }

  /** Starts what may start, then parks the rest if every running call sleeps. Re-entrant calls are folded into one. */
  update(): void {
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#busy = true;
    try {
      do {
        this.#again = false;
        this.#startReady();
        this.#park();
      } while (this.#again);
    } finally {
      this.#busy = false;
    }
  }

  #startReady(): void {
    const waiting = this.#waiting;
    while (this.#running.size < this.concurrency && waiting.length > 0) {
      const job = waiting[0];
      const live = job.live();
      if (live.some((r) => this.#parked.has(r))) return;
      waiting.shift();
      for (const r of job.members) this.#parked.delete(r);
      if (live.length === 0) continue;
      this.#running.add(job);
      this.start(job);
    }
  }

  #park(): void {
    if (this.#waiting.length === 0 || this.#running.size === 0) return;
    let until = Infinity;
    for (const job of this.#running) {
      if (job.sleepUntil === null) return;
      until = Math.min(until, job.sleepUntil);
    }
    const ms = Math.max(0, until - this.now());
    for (const job of this.#waiting) {
      for (const r of job.live()) {
        if (this.#parked.has(r)) continue;
        this.#parked.add(r);
        r.after(ms, () => {
          this.#parked.delete(r);
          this.update();
        });
      }
    }
  }
}
