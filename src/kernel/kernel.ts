import { checkOptionKeys, TimeoutError, describeValue } from "../errors.js";
import { Syscall, releaseYielded } from "../syscalls/syscall.js";
import type { Clock } from "./clock.js";
import { VirtualClock } from "./clock.js";
import type { Deadline, TimerSource } from "./deadlines.js";
import { Clockwork } from "./clockwork.js";
import { RunQueue } from "./run-queue.js";
import { Resume, Task } from "./task.js";
import { TaskTable, Time } from "./task-table.js";
import { GeneratorPrototype, TASK_OPTIONS, badYield, claimGenerator, nativeNext, toGenerator, validName, validPriority } from "./target.js";
import type { SchedulingPolicy, TaskOptions, TaskTarget } from "./types.js";
import type { KernelEvents } from "./events.js";
import { dispatch } from "./dispatch.js";
import type { ContextHost } from "./context.js";
import type { IoBridge } from "./io-bridge.js";
import { Budget } from "./budget.js";
import { killTask, unblock } from "./signals.js";

/** Slices between clock samples; time in between is shared evenly among those slices. */
const SAMPLE = 64;

/**
 * The kernel proper: task table, ready queue, timer heaps, and the run loop. Internal; the
 * public face is `Scheduler`. Wakers only enqueue; only {@link Kernel.drive} resumes generators.
 */
export class Kernel implements TimerSource, ContextHost {
  readonly ready = new RunQueue<Task>();
  readonly tasks = new TaskTable<Task>();
  /** Sleepers, deadlines and the one host timer. */
  readonly time: Clockwork;
  /** Failed tasks nobody has observed yet; `run()` rejects with the first. */
  readonly failures: Task[] = [];
  readonly virtual: boolean;
  io!: IoBridge;
  externalSyscalls = 0;
  live = 0;
  nextTid = 1;
  /** Whether anyone listens to slice starts / wake-ups; refreshed once per pass. */
  traceRun = false;
  traceWake = false;
  /** Picks among ready tasks instead of FIFO (seeded exploration); `null` is FIFO. */
  policy: SchedulingPolicy | null = null;
  readonly #readyTids: number[] = [];
  /** Set while `drive` runs: re-entry is refused. */
  driving = false;

  #lastNow: number;
  #recent: (Task | null)[] = new Array<Task | null>(SAMPLE).fill(null);
  #recentCount = 0;
  /** Called by wakers when the loop may be idle-waiting. */
  poke: () => void = () => {};

  constructor(
    readonly clock: Clock,
    readonly events: KernelEvents,
  ) {
    this.virtual = clock instanceof VirtualClock;
    this.time = new Clockwork(clock);
    this.#lastNow = clock.now();
  }

  now(): number {
    return this.clock.now();
  }

  /** The clock as last sampled: cheap, and exact on a virtual clock. */
  get approxNow(): number {
    return this.#lastNow;
  }

  // ---- tasks -------------------------------------------------------------------------------

  create(target: TaskTarget, options: TaskOptions | undefined, parent: Task | null): Task {
    const gen = toGenerator(target);
    if (options !== undefined) {
      if (options === null || typeof options !== "object") {
        throw new TypeError(`task options must be an object like { name: "worker" }, got ${describeValue(options)}`);
      }
      checkOptionKeys(options, TASK_OPTIONS, "task");
    }
    const name = validName(options?.name, target);
    const priority = validPriority(options?.priority, parent);
    const limit = options?.timeLimit;
    if (limit !== undefined && (typeof limit !== "number" || !(limit >= 0) || !Number.isFinite(limit))) {
      throw new RangeError(`timeLimit must be a finite number of ms >= 0, got ${describeValue(limit)}`);
    }
    const limits = options?.budget === undefined ? parent?.budget?.remaining() : Budget.validate(options.budget);
    // A task forked during a pass on a real clock is stamped with the pass's sample, as its start
    // will be: a clock read costs more than much of a fork. A time limit still reads the clock,
    // so that it never runs out early; a virtual clock is exact and cheap to read.
    const now = this.driving && !this.virtual && limit === undefined ? this.#lastNow : this.clock.now();
    const task = new Task(this.nextTid++, name, gen, priority, parent);
    claimGenerator(target, gen, task.tid);
    task.native = GeneratorPrototype.isPrototypeOf(gen);
    if (limits !== undefined) task.budget = new Budget(limits, parent?.budget ?? null, task.tid, task.name);
    this.tasks.add(task.tid, task);
    this.tasks.setTime(task.tid, Time.Created, now);
    this.live++;
    parent?.addChild(task);
    if (limit !== undefined) {
      task.timeLimit = this.addDeadline(now + limit, () => {
        task.timeLimit = null;
        killTask(this, task, new TimeoutError(`task #${task.tid} "${task.name}" ran out of its time limit of ${limit} ms`, limit, task.tid, task.name));
      });
    }
    this.events.spawned(task, now);
    this.enqueue(task);
    return task;
  }

