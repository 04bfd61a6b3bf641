import type { IoEntry } from "./entry.js";
import { RingBuffer } from "./ring-buffer.js";
import type { Completion } from "./types.js";

/**
 * The completion queue: ended ops in completion order, plus the `wait()` promise and the
 * scheduler's per-completion callback. Never full by construction (see {@link RingEngine}).
 */
export class CompletionQueue {
  readonly #buffer: RingBuffer<IoEntry>;
  readonly #onPush: (() => void) | undefined;
  #waitPromise: Promise<void> | undefined = undefined;
  #wake: (() => void) | undefined = undefined;

  constructor(capacity: number, onPush: (() => void) | undefined) {
    this.#buffer = new RingBuffer(capacity);
    this.#onPush = onPush;
  }

  get size(): number {
    return this.#buffer.size;
  }

  push(entry: IoEntry): void {
    this.#buffer.push(entry);
    this.#onPush?.();
    const wake = this.#wake;
    if (wake !== undefined) {
      this.#wake = undefined;
      this.#waitPromise = undefined;
      wake();
    }
  }

  reap(max: number): Completion[] {
    const n = Math.min(Math.floor(max), this.#buffer.size);
    const out = new Array<Completion>(n);
    for (let i = 0; i < n; i++) out[i] = this.#buffer.shift()!;
    return out;
  }

  /** One shared promise for all waiters until the next completion. */
  wait(): Promise<void> {
    if (this.#buffer.size > 0) return Promise.resolve();
    this.#waitPromise ??= new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
    return this.#waitPromise;
  }
}
