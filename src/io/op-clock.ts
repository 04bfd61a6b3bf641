import { TimeoutError, describeValue } from "../errors.js";
import type { TimerSource } from "../kernel/deadlines.js";
import type { IoEntry, Outcome } from "./entry.js";
import type { IoRequest } from "./types.js";

type Settle = (entry: IoEntry, outcome: Outcome, value: unknown, error: unknown) => boolean;

/**
 * The clock side of in-flight ops: their `timeout` deadlines and their `after()` waits, on the
 * ring's {@link TimerSource}. Counts the ops waiting on the clock, which a virtual clock may skip.
 */
export class OpClock {
  /** In-flight ops with an `after()` pending. */
  waiting = 0;
  readonly #timers: TimerSource;
  readonly #settle: Settle;

  constructor(timers: TimerSource, settle: Settle) {
    this.#timers = timers;
    this.#settle = settle;
  }

  now(): number {
    return this.#timers.now();
  }

  /** Arms the op's `timeout`, if it has one, from `now` (its dispatch time). */
  armTimeout(entry: IoEntry, now: number): void {
    if (entry.timeout === undefined) return;
    entry.timeoutDeadline = this.#timers.addDeadline(now + entry.timeout, () => {
      entry.timeoutDeadline = null;
      const ms = entry.timeout!;
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
    if (entry.clockDeadline !== null) {
      throw new Error(`op #${entry.seq} "${entry.type}" already waits on after(); call after() again from its callback`);
    }
    entry.afterFn = fn;
    entry.clockDeadline = this.#timers.addDeadline(this.#timers.now() + ms, () => this.#fire(entry));
    this.waiting++;
  }

  /** Drops the deadlines of an op that settled. */
  release(entry: IoEntry): void {
    if (entry.timeoutDeadline !== null) {
      this.#timers.cancelDeadline(entry.timeoutDeadline);
      entry.timeoutDeadline = null;
    }
    if (entry.clockDeadline !== null) {
      this.#timers.cancelDeadline(entry.clockDeadline);
      entry.clockDeadline = null;
      entry.afterFn = null;
      this.waiting--;
    }
  }

  #fire(entry: IoEntry): void {
    const fn = entry.afterFn!;
    entry.clockDeadline = null;
    entry.afterFn = null;
    this.waiting--;
    try {
      fn(entry);
    } catch (error) {
      this.#settle(entry, "failed", undefined, error);
    }
  }
}