  enqueue(task: Task): void {
    if (task.paused) {
      task.status = "paused";
      this.leaveQueue(task);
      return;
    }
    if (task.off) {
      task.off = false;
      this.tasks.addTime(task.tid, Time.Blocked, this.timingNow);
    }
    task.status = "ready";
    this.ready.push(task);
  }

  /** Starts a stretch of blocked (or paused) time, ended by `enqueue`. */
  leaveQueue(task: Task): void {
    if (task.off) return;
    task.off = true;
    this.tasks.addTime(task.tid, Time.Blocked, -this.timingNow);
  }

  /**
   * The time of a task's timing events and `ps()`: during a pass, the sample that running time is
   * shared up to; outside the loop (a wake from a callback, a pause), the clock.
   */
  get timingNow(): number {
    return this.driving ? this.#lastNow : this.clock.now();
  }

  /** Wakes a blocked task with a value or an error. Only enqueues. */
  wake(task: Task, ok: boolean, value: unknown): void {
    if (this.traceWake) this.events.woken(task, ok, value);
    task.blockedOn = null;
    task.send = value;
    // A pending kill wins: the task's next resume is `return()`.
    if (task.mode !== Resume.Return) task.mode = ok ? Resume.Next : Resume.Throw;
    this.enqueue(task);
  }

  readonly #wakeSleeper = (task: Task): void => this.wake(task, true, undefined);

  /** A custom syscall completed, maybe from a callback outside the loop. */
  settleSyscall(task: Task, ok: boolean, value: unknown): void {
    this.wake(task, ok, value);
    this.poke();
  }

  /** Ends a task: record, waiters, children, handle, events. */
  end(task: Task, status: "exited" | "failed" | "killed", result: unknown): void {
    task.status = status;
    task.send = result;
    task.gen = null;
    this.live--;
    if (task.timeLimit !== null) this.cancelDeadline(task.timeLimit);
    task.timeLimit = null;
    // Children: ended ones lose their records with us; live ones are orphaned.
    for (let c = task.firstChild; c !== null; ) {
      const next = c.nextSibling;
      c.prevSibling = c.nextSibling = null;
      if (c.alive) c.orphan();
      else {
        c.parentTask = null;
        this.tasks.delete(c.tid);
      }
      c = next;
    }
    task.clearChildren();
    const parent = task.parentTask;
    if (parent === null) this.tasks.delete(task.tid);
    const waiters = task.waiters;
    task.waiters = null;
    if (waiters !== null && waiters.size > 0) {
      task.observed = true;
      for (let w = waiters.shift(); w !== undefined; w = waiters.shift()) {
        if (w === parent) this.release(task);
        this.wake(w, status === "exited", result);
      }
    }
    if (status === "failed" && !task.observed) this.failures.push(task);
    task.handle?.settle(task);
    task.handle = null;
    this.events.exited(task);
  }

  /** Frees the exit record of an ended child its parent has collected. */
  release(child: Task): void {
    child.parentTask?.removeChild(child);
    child.parentTask = null;
    this.tasks.delete(child.tid);
  }

  // ---- the run loop ------------------------------------------------------------------------

