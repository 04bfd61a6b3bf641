import { EventEmitter } from "eventemitter3";
// The non-secure generator needs no `crypto` import, so the core stays platform-neutral.
import { nanoid } from "nanoid/non-secure";
import { TaskKilledError, checkOptionKeys, describeValue } from "../errors.js";
import type { IoRing } from "../io/io-ring.js";
import type { Completion, IoOp, IoRingOptions } from "../io/types.js";
import type { Syscall } from "../syscalls/syscall.js";
import { RealClock, type Clock, type VirtualClock } from "./clock.js";
import type { KernelEvents, SchedulerEvents } from "./events.js";
import { TaskHandle } from "./handle.js";
import { IoBridge } from "./io-bridge.js";
import { Kernel } from "./kernel.js";
import { killTask, pauseTask, resumeTask } from "./signals.js";
import { deadlockError, describeWait } from "./describe.js";
import type { Task } from "./task.js";
import type { SchedulingPolicy, TaskInfo, TaskOptions, TaskTarget } from "./types.js";

/**
 * Options of a {@link Scheduler}.
 *
 * @example
 * ```ts
 * new Scheduler({ clock: new VirtualClock(), ring: { entries: 16 } });
 * ```
 */
export interface SchedulerOptions {
  /** The scheduler's clock. Default: a {@link RealClock}; use `new VirtualClock()` in tests. */
  clock?: Clock;
  /** Options of the scheduler's own I/O ring (its clock is always the scheduler's). */
  ring?: Omit<IoRingOptions, "clock">;
  /** Real-time ms of busy running after which `run()` gives the host event loop a turn. Default 4. */
  hostTurnMs?: number;
  /**
   * Picks which ready task runs next instead of FIFO: given the number of tasks ready at the
   * highest priority and their tids in FIFO order, return an index in `[0, count)`. `yieldos/testing` has a seeded one for
   * interleaving exploration.
   */
  policy?: SchedulingPolicy;
}

const hostTurn: () => Promise<void> =
  typeof globalThis.setImmediate === "function"
    ? () => new Promise((resolve) => globalThis.setImmediate(resolve))
    : () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * A PyOS-style scheduler: tasks are generators that yield syscalls; a ready queue (FIFO per
 * priority), a sleep heap, per-task wait queues and an I/O ring decide who runs next.
 * It is an eventemitter3 `EventEmitter` of {@link SchedulerEvents}.
 *
 * @example
 * ```ts
 * const sched = new Scheduler();
 * const t = sched.spawn(function* () { yield* sleep(10); return "done"; });
 * await sched.run();
 * await t.done; // "done"
 * ```
 */
export class Scheduler extends EventEmitter<SchedulerEvents> {
  /** A unique id of this scheduler, for logs and traces. */
  readonly id: string = nanoid();
  readonly #k: Kernel;
  readonly #hostClock: Clock;
  readonly #hostTurnMs: number;
  #running = false;
  #listenerErrors: unknown[] = [];

  constructor(options: SchedulerOptions = {}) {
    super();
    if (options === null || typeof options !== "object") {
      throw new TypeError(`Scheduler options must be an object, got ${describeValue(options)}`);
    }
    checkOptionKeys(options, ["clock", "ring", "hostTurnMs", "policy"], "Scheduler");
    const clock = options.clock ?? new RealClock();
    if (typeof clock.now !== "function" || typeof clock.setTimer !== "function" || typeof clock.clearTimer !== "function") {
      throw new TypeError(`options.clock must implement now(), setTimer() and clearTimer(), got ${describeValue(clock)}`);
    }
    const turn = options.hostTurnMs ?? 4;
    if (typeof turn !== "number" || !(turn > 0) || !Number.isFinite(turn)) {
      throw new RangeError(`options.hostTurnMs must be a finite number of ms > 0, got ${describeValue(turn)}`);
    }
    this.#hostTurnMs = turn;
    this.#hostClock = clock instanceof RealClock ? clock : new RealClock();
    this.#k = new Kernel(clock, this.#hooks());
    this.#k.io = new IoBridge(this.#k, options.ring);
    if (options.policy !== undefined) {
      if (typeof options.policy?.pick !== "function") {
        throw new TypeError(`options.policy must have a pick(count) method, got ${describeValue(options.policy)}`);
      }
      this.#k.policy = options.policy;
    }
  }

