/**
 * A FIFO concurrency limit: at most `limit` holders at once, the rest wait in arrival order. A
 * waiter whose signal aborts leaves the queue without ever taking a slot.
 */
export class Limiter {
  readonly #limit: number;
  #running = 0;
  readonly #waiting: { start: () => void; signal: AbortSignal | undefined; onAbort: () => void }[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Holders now. */
  get running(): number {
    return this.#running;
  }

  /** Waiters now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `start` once a slot is free (at once if one is); `start` must call the returned release
   * exactly once. Nothing runs if `signal` aborts first.
   */
  run(start: (release: () => void) => void, signal?: AbortSignal): void {
    const go = () => {
      this.#running++;
      let released = false;
      start(() => {
        if (released) return;
        released = true;
        this.#running--;
        this.#next();
      });
    };
    if (this.#running < this.#limit) return go();
    if (signal?.aborted) return;
    const waiter = {
      start: go,
      signal,
      onAbort: () => {
        const i = this.#waiting.indexOf(waiter);
        if (i >= 0) this.#waiting.splice(i, 1);
      },
    };
    signal?.addEventListener("abort", waiter.onAbort, { once: true });
    this.#waiting.push(waiter);
  }

  #next(): void {
    while (this.#running < this.#limit && this.#waiting.length > 0) {
      const waiter = this.#waiting.shift()!;
      waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.start();
    }
  }
}
