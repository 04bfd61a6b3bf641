import type { Clock, TimerHandle } from "./clock.js";
import { TimerHeap, type HeapEntry } from "./timer-heap.js";

/** A callback due at a clock time (kept by its heap); cancel it through the {@link TimerSource} that made it. */
export class Deadline implements HeapEntry {
  index = -1;
  constructor(readonly fire: () => void) {}
}

/**
 * Where the I/O ring gets its time and deadlines from: a scheduler (so its ring's timeouts live in
 * the scheduler's one timer heap) or a standalone {@link Timers}.
 */
export interface TimerSource {
  now(): number;
  /** Calls `fire` once the clock reaches `at`. */
  addDeadline(at: number, fire: () => void): Deadline;
  cancelDeadline(deadline: Deadline): void;
}

/**
 * A deadline heap with exactly one host timer armed on its clock, for the nearest deadline.
 * Due deadlines fire in `(at, seq)` order from the host timer's callback.
 */
export class Timers implements TimerSource {
  readonly #clock: Clock;
  readonly #heap = new TimerHeap<Deadline>();
  #seq = 0;
  #armedAt = Infinity;
  #handle: TimerHandle = undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get size(): number {
    return this.#heap.size;
  }

  now(): number {
    return this.#clock.now();
  }

  addDeadline(at: number, fire: () => void): Deadline {
    const deadline = new Deadline(fire);
    this.#heap.push(deadline, at, this.#seq++);
    this.#arm();
    return deadline;
  }

  cancelDeadline(deadline: Deadline): void {
    this.#heap.remove(deadline);
    if (this.#heap.size === 0) this.#disarm();
  }

  #arm(): void {
    const at = this.#heap.peekAt();
    if (at === Infinity) return this.#disarm();
    if (at >= this.#armedAt) return;
    this.#disarm();
    this.#armedAt = at;
    this.#handle = this.#clock.setTimer(at, this.#onTimer);
  }

  #disarm(): void {
    if (this.#armedAt === Infinity) return;
    this.#clock.clearTimer(this.#handle);
    this.#armedAt = Infinity;
    this.#handle = undefined;
  }

  #onTimer = (): void => {
    this.#armedAt = Infinity;
    this.#handle = undefined;
    const now = this.#clock.now();
    while (this.#heap.size > 0 && this.#heap.peekAt() <= now) this.#heap.pop()!.fire();
    this.#arm();
  };
}