  /** The scheduler's I/O ring: register handlers for your op types on it. */
  get ring(): IoRing {
    return this.#k.io.ring;
  }

  /** The scheduler's clock. */
  get clock(): Clock {
    return this.#k.clock;
  }

  /**
   * Adds a root task. `target` is a generator object or a generator function called with no
   * arguments; a non-generator throws a `TypeError` here.
   */
  spawn<T>(target: TaskTarget<T>, options?: TaskOptions): TaskHandle<T> {
    const task = this.#k.create(target, options, null);
    this.#k.poke();
    return new TaskHandle<T>(task);
  }

  /**
   * Runs until no task remains. Rejects with the first unobserved failure, or with a
   * `DeadlockError` when tasks remain that can never run again. Throws if already running.
   */
  run(): Promise<void> {
    this.#enter("run");
    return this.#run();
  }

  async #run(): Promise<void> {
    const k = this.#k;
    try {
      for (;;) {
        k.drive(this.#hostClock, this.#hostClock.now() + this.#hostTurnMs);
        if (k.live === 0) break;
        if (k.ready.size > 0) {
          await hostTurn();
          continue;
        }
        if (this.#jumpOrDeadlock()) continue;
        await new Promise<void>((resolve) => {
          k.poke = () => {
            k.poke = () => {};
            resolve();
          };
          k.time.arm(() => k.poke());
        });
      }
      this.#finish();
    } finally {
      k.time.disarm();
      this.#running = false;
    }
  }

  /**
   * Runs until no task remains, synchronously. Throws if finishing would need real time or
   * pending I/O (a `VirtualClock` is jumped as `run()` would), and as `run()` rejects.
   */
  runSync(): void {
    this.#enter("runSync");
    const k = this.#k;
    try {
      for (;;) {
        k.drive(null, Infinity);
        if (k.live === 0) break;
        if (this.#jumpOrDeadlock()) continue;
        const blocked = [...k.tasks.values()].filter((t) => t.alive).map((t) => `#${t.tid} "${t.name}" (${describeWait(k, t)})`);
        throw new Error(`runSync() cannot finish without waiting for real time or pending I/O: ${blocked.join(", ")}; use await sched.run() instead`);
      }
      this.#finish();
    } finally {
      this.#running = false;
    }
  }

  /** The scheduler clock's time. */
  now(): number {
    return this.#k.clock.now();
  }

  /** The live tasks, in tid order. */
  ps(): TaskInfo[] {
    const out: TaskInfo[] = [];
    const now = this.#k.timingNow;
    for (const t of this.#k.tasks.values()) if (t.alive) out.push(t.info(describeWait(this.#k, t), now, this.#k.tasks));
    return out;
  }

  /** Kills task `tid` and its live descendants; `true` if it was alive. See the `Kill` syscall. */
  kill(tid: number, reason?: unknown): boolean {
    if (typeof tid !== "number" || !Number.isInteger(tid)) {
      throw new TypeError(`kill(tid) expects an integer tid, got ${describeValue(tid)}`);
    }
    const task = this.#k.tasks.get(tid);
    if (task === undefined) return false;
    const killed = killTask(this.#k, task, new TaskKilledError(task.tid, task.name, reason));
    this.#k.poke();
    return killed;
  }

  /** Pauses task `tid`: it is not scheduled until `resume(tid)`. See the `Pause` syscall. */
  pause(tid: number): boolean {
    return this.#signal(tid, "pause");
  }

  /** Resumes a paused task. See the `Resume` syscall. */
  resume(tid: number): boolean {
    return this.#signal(tid, "resume");
  }

  #signal(tid: number, action: "pause" | "resume"): boolean {
    if (typeof tid !== "number" || !Number.isInteger(tid)) {
      throw new TypeError(`${action}(tid) expects an integer tid, got ${describeValue(tid)}`);
    }
    const task = this.#k.tasks.get(tid);
    if (task === undefined) return false;
    const done = action === "pause" ? pauseTask(this.#k, task) : resumeTask(this.#k, task);
    this.#k.poke();
    return done;
  }

  #enter(method: string): void {
    if (this.#running) {
      throw new Error(`Scheduler.${method}() called while the scheduler is already running: await the running call instead`);
    }
    this.#running = true;
  }

  /** Idle: jump a virtual clock to the next deadline, or detect a deadlock. Returns whether to loop. */
  #jumpOrDeadlock(): boolean {
    const k = this.#k;
    if (k.externalPending > 0) return false;
    const next = k.time.next();
    if (next === Infinity) throw deadlockError(k);
    if (!k.virtual) return false;
    (k.clock as VirtualClock).advanceTo(next);
    return true;
  }

  #finish(): void {
    const failures = this.#k.failures.filter((t) => !t.observed);
    this.#k.failures.length = 0;
    const errors = this.#listenerErrors;
    this.#listenerErrors = [];
    if (failures.length > 0) {
      for (const t of failures.slice(1)) this.#report(t.result, `unobserved failure of task #${t.tid} "${t.name}"`);
      throw failures[0].result;
    }
    if (errors.length > 0) throw errors[0];
  }

  #emit<E extends keyof SchedulerEvents>(event: E, ...args: Parameters<SchedulerEvents[E]>): void {
    try {
      (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
    } catch (error) {
      this.#report(error, `a "${event}" listener threw`);
    }
  }

  /** Reports through the `error` event; with no `error` listener, `run()` rejects with it. */
  #report(error: unknown, source: string): void {
    if (this.listenerCount("error") === 0) {
      this.#listenerErrors.push(error);
      return;
    }
    try {
      this.emit("error", error, source);
    } catch {
      // An `error` listener that throws has nowhere left to report to.
    }
  }

