import { checkMs, describeValue } from "../checks.js";
import { TimerHeap, type HeapEntry } from "./timer-heap.js";

/** Marks the virtual clocks of every copy of yieldos, so one from another copy is recognised. */
const VIRTUAL_BRAND = Symbol.for("yieldos.VirtualClock");

/** A host timer armed on a {@link Clock}; opaque to callers. */
export type TimerHandle = unknown;

/**
 * The time source of a scheduler or ring. Times are milliseconds on the clock's own scale.
 * The kernel arms at most one timer at a time on its clock, for its nearest deadline.
 *
 * @example
 * ```ts
 * const clock: Clock = new RealClock();
 * const h = clock.setTimer(clock.now() + 10, () => console.log("10 ms later"));
 * clock.clearTimer(h);
 * ```
 */
export interface Clock {
  now(): number;
  /** Calls `callback` once the clock reaches `at`. */
  setTimer(at: number, callback: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/**
 * Wall-clock time from `performance.now()`, with host `setTimeout` timers.
 *
 * @example
 * ```ts
 * const sched = new Scheduler({ clock: new RealClock() }); // the default
 * ```
 */
export class RealClock implements Clock {
  now(): number {
    return performance.now();
  }

  setTimer(at: number, callback: () => void): TimerHandle {
    const delay = at - performance.now();
    if (delay > MAX_DELAY) return new LongTimer(at, callback);
    return setTimeout(callback, Math.max(0, delay));
  }

  clearTimer(handle: TimerHandle): void {
    clearTimeout((handle instanceof LongTimer ? handle.id : handle) as ReturnType<typeof setTimeout>);
  }
}

/** Hosts keep timer delays in 32 bits: a longer delay (over ~24.8 days) fires after 1 ms instead. */
const MAX_DELAY = 2 ** 31 - 1;

/** A real timer due beyond {@link MAX_DELAY}: one host timer at a time, re-armed in hops until `at`. */
class LongTimer {
  id: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly at: number,
    readonly callback: () => void,
  ) {
    this.hop();
  }

  hop = (): void => {
    const delay = this.at - performance.now();
    this.id = delay > MAX_DELAY ? setTimeout(this.hop, MAX_DELAY) : setTimeout(this.callback, Math.max(0, delay));
  };
}

class VirtualTimer implements HeapEntry {
  index = -1;
  constructor(readonly callback: () => void) {}
}

/**
 * A clock that moves only when told to. A scheduler on a `VirtualClock` jumps it to the next
 * deadline whenever nothing else can happen (API.md, Order 7), so sleeps of hours take no time
 * and every run of a program gives the same event sequence.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const sched = new Scheduler({ clock });
 * sched.spawn(function* () { yield* sleep(60_000); });
 * await sched.run(); // returns at once
 * clock.now(); // 60000
 * ```
 */
export class VirtualClock implements Clock {
  /** @internal See {@link isVirtualClock}. */
  get [VIRTUAL_BRAND](): true {
    return true;
  }

  #time: number;
  #seq = 0;
  #timers = new TimerHeap<VirtualTimer>();

  constructor(start = 0) {
    if (!Number.isFinite(start)) throw new RangeError(`VirtualClock start must be a finite number, got ${start}`);
    this.#time = start;
  }

  now(): number {
    return this.#time;
  }

  setTimer(at: number, callback: () => void): TimerHandle {
    const timer = new VirtualTimer(callback);
    this.#timers.push(timer, Math.max(at, this.#time), this.#seq++);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    if (handle instanceof VirtualTimer) this.#timers.remove(handle);
  }

  /** The time of the earliest armed timer, or `undefined`. */
  nextTimer(): number | undefined {
    return this.#timers.size === 0 ? undefined : this.#timers.peekAt();
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    checkMs(ms, "VirtualClock.advance(ms)");
    this.advanceTo(this.#time + ms);
  }

  /** Moves time forward to `time` (never backward), firing due timers in (time, arming) order. */
  advanceTo(time: number): void {
    if (Number.isNaN(time)) throw new RangeError(`VirtualClock.advanceTo expects a number, got NaN`);
    for (;;) {
      const at = this.#timers.peekAt();
      if (at === Infinity || at > time) break;
      const next = this.#timers.pop()!;
      if (at > this.#time) this.#time = at;
      next.callback();
    }
    if (time > this.#time && Number.isFinite(time)) this.#time = time;
  }
}

/** Whether a scheduler must treat `clock` as virtual (jump it when idle, take host turns by count). */
export function isVirtualClock(clock: Clock): boolean {
  return clock instanceof VirtualClock;
}

/**
 * Checks a clock option, naming the value at fault. A `VirtualClock` from another copy of
 * yieldos (the ESM and the CommonJS build, or two installs) would be taken for a real clock and
 * never jump: it is refused with a message that says so.
 */
export function checkClock(clock: unknown, what: string): Clock {
  const c = clock as Partial<Clock> | null;
  if (c === null || typeof c !== "object" || typeof c.now !== "function" || typeof c.setTimer !== "function" || typeof c.clearTimer !== "function") {
    throw new TypeError(`${what} must implement now(), setTimer() and clearTimer(), got ${describeValue(clock)}`);
  }
  if (!(clock instanceof VirtualClock) && (clock as Record<symbol, unknown>)[VIRTUAL_BRAND] === true) {
    throw new TypeError(
      `${what} is a VirtualClock from another copy of yieldos (an ESM and a CommonJS copy, or two installs): import VirtualClock from the same entry and build as Scheduler`,
    );
  }
  return clock as Clock;
}
