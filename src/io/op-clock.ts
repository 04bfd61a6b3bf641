import { TimeoutError, describeValue } from "../errors.js";
import { RealClock, type Clock } from "../time/clock.js";
import type { TimerSource } from "../time/timers.js";
import type { IoEntry, Outcome } from "./entry.js";
import type { IoRequest } from "./types.js";

type Settle = (entry: IoEntry, outcome: Outcome, value: unknown, error: unknown) => boolean;

/**
 * The clock side of ops: their timestamps, their `timeout` deadlines and their `after()` waits, on
 * the ring's {@link TimerSource}. Counts the ops waiting on the clock, which a virtual clock may skip.
 */
export class OpClock {
  /** In-flight ops with an `after()` pending. */
  waiting = 0;
  readonly #clock: Pick<Clock, "now">;
  readonly #timers: TimerSource;
  readonly #settle: Settle;
  /** Whether {@link recent} may reuse a reading: on the default `RealClock` only (see `Completion`). */
  readonly #coarse: boolean;
  #last = 0;
  #lastValid = false;

  constructor(clock: Pick<Clock, "now">, timers: TimerSource, settle: Settle) {
    this.#clock = clock;
    this.#timers = timers;
    this.#settle = settle;
    this.#coarse = Object.getPrototypeOf(clock) === RealClock.prototype;
  }

  /** A fresh reading of the clock. */
  now(): number {
    const now = this.#clock.now();
    if (this.#coarse) {
      this.#last = now;
      if (!this.#lastValid) {
        this.#lastValid = true;
        queueMicrotask(this.#expire);
      }
    }
    return now;
  }

  /**
   * The last reading while the microtasks queued when it was taken have not all run, else a fresh
   * one; always a fresh one on a clock other than `RealClock`. A `performance.now()` costs about
   * as much as the rest of a `nop` op: this makes it one read per batch instead of two per op.
   */
  recent(): number {
    return this.#lastValid ? this.#last : this.now();
  }

  #expire = (): void => {
    this.#lastValid = false;
  };

  /** Arms the op's `timeout`, if it has one, from `now` (its dispatch time). */
  armTimeout(entry: IoEntry, now: number): void {
    const more = entry.extra;
    const ms = more?.timeout;
    if (ms === undefined) return;
    more!.timeoutDeadline = this.#timers.addDeadline(now + ms, () => {
      more!.timeoutDeadline = null;
      const error = new TimeoutError(`op #${entry.seq} "${entry.type}" timed out after ${ms} ms`, ms);
      this.#settle(entry, "timeout", undefined, error);
    });
  }

  after(entry: IoEntry, ms: number, fn: (request: IoRequest) => void): void {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`Expected after() \`ms\` to be a finite number >= 0, got ${describeValue(ms)}`);
    }
    if (typeof fn !== "function") {
      throw new TypeError(`Expected the after() callback to be a function, got ${describeValue(fn)}`);
    }
    if (entry.state !== "in-flight") return;
    const more = entry.more;
    if (more.clockDeadline !== null) {
      throw new Error(`op #${entry.seq} "${entry.type}" already waits on after(); call after() again from its callback`);
    }
    more.afterFn = fn;
    more.clockDeadline = this.#timers.addDeadline(this.#clock.now() + ms, () => this.#fire(entry));
    this.waiting++;
  }

  /** Drops the deadlines of an op that settled. */
  release(entry: IoEntry): void {
    const more = entry.extra;
    if (more === null) return;
    if (more.timeoutDeadline !== null) {
      this.#timers.cancelDeadline(more.timeoutDeadline);
      more.timeoutDeadline = null;
    }
    if (more.clockDeadline !== null) {
      this.#timers.cancelDeadline(more.clockDeadline);
      more.clockDeadline = null;
      more.afterFn = null;
      this.waiting--;
    }
  }

  #fire(entry: IoEntry): void {
    const more = entry.extra!;
    const fn = more.afterFn!;
    more.clockDeadline = null;
    more.afterFn = null;
    this.waiting--;
    try {
      fn(entry);
    } catch (error) {
      this.#settle(entry, "failed", undefined, error);
    }
  }
}