  #hooks(): KernelEvents {
    // eventemitter3 keeps a count of events with listeners: with none at all, skip the lookup.
    const emitter = this as unknown as { _eventsCount: number };
    const has = (e: keyof SchedulerEvents) => emitter._eventsCount !== 0 && this.listenerCount(e) > 0;
    const now = () => this.#k.clock.now();
    return {
      spawned: (t: Task, time: number) => {
        if (has("spawn")) this.#emit("spawn", t.tid, { tid: t.tid, name: t.name, parent: t.parent, priority: t.priority, time });
      },
      exited: (t: Task) => {
        if (has("exit")) this.#emit("exit", t.tid, { tid: t.tid, name: t.name, status: t.status as "exited", result: t.result, time: now() });
      },
      killed: (t: Task, reason: Error) => {
        if (has("kill")) this.#emit("kill", t.tid, reason, now());
      },
      running: (t: Task) => this.#emit("run", t.tid, now()),
      woken: (t: Task, ok: boolean, value: unknown) => this.#emit("wake", t.tid, { from: t.status, ok, value, time: now() }),
      wants: (e: "run" | "wake") => has(e),
      syscall: (t: Task, s: Syscall<unknown>) => {
        if (has("syscall")) this.#emit("syscall", t.tid, s, now());
      },
      ioSubmitted: (t: Task, seq: number, op: IoOp) => {
        if (has("io:submit")) this.#emit("io:submit", t.tid, { tid: t.tid, seq, op, time: now() });
      },
      ioCompleted: (t: Task, c: Completion) => {
        if (has("io:complete")) this.#emit("io:complete", t.tid, c);
      },
      reportError: (error: unknown, source: string) => this.#report(error, source),
    };
  }
}
