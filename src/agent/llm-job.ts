import type { IoRequest } from "../io/types.js";
import type { LlmCallContext, LlmOp } from "./llm-types.js";

/** What a job tells its queue. @internal */
export interface JobHost {
  now(): number;
  /** The job's call ended, or all its members settled some other way: free its slot. */
  finished(job: LlmJob): void;
  /** The job began or stopped sleeping on the clock. */
  clockChanged(): void;
  /** Whether a member still wants an answer: not settled, not being cancelled, not past its deadline. */
  wanted(request: IoRequest<LlmOp>): boolean;
}

/**
 * One provider call in the making: a single request, or several for a `batch` call. It is what
 * takes a concurrency slot in the {@link LlmQueue}.
 * @internal
 */
export class LlmJob {
  /** When the provider's `ctx.sleep` ends, while it sleeps; else `null`. */
  sleepUntil: number | null = null;
  /** Pieces of a streamed answer handed to the task so far. */
  emitted = 0;
  #controller: AbortController | null = null;
  #finished = false;
  #unwatch: (() => void) | null = null;

  constructor(
    readonly members: IoRequest<LlmOp>[],
    readonly attempt: number,
    readonly host: JobHost,
  ) {}

  /** The highest priority among the members: the job's place in the queue. */
  get priority(): number {
    let p = -Infinity;
    for (const m of this.members) p = Math.max(p, m.op.request.priority);
    return p;
  }

  /** The members that still wait for an answer. */
  live(): IoRequest<LlmOp>[] {
    return this.members.filter((m) => this.host.wanted(m));
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** Frees the job's slot, once. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.sleepUntil = null;
    this.#unwatch?.();
    this.#unwatch = null;
    this.host.finished(this);
  }

  /** Once started: when every member has settled some other way (timeout, kill), stop awaiting the provider. */
  watch(): void {
    const removers = this.members.map((m) => {
      const onAbort = (): void => {
        if (this.members.every((x) => x.settled)) {
          this.#controller?.abort(m.signal.reason);
          // A kill cancels a task's ops one after another: free the slot once the others are
          // cancelled too, so a queued sibling is not started only to be cancelled.
          queueMicrotask(() => this.finish());
        }
      };
      m.signal.addEventListener("abort", onAbort, { once: true });
      return () => m.signal.removeEventListener("abort", onAbort);
    });
    this.#unwatch = () => removers.forEach((remove) => remove());
  }

  /** The context handed to the provider. */
  context(): LlmCallContext {
    const job = this;
    const first = this.members[0];
    return {
      get signal(): AbortSignal {
        if (job.members.length === 1) return first.signal;
        job.#controller ??= new AbortController();
        if (job.members.every((m) => m.settled)) job.#controller.abort(first.signal.reason);
        return job.#controller.signal;
      },
      now: () => this.host.now(),
      sleep: (ms: number) => job.#sleep(ms),
      emit: (delta) => {
        const onDelta = first.op.onDelta;
        if (onDelta === undefined || job.#finished || first.settled) return;
        job.emitted++;
        onDelta(delta);
      },
    };
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const live = this.live();
      if (live.length === 0 || this.#finished) return reject(new Error("the LLM query ended while its provider slept"));
      if (this.sleepUntil !== null) return reject(new Error("ctx.sleep() called while the provider already sleeps: one sleep at a time"));
      let done = false;
      const listeners: [AbortSignal, () => void][] = [];
      // Each sleep's listeners go when it ends: a provider that sleeps often must not pile them up.
      const end = (): boolean => {
        if (done) return false;
        done = true;
        for (const [signal, onAbort] of listeners) signal.removeEventListener("abort", onAbort);
        this.sleepUntil = null;
        this.host.clockChanged();
        return true;
      };
      // Every live member waits on the clock, so a virtual clock may jump; the first to fire wakes the provider.
      for (const m of live) {
        m.after(ms, () => {
          if (end()) resolve();
        });
        const onAbort = (): void => {
          if (this.members.every((x) => x.settled) && end()) reject(m.signal.reason);
        };
        m.signal.addEventListener("abort", onAbort, { once: true });
        listeners.push([m.signal, onAbort]);
      }
      this.sleepUntil = this.host.now() + ms;
      this.host.clockChanged();
    });
  }
}
