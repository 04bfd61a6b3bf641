import type { Clock, TimerHandle } from "./clock.js";
import { SleepHeap } from "./sleep-heap.js";
import { TimerHeap } from "./timer-heap.js";

/** A callback due at a clock time (kept by its heap); cancel it through the {@link TimerSource} that made it. */
export class Deadline {
  index = -1;
  constructor(readonly fire: () => void) {}
}

/**
 * Where the I/O ring gets its time and deadlines from: a scheduler's {@link Timers} (so its ring's
 * timeouts live in the scheduler's heaps) or a standalone ring's own.
 */
export interface TimerSource {
  now(): number;
  /** Calls `fire` once the clock reaches `at`. */
  addDeadline(at: number, fire: () => void): Deadline;
  cancelDeadline(deadline: Deadline): void;
}

/**
 * Deadlines on a clock, with exactly one host timer armed for the nearest of them. Two heaps keyed
 * by `(at, seq)` share one `seq`, so equal deadlines fire in the order they were set: `deadlines`
 * holds callbacks (time limits, op timeouts, `ctx.after`), `sleepers` holds a scheduler's sleeping
 * tasks themselves (sleeping allocates nothing), each with the ticket {@link addSleeper} returns.
 *
 * Standalone (a ring of its own), the host timer fires due deadlines itself and re-arms. Driven by
 * a scheduler, the host timer only calls `onHostTimer` (to wake the loop), the loop fires due
 * entries with {@link fireDue} and arms the host timer with {@link arm} only when it goes idle.
 */
export class Timers<S = never> implements TimerSource {
  readonly sleepers: SleepHeap<S>;
  readonly deadlines = new TimerHeap<Deadline>();
  readonly clock: Clock;
  readonly #onHostTimer: (() => void) | null;
  readonly #onError: (error: unknown) => void;
  #seq = 0;
  #armedAt = Infinity;
  #handle: TimerHandle = undefined;

  /**
   * @param onHostTimer driven mode: what the host timer does instead of firing deadlines itself.
   * @param onError where an error thrown by a deadline's callback goes (the loop goes on).
   * @param sleeperLive whether a sleeper still holds the ticket it was queued with (see {@link SleepHeap}).
   */
  constructor(
    clock: Clock,
    onError: (error: unknown) => void,
    onHostTimer: (() => void) | null = null,
    sleeperLive: (sleeper: S, ticket: number) => boolean = () => true,
  ) {
    this.clock = clock;
    this.sleepers = new SleepHeap<S>(sleeperLive);
    this.#onError = onError;
    this.#onHostTimer = onHostTimer;
  }

  now(): number {
    return this.clock.now();
  }

  addDeadline(at: number, fire: () => void): Deadline {
    const deadline = new Deadline(fire);
    this.deadlines.push(deadline, at, this.#seq++);
    if (this.#onHostTimer === null) this.arm();
    return deadline;
  }

  cancelDeadline(deadline: Deadline): void {
    this.deadlines.remove(deadline);
    if (this.#onHostTimer === null && this.deadlines.size === 0) this.disarm();
  }

  /** Queues a sleeper due at `at`; returns its ticket, which it must keep while it sleeps (and give up to leave). */
  addSleeper(entry: S, at: number): number {
    const seq = this.#seq++;
    this.sleepers.push(entry, at, seq);
    return seq;
  }

  /** The earliest sleeper or deadline, or `Infinity`. */
  next(): number {
    return Math.min(this.sleepers.peekAt(), this.deadlines.peekAt());
  }

  /**
   * Takes the sleepers and deadlines due at `now`, in `(at, seq)` order: wakes each sleeper,
   * fires each deadline. A deadline whose callback throws is reported to `onError`; the rest fire.
   */
  fireDue(now: number, wake: (sleeper: S) => void): void {
    const sleepers = this.sleepers;
    const deadlines = this.deadlines;
    for (;;) {
      const sAt = sleepers.peekAt();
      const dAt = deadlines.peekAt();
      const sDue = sAt <= now;
      const dDue = dAt <= now;
      if (!sDue && !dDue) return;
      if (sDue && (!dDue || sAt < dAt || (sAt === dAt && sleepers.peekSeq() < deadlines.peekSeq()))) {
        wake(sleepers.pop()!);
      } else {
        const deadline = deadlines.pop()!;
        try {
          deadline.fire();
        } catch (error) {
          this.#onError(error);
        }
      }
    }
  }

  /** Keeps exactly one host timer armed, for the nearest entry. */
  arm(): void {
    const next = this.next();
    if (next === this.#armedAt) return;
    this.disarm();
    if (next === Infinity) return;
    this.#armedAt = next;
    this.#handle = this.clock.setTimer(next, this.#onTimer);
  }

  disarm(): void {
    if (this.#armedAt === Infinity) return;
    this.clock.clearTimer(this.#handle);
    this.#armedAt = Infinity;
    this.#handle = undefined;
  }

  #onTimer = (): void => {
    this.#armedAt = Infinity;
    this.#handle = undefined;
    if (this.#onHostTimer !== null) return this.#onHostTimer();
    this.fireDue(this.clock.now(), () => {});
    this.arm();
  };
}
