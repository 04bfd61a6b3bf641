import type { Clock, TimerHandle } from "./clock.js";
import { Deadline } from "./deadlines.js";
import type { Task } from "./task.js";
import { TimerHeap } from "./timer-heap.js";

/**
 * The kernel's time-keeping: sleeping tasks and other deadlines (time limits, op timeouts,
 * `ctx.after`) in two heaps keyed by `(at, seq)` with one shared `seq`, so equal deadlines fire in
 * the order they were set; and exactly one host timer, armed for the nearest of them.
 */
export class Clockwork {
  readonly sleepers = new TimerHeap<Task>();
  readonly deadlines = new TimerHeap<Deadline>();
  #seq = 0;
  #armedAt = Infinity;
  #timer: TimerHandle = undefined;

  constructor(readonly clock: Clock) {}

  addDeadline(at: number, fire: () => void): Deadline {
    const d = new Deadline(fire);
    this.deadlines.push(d, at, this.#seq++);
    return d;
  }

  cancelDeadline(deadline: Deadline): void {
    this.deadlines.remove(deadline);
  }

  addSleeper(task: Task, at: number): void {
    this.sleepers.push(task, at, this.#seq++);
  }

  /** Takes the sleepers and deadlines due at `now`, in `(at, seq)` order: wakes each sleeper, fires each deadline. */
  fireDue(now: number, wake: (task: Task) => void): void {
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
        deadlines.pop()!.fire();
      }
    }
  }

  /** The earliest sleeper or deadline, or `Infinity`. */
  next(): number {
    return Math.min(this.sleepers.peekAt(), this.deadlines.peekAt());
  }

  /** Keeps exactly one host timer armed, for the nearest deadline. */
  arm(onTimer: () => void): void {
    const next = this.next();
    if (next === this.#armedAt) return;
    this.disarm();
    if (next === Infinity) return;
    this.#armedAt = next;
    this.#timer = this.clock.setTimer(next, () => {
      this.#armedAt = Infinity;
      this.#timer = undefined;
      onTimer();
    });
  }

  disarm(): void {
    if (this.#armedAt === Infinity) return;
    this.clock.clearTimer(this.#timer);
    this.#armedAt = Infinity;
    this.#timer = undefined;
  }
}
