import type { Kernel } from "./kernel.js";
import type { Task } from "./task.js";
import { Time } from "./task-table.js";

/** Slices between clock samples; time in between is shared evenly among those slices. */
const SAMPLE = 64;

/**
 * The run loop's time-keeping. To keep the switch path free of clock reads, the clock is read
 * once per pass (and every {@link SAMPLE} slices within a long one), and the time in between is
 * shared evenly among the slices run since: running time is exact in total, approximate per task.
 * Blocked time is booked when a task leaves and rejoins the ready queue; queued time is derived.
 */
export class SliceClock {
  readonly #k: Kernel;
  readonly #virtual: boolean;
  /** Set while a pass runs: timing then uses the pass's sample. */
  driving = false;
  /** The last sample. */
  lastNow: number;
  #recent: (Task | null)[] = new Array<Task | null>(SAMPLE).fill(null);
  #recentCount = 0;
  /** A task with a budget ran a slice since the last sample: its charge must not wait. */
  #charged = false;

  constructor(k: Kernel, virtual: boolean) {
    this.#k = k;
    this.#virtual = virtual;
    this.lastNow = k.clock.now();
  }

  /**
   * A new task's creation time. During a pass on a real clock, the pass's sample (a clock read
   * costs more than much of a fork); a fresh read when `exact` (a time limit must never run out
   * early), outside the loop, and on a virtual clock (exact and cheap).
   */
  stampNow(exact: boolean): number {
    return this.driving && !this.#virtual && !exact ? this.lastNow : this.#k.clock.now();
  }

  /** The time of timing events and `ps()`: during a pass its sample, outside it the clock. */
  get timingNow(): number {
    return this.driving ? this.lastNow : this.#k.clock.now();
  }

  /** Starts a stretch of blocked (or paused) time, ended by {@link rejoin}. */
  leaveQueue(task: Task): void {
    if (task.off) return;
    task.off = true;
    this.#k.tasks.addTime(task.tid, Time.Blocked, -this.timingNow);
  }

  rejoin(task: Task): void {
    if (!task.off) return;
    task.off = false;
    this.#k.tasks.addTime(task.tid, Time.Blocked, this.timingNow);
  }

  /** A slice of `task` began. */
  started(task: Task): void {
    if (task.switches++ === 0) this.#k.tasks.setTime(task.tid, Time.Started, this.lastNow);
  }

  /** A slice of `task` ended: its share of time is booked at the next sample. */
  sliceDone(task: Task): void {
    this.#recent[this.#recentCount++] = task;
    if (task.budget !== null) this.#charged = true;
    if (this.#recentCount === SAMPLE) this.sample();
  }

  /**
   * The end of a pass: reads the clock if something needs the time now (a timer may be due, a
   * budget charged, a listener stamps events, or the clock is virtual, where a read is free and a
   * task may have moved it). Else the read waits for the next sample, at most {@link SAMPLE}
   * slices later: the running time of the slices since is shared then, and a host turn on the
   * real clock is that much later (a long pass defers it as much already).
   */
  passEnd(timersQueued: boolean, traced: boolean): void {
    if (this.#virtual || timersQueued || traced || this.#charged) this.sample();
  }

  get unshared(): boolean {
    return this.#recentCount > 0;
  }

  /** Reads the clock and shares the time since the last read among the slices run since. */
  sample(): void {
    const now = this.#k.clock.now();
    const n = this.#recentCount;
    if (n > 0) {
      const share = (now - this.lastNow) / n;
      const recent = this.#recent;
      for (let i = 0; i < n; i++) {
        const task = recent[i]!;
        this.#k.tasks.addTime(task.tid, Time.Running, share);
        recent[i] = null;
        if (task.budget !== null && share > 0 && task.alive) {
          const over = task.budget.chargeRunTime(share, task.tid, task.name);
          if (over !== null) this.#k.kill(task, over);
        }
      }
      this.#recentCount = 0;
    }
    this.#charged = false;
    this.lastNow = now;
  }
}
