import { TaskKilledError, TimeoutError } from "../errors.js";
import type { IoRingOptions } from "../io/types.js";
import type { Clock } from "../time/clock.js";
import { Timers, type Deadline, type TimerSource } from "../time/timers.js";
import { Budget } from "./budget.js";
import type { ContextHost } from "./context.js";
import { Deque } from "./deque.js";
import { Dispatched } from "./dispatched.js";
import type { KernelEvents } from "./events.js";
import { IoBridge } from "./io-bridge.js";
import { Problems } from "./problems.js";
import { RunLoop } from "./run-loop.js";
import { Resume, Task, type Waiter } from "./task.js";
import { TaskTable, Time } from "./task-table.js";
import { claimGenerator, defaultName, GeneratorPrototype, readTaskOptions, toGenerator } from "./target.js";
import type { SchedulingPolicy, TaskOptions, TaskStatus, TaskTarget } from "./types.js";

/** Statuses a waker may end: the task waits on something. */
function isBlocked(status: TaskStatus): boolean {
  return status === "sleeping" || status === "waiting" || status === "io" || status === "syscall";
}

/**
 * The kernel: the task table, the task state machine, timers and I/O. Internal; the public face
 * is `Scheduler`. A task's `status`, `mode` and `send` change only here, through a few
 * transitions that check the state they leave: `#enqueue` (the only way into the ready queue),
 * `answer` and `wake` (a syscall's result), `block`, `kill`, `pause`/`resume`, and `#finish`.
 * Wakers only enqueue; only the {@link RunLoop} resumes generators.
 */
export class Kernel implements TimerSource, ContextHost {
  readonly clock: Clock;
  readonly events: KernelEvents;
  readonly tasks = new TaskTable<Task>();
  readonly timers: Timers<Task>;
  readonly io: IoBridge;
  readonly loop: RunLoop;
  /** Custom syscalls pending on something other than the clock (API.md, Order 7). */
  externalSyscalls = 0;
  #live = 0;
  #nextTid = 1;
  /** Unobserved failures and unreported callback errors of the current run, for `run()`. */
  readonly problems = new Problems();

  constructor(
    clock: Clock,
    events: KernelEvents,
    ring: IoRingOptions | undefined,
    policy: SchedulingPolicy | null,
    hostTurnMs: number,
    debug: boolean,
  ) {
    this.clock = clock;
    this.events = events;
    this.timers = new Timers<Task>(
      clock,
      (error) => this.report(error, "a timer callback threw"),
      () => this.loop.poke(),
      (task, ticket) => task.blockedOn === ticket,
    );
    this.loop = new RunLoop(this, policy, hostTurnMs, debug);
    this.io = new IoBridge(this, ring);
  }

  now(): number {
    return this.clock.now();
  }

  get live(): number {
    return this.#live;
  }

  /** Work pending outside the clock: I/O handlers and custom syscalls (API.md, Order 7). */
  get externalPending(): number {
    return this.io.externalPending + this.externalSyscalls;
  }

  // ---- birth -------------------------------------------------------------------------------

  /** Makes a task and queues it. Throws (creating nothing) for a bad target or option. */
  create(target: TaskTarget, options: TaskOptions | undefined, parent: Task | null): Task {
    // Without options a task inherits everything from its parent: no options record is built.
    const o = options === undefined ? null : readTaskOptions(options, target, parent);
    const gen = toGenerator(target);
    const timeLimit = o === null ? undefined : o.timeLimit;
    const now = this.loop.time.stampNow(timeLimit !== undefined);
    const name = o === null ? defaultName(target) : o.name;
    const task = new Task(this.#nextTid++, name, gen, o === null ? (parent?.priority ?? 0) : o.priority, parent);
    claimGenerator(target, gen, task.tid);
    task.native = GeneratorPrototype.isPrototypeOf(gen);
    // A child without a budget of its own shares its parent's: its charges go up the tree, and
    // the budget that runs out is named, with its own limit.
    const limits = o?.budget ?? (parent?.budget != null ? {} : undefined);
    if (limits !== undefined) task.budget = new Budget(limits, parent?.budget ?? null, task.tid, task.name);
    if (o === null ? parent?.scoped === true : o.scoped) task.scoped = true;
    const caps = o === null ? (parent?.caps ?? null) : o.caps;
    if (caps !== null) task.caps = caps;
    const cwd = o === null ? parent?.cwd : o.cwd;
    if (cwd !== undefined) task.cwd = cwd;
    this.tasks.add(task.tid, task);
    this.tasks.setTime(task.tid, Time.Created, now);
    this.#live++;
    parent?.addChild(task);
    if (timeLimit !== undefined) {
      task.timeLimit = this.timers.addDeadline(now + timeLimit, () => {
        task.timeLimit = null;
        this.kill(task, new TimeoutError(`task #${task.tid} "${task.name}" ran out of its time limit of ${timeLimit} ms`, timeLimit, task.tid, task.name));
      });
    }
    this.#enqueue(task);
    this.events.spawned(task, now);
    this.loop.poke();
    return task;
  }

  // ---- transitions -------------------------------------------------------------------------

  /** Into the ready queue (or `paused`, for a paused task): from new, running or blocked. */
  #enqueue(task: Task): void {
    if (task.paused) {
      task.status = "paused";
      this.loop.time.leaveQueue(task);
      return;
    }
    this.loop.time.rejoin(task);
    task.status = "ready";
    this.loop.push(task);
  }