  /**
   * THE RUN LOOP. Each pass fires due timers, flushes and reaps I/O, then runs the tasks that
   * were ready when it began. Returns when nothing is ready, or when the host clock passes
   * `until` (so `run()` can give the host event loop a turn).
   */
  drive(hostClock: Clock | null, until: number): void {
    if (this.driving) throw new Error("the scheduler loop is already running: run() and runSync() cannot be re-entered from a task or listener");
    this.driving = true;
    try {
      this.sample();
      for (;;) {
        this.traceRun = this.events.wants("run");
        this.traceWake = this.events.wants("wake");
        this.time.fireDue(this.#lastNow, this.#wakeSleeper);
        this.io.flush();
        let n = this.ready.size;
        if (n === 0) return;
        if (this.policy === null) while (n-- > 0) this.step(this.ready.shift()!);
        else while (n-- > 0 && this.ready.size > 0) this.step(this.#pick(this.policy));
        this.io.flush();
        // One clock read per pass (on the default real clock, also the host's): it closes this
        // pass's running time and is the next pass's time.
        this.sample();
        if (hostClock !== null && (hostClock === this.clock ? this.#lastNow : hostClock.now()) >= until) return;
      }
    } finally {
      this.driving = false;
      if (this.#recentCount > 0) this.sample();
    }
  }

  #pick(policy: SchedulingPolicy): Task {
    const count = this.ready.topCount();
    const k = policy.pick(count, this.ready.topTids(this.#readyTids));
    if (!Number.isInteger(k) || k < 0 || k >= count) {
      throw new RangeError(`scheduling policy pick(${count}) returned ${describeValue(k)}: return an integer in [0, ${count})`);
    }
    return this.ready.takeAt(k)!;
  }

  /** Runs one slice of `task`: resume it, then act on what it yielded. */
  step(task: Task): void {
    const gen = task.gen!;
    task.status = "running";
    if (task.switches++ === 0) this.tasks.setTime(task.tid, Time.Started, this.#lastNow);
    if (this.traceRun) this.events.running(task);
    let r: IteratorResult<unknown, unknown>;
    try {
      const mode = task.mode;
      const send = task.send;
      task.send = undefined;
      task.mode = Resume.Next;
      r =
        mode !== Resume.Next
          ? mode === Resume.Throw
            ? gen.throw(send)
            : gen.return(undefined)
          : task.native
            ? nativeNext.call(gen, send)
            : gen.next(send);
    } catch (error) {
      this.#sliceDone(task);
      return this.#ended(task, "failed", error);
    }
    this.#sliceDone(task);
    if (r.done === true) return this.#ended(task, "exited", r.value);
    const value = r.value;
    if (value === undefined) this.enqueue(task);
    else if (value instanceof Syscall) {
      releaseYielded(r);
      dispatch(this, task, value);
      this.#afterSyscall(task);
    } else this.wake(task, false, badYield(task, value));
  }

  /** The generator finished: as it says, unless a kill is under way, which wins. */
  #ended(task: Task, status: "exited" | "failed", result: unknown): void {
    if (task.killError !== null) this.end(task, "killed", task.killError);
    else this.end(task, status, result);
  }

  /** If the syscall blocked the task, its blocked time starts; if it was also killed during its slice (by a listener or a handler), it dies now. */
  #afterSyscall(task: Task): void {
    if (task.status === "ready") return;
    this.leaveQueue(task);
    if (task.mode === Resume.Return && unblock(this, task)) this.enqueue(task);
  }

  #sliceDone(task: Task): void {
    this.#recent[this.#recentCount++] = task;
    if (this.#recentCount === SAMPLE) this.sample();
  }

  /** Reads the clock and shares the time since the last read among the slices run since. */
  sample(): void {
    const now = this.clock.now();
    const n = this.#recentCount;
    if (n > 0) {
      const share = (now - this.#lastNow) / n;
      const recent = this.#recent;
      for (let i = 0; i < n; i++) {
        const task = recent[i]!;
        task.timeRunning += share;
        recent[i] = null;
        if (task.budget !== null && share > 0 && task.alive) {
          const over = task.budget.chargeRunTime(share, task.tid, task.name);
          if (over !== null) killTask(this, task, over);
        }
      }
      this.#recentCount = 0;
    }
    this.#lastNow = now;
  }

  // ---- timers ------------------------------------------------------------------------------

  addDeadline(at: number, fire: () => void): Deadline {
    const d = this.time.addDeadline(at, fire);
    this.poke();
    return d;
  }

  cancelDeadline(deadline: Deadline): void {
    this.time.cancelDeadline(deadline);
  }

  sleep(task: Task, ms: number): void {
    // A fresh read, not the pass's sample: that may be a whole sample window old on a real
    // clock, and a deadline measured from it could end the sleep early.
    task.status = "sleeping";
    this.time.addSleeper(task, this.clock.now() + ms);
  }

  /** Work pending outside the clock: I/O handlers and custom syscalls (API.md Order 7). */
  get externalPending(): number {
    return this.io.externalPending + this.externalSyscalls;
  }
}
