import { EventEmitter } from "eventemitter3";
// The non-secure generator needs no `crypto` import, so the core stays platform-neutral.
import { nanoid } from "nanoid/non-secure";
import { checkOptionKeys, describeValue } from "../checks.js";
import { TaskKilledError } from "../errors.js";
import type { CapabilitySpec } from "../caps/cap-spec.js";
import type { IoRing } from "../io/io-ring.js";
import type { IoRingOptions } from "../io/types.js";
import { RealClock, checkClock, type Clock } from "../time/clock.js";
import { describeWait } from "./describe.js";
import type { SchedulerEvents } from "./events.js";
import { TaskHandle } from "./handle.js";
import { Kernel } from "./kernel.js";
import { revokeFrom } from "../syscalls/revoke.js";
import { kernelEvents } from "./scheduler-events.js";
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
  /**
   * Debug mode: a syscall a task builds but never yields (`sleep(10);` without `yield*`) throws a
   * `TypeError` into the task at its next yield, instead of silently doing nothing. Costs a little
   * per syscall; meant for development and tests.
   */
  debug?: boolean;
}

/**
 * Options of {@link Scheduler.run}.
 *
 * @example
 * ```ts
 * const serving = sched.run({ keepAlive: true }); // a server: spawn tasks at any time
 * sched.stop();
 * await serving;
 * ```
 */
export interface RunOptions {
  /** Keep serving when no task is left, until {@link Scheduler.stop}; no deadlock is reported while serving. */
  keepAlive?: boolean;
}

export class Scheduler extends EventEmitter<SchedulerEvents> {
  /** A unique id of this scheduler, for logs and traces. */
  readonly id: string = nanoid();
  readonly #k: Kernel;

  /**
   * A scheduler kept, idle and never run, for as long as the class exists: the first one
   * constructed makes it (not the import). V8 frees the hidden classes of the kernel's and its
   * ring's objects once their last instance dies, and drops the code optimized for them, the ring
   * code that a standalone `IoRing` shares included; the next ones then ran 6x slower (bench W6
   * after W5: 2.0 instead of 12.7 M nop ops/s). One live instance keeps that code valid.
   */
  static #keepShapesAlive: Scheduler | null = null;
  static #makingIdle = false;

  constructor(options: SchedulerOptions = {}) {
    super();
    if (options === null || typeof options !== "object") {
      throw new TypeError(`Scheduler options must be an object, got ${describeValue(options)}`);
    }
    checkOptionKeys(options, ["clock", "ring", "hostTurnMs", "policy", "debug"], "Scheduler");
    if (options.debug !== undefined && typeof options.debug !== "boolean") {
      throw new TypeError(`options.debug must be a boolean, got ${describeValue(options.debug)}`);
    }
    const clock = options.clock === undefined ? new RealClock() : checkClock(options.clock, "options.clock");
    const turn = options.hostTurnMs ?? 4;
    if (typeof turn !== "number" || !(turn > 0) || !Number.isFinite(turn)) {
      throw new RangeError(`options.hostTurnMs must be a finite number of ms > 0, got ${describeValue(turn)}`);
    }
    const policy = options.policy ?? null;
    if (policy !== null && typeof policy?.pick !== "function") {
      throw new TypeError(`options.policy must have a pick(count, ready) method, got ${describeValue(options.policy)}`);
    }
    this.#k = new Kernel(clock, kernelEvents(this, () => this.#k), options.ring, policy, turn, options.debug === true);
    if (Scheduler.#keepShapesAlive === null && !Scheduler.#makingIdle) {
      Scheduler.#makingIdle = true;
      Scheduler.#keepShapesAlive = new Scheduler({ ring: { entries: 1 } });
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
    return new TaskHandle<T>(this.#k.create(target, options, null));
  }

  /**
   * Runs until no task remains. Rejects with every unobserved failure of the run (one as itself,
   * several as an `AggregateError`, a `DeadlockError` last when tasks remain that can never run
   * again). Throws if already running. With `keepAlive`, serves until {@link Scheduler.stop}.
   */
  run(options?: RunOptions): Promise<void> {
    if (options !== undefined) {
      if (options === null || typeof options !== "object") throw new TypeError(`run options must be an object like { keepAlive: true }, got ${describeValue(options)}`);
      checkOptionKeys(options, ["keepAlive"], "run");
    }
    return this.#k.loop.run(options?.keepAlive === true);
  }

  /**
   * Runs until no task remains, synchronously. Throws if finishing would need real time or
   * pending I/O (a `VirtualClock` is jumped as `run()` would), and as `run()` rejects.
   */
  runSync(): void {
    this.#k.loop.runSync();
  }

  /**
   * Makes a running `run()` resolve after the pass under way. Tasks left alive stay, for a later
   * `run()`. Does nothing when not running.
   */
  stop(): void {
    this.#k.loop.stop();
  }

  /** The scheduler clock's time. */
  now(): number {
    return this.#k.clock.now();
  }

  /** The live tasks, in tid order. */
  ps(): TaskInfo[] {
    const k = this.#k;
    const out: TaskInfo[] = [];
    const now = k.loop.time.timingNow;
    for (const t of k.tasks.values()) if (t.alive) out.push(t.info(describeWait(k, t), now, k.tasks));
    return out;
  }

  /** Kills task `tid` and its live descendants; `true` if it was alive. See the `Kill` syscall. */
  kill(tid: number, reason?: unknown): boolean {
    const task = this.#task(tid, "kill");
    return task !== undefined && this.#k.kill(task, new TaskKilledError(task.tid, task.name, reason));
  }

  /** Pauses task `tid`: it is not scheduled until `resume(tid)`. See the `Pause` syscall. */
  pause(tid: number): boolean {
    const task = this.#task(tid, "pause");
    return task !== undefined && this.#k.pause(task);
  }

  /** Resumes a paused task. See the `Resume` syscall. */
  resume(tid: number): boolean {
    const task = this.#task(tid, "resume");
    return task !== undefined && this.#k.resume(task);
  }

  /**
   * Removes capability `cap` from task `tid` and its live descendants; their ops in flight that it
   * no longer allows are cancelled. `true` if the task was alive. See the `Revoke` syscall.
   *
   * @example
   * ```ts
   * sched.revoke(agent.tid, "llm");
   * ```
   */
  revoke(tid: number, cap: CapabilitySpec): boolean {
    return revokeFrom(this.#k, this.#task(tid, "revoke"), cap);
  }

  #task(tid: unknown, action: string): Task | undefined {
    if (typeof tid !== "number" || !Number.isInteger(tid)) {
      throw new TypeError(`${action}(tid) expects an integer tid, got ${describeValue(tid)}`);
    }
    return this.#k.tasks.get(tid);
  }
}