  /** Sets what the task's next resume passes in; a kill under way wins (its resume is `return()`). */
  #setResume(task: Task, ok: boolean, value: unknown): void {
    if (task.mode === Resume.Return) return;
    task.mode = ok ? Resume.Next : Resume.Throw;
    task.send = value;
  }

  /** A syscall completed at once, during the task's slice: its result, for {@link Dispatched.Done}. */
  answer(task: Task, ok: boolean, value: unknown): Dispatched {
    this.#setResume(task, ok, value);
    if (this.loop.traceWake) this.events.woken(task, "running", ok, value);
    return Dispatched.Done;
  }

  /** Running → blocked on `on`, for {@link Dispatched.Blocked}. */
  block(task: Task, status: "sleeping" | "waiting" | "io" | "syscall", on: unknown): Dispatched {
    task.status = status;
    task.blockedOn = on;
    return Dispatched.Blocked;
  }

  /**
   * Blocked → ready with the syscall's result. Only enqueues. A task that is not blocked (woken
   * already, killed, ended) is left alone and `false` returned: no task is ever queued twice.
   */
  wake(task: Task, ok: boolean, value: unknown, onDiscard: ((value: unknown) => void) | null = null): boolean {
    const from = task.status;
    if (!isBlocked(from)) return false;
    task.blockedOn = null;
    this.#setResume(task, ok, value);
    if (onDiscard !== null && task.mode !== Resume.Return) task.onDiscard = onDiscard;
    this.#enqueue(task);
    if (this.loop.traceWake) this.events.woken(task, from, ok, value);
    return true;
  }

  /** After the slice in which a syscall blocked the task: a kill during that slice takes it off again. */
  afterBlock(task: Task): void {
    if (!isBlocked(task.status)) return; // woken during its own slice
    this.loop.time.leaveQueue(task);
    if (task.mode === Resume.Return) {
      this.#unblock(task);
      this.#enqueue(task);
    }
  }

  /** After a slice whose syscall completed at once, or a bare `yield`. */
  requeue(task: Task): void {
    if (task.status === "running") this.#enqueue(task);
  }

  /** The generator is done (returned or threw): record, waiters, children, handle, events. */
  finish(task: Task, threw: boolean, result: unknown): void {
    if (task.gen === null) return;
    // A kill that the generator honoured ends it `killed`; a `finally` that threw replaces the kill.
    const status = threw ? "failed" : task.killError !== null ? "killed" : "exited";
    const value = !threw && task.killError !== null ? task.killError : result;
    task.status = status;
    task.send = value;
    task.gen = null;
    task.blockedOn = null;
    task.onDiscard = null;
    this.#live--;
    if (task.timeLimit !== null) this.timers.cancelDeadline(task.timeLimit);
    task.timeLimit = null;
    this.#releaseChildren(task);
    const parent = task.parentTask;
    if (parent === null) this.tasks.delete(task.tid);
    // The `exit` event comes before its waiters' wake-ups: a listener never sees a task that has
    // ended in the kernel but not yet in the events.
    this.events.exited(task);
    const waiters = task.waiters;
    task.waiters = null;
    if (waiters !== null) {
      for (let w = waiters.shift(); w !== undefined; w = waiters.shift()) {
        if (!(w instanceof Task)) {
          w.ended(task);
          continue;
        }
        task.observed = true;
        if (w === parent) this.release(task);
        this.wake(w, status === "exited", value);
      }
    }
    if (status === "failed" && !task.observed) this.problems.failed(task);
    task.handle?.settle(task);
    task.handle = null;
  }

  /** Children of an ended task: ended ones lose their records; live ones are orphaned (killed first, if it was scoped). */
  #releaseChildren(task: Task): void {
    for (let c = task.firstChild; c !== null; ) {
      const next = c.nextSibling;
      if (c.alive && task.scoped) this.kill(c, new TaskKilledError(c.tid, c.name, `its scope, task #${task.tid} "${task.name}", ended`));
      c.prevSibling = c.nextSibling = null;
      if (c.alive) c.orphan();
      else {
        c.parentTask = null;
        this.tasks.delete(c.tid);
      }
      c = next;
    }
    task.clearChildren();
  }

  /** Frees the exit record of an ended child its parent has collected. */
  release(child: Task): void {
    child.parentTask?.removeChild(child);
    child.parentTask = null;
    this.tasks.delete(child.tid);
  }

  addWaiter(target: Task, waiter: Waiter): void {
    (target.waiters ??= new Deque<Waiter>(4)).push(waiter);
  }

  // ---- signals -----------------------------------------------------------------------------

  /** Starts killing `task` and its live descendants; `false` if it ended or is already dying. */
  kill(task: Task, error: TaskKilledError): boolean {
    if (!task.alive || task.killError !== null) return false;
    task.killError = error;
    if (task.timeLimit !== null) this.timers.cancelDeadline(task.timeLimit);
    task.timeLimit = null;
    const wasPaused = task.paused;
    task.paused = false;
    const discard = task.onDiscard;
    const discarded = task.mode === Resume.Next ? task.send : undefined;
    task.onDiscard = null;
    task.mode = Resume.Return;
    task.send = undefined;
    if (isBlocked(task.status) || (wasPaused && task.status === "paused")) {
      this.#unblock(task);
      this.#enqueue(task);
    }
    // A message handed to the task that it will now never take goes back where it came from.
    if (discard !== null) {
      try {
        discard(discarded);
      } catch (e) {
        this.report(e, `returning the value of killed task #${task.tid} "${task.name}"`);
      }
    }
    this.events.killed(task, error);
    for (let c = task.firstChild; c !== null; c = c.nextSibling) {
      if (c.alive) this.kill(c, new TaskKilledError(c.tid, c.name, `parent #${task.tid} was killed`));
    }
    this.loop.poke();
    return true;
  }

  /** Pauses `task`: it is not scheduled until {@link resume}. `false` if ended, dying or paused. */
  pause(task: Task): boolean {
    if (!task.alive || task.paused || task.killError !== null) return false;
    task.paused = true;
    // Ready: out of the queue now. Running or blocked: the flag parks it when it is next queued.
    if (task.status === "ready" && this.loop.remove(task)) {
      task.status = "paused";
      this.loop.time.leaveQueue(task);
    }
    return true;
  }

  /** Lets a paused task run again; if it was woken meanwhile it is queued now. */
  resume(task: Task): boolean {
    if (!task.alive || !task.paused) return false;
    task.paused = false;
    if (task.status === "paused") this.#enqueue(task);
    this.loop.poke();
    return true;
  }

  /** Takes a blocked task off whatever it waits on. */
  #unblock(task: Task): void {
    switch (task.status) {
      case "sleeping":
        task.blockedOn = null; // gives up its ticket: the heap entry is stale from now on
        this.timers.sleepers.drop();
        break;
      case "waiting": {
        const on = task.blockedOn as { dropWaiter?(): void } | Task;
        if (on instanceof Task) on.waiters?.remove(task);
        else on.dropWaiter?.();
        break;
      }
      case "io":
        this.io.abandon(task);
        break;
      case "syscall":
        (task.blockedOn as { drop(): void }).drop();
        break;
    }
    task.blockedOn = null;
  }

  // ---- timers ------------------------------------------------------------------------------

  addDeadline(at: number, fire: () => void): Deadline {
    const d = this.timers.addDeadline(at, fire);
    this.loop.poke();
    return d;
  }

  cancelDeadline(deadline: Deadline): void {
    this.timers.cancelDeadline(deadline);
  }

  /** A custom syscall completed, maybe from a callback outside the loop. */
  settleSyscall(task: Task, ok: boolean, value: unknown, onDiscard: ((value: unknown) => void) | null = null): void {
    this.wake(task, ok, value, onDiscard);
    this.loop.poke();
  }

  // ---- failures ----------------------------------------------------------------------------

  /** A callback threw: through the `error` event, or kept for `run()` if nobody listens. */
  report(error: unknown, source: string): void {
    if (!this.events.reportError(error, source)) this.problems.error(error);
  }
}
