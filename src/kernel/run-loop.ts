import { describeValue } from "../checks.js";
import { DeadlockError } from "../errors.js";
import { RealClock, isVirtualClock, type Clock, type VirtualClock } from "../time/clock.js";
import { built, type Syscall } from "../syscalls/syscall.js";
import { dispatch } from "./dispatch.js";
import { Dispatched } from "./dispatched.js";
import type { Kernel } from "./kernel.js";
import { describeStuck, describeWait } from "./describe.js";
import { RunQueue } from "./run-queue.js";
import { Resume, type Task } from "./task.js";
import { forgottenSyscall } from "./forgotten.js";
import { SliceClock } from "./slice-clock.js";
import { badYield, badResult, nativeNext, asSyscall } from "./target.js";
import type { SchedulingPolicy } from "./types.js";

/**
 * On a virtual clock, host turns come after this many slices (a pass or a clock jump counts as
 * `PASS_WEIGHT`), not after real time: the points where ops settled by promises are delivered are
 * then the same on every run and every machine.
 */
const VIRTUAL_TURN = 4096;
const PASS_WEIGHT = 16;

const noop = (): void => {};

const hostTurn: () => Promise<void> =
  typeof globalThis.setImmediate === "function"
    ? () => new Promise((resolve) => globalThis.setImmediate(resolve))
    : () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * THE RUN LOOP, inner and outer. `#drive` runs passes: each fires due timers, flushes and reaps
 * I/O, then runs the batch of tasks that were ready when the pass began (tasks readied during a
 * pass run in the next one). `run`/`runSync` are two thin drivers of `#serve`: host turns, idle
 * waits, virtual-clock jumps, deadlock detection and the run's failures. Only this class resumes
 * generators, and it refuses re-entry.
 */
export class RunLoop {
  readonly #k: Kernel;
  readonly #policy: SchedulingPolicy | null;
  readonly #readyTids: number[] = [];
  readonly #virtual: VirtualClock | null;
  readonly #hostClock: Clock;
  readonly #hostTurnMs: number;
  /** Ready for the next pass, and the batch of the pass under way (swapped each pass). */
  #ready = new RunQueue<Task>();
  #batch = new RunQueue<Task>();
  #running = false;
  #stop = false;
  #turnAt = 0;
  #sinceTurn = 0;
  /** Whether anyone listens to slice starts / wake-ups; refreshed once per pass. */
  traceRun = false;
  traceWake = false;
  /** Sampling of running time, and the timing columns of `ps()`. */
  readonly time: SliceClock;
  #poke: () => void = noop;
  /** Debug mode: the syscalls built during the slice under way (see {@link built}). */
  readonly #built: Syscall<unknown>[] | null;

  constructor(k: Kernel, policy: SchedulingPolicy | null, hostTurnMs: number, debug: boolean) {
    this.#k = k;
    this.#built = debug ? [] : null;
    this.#policy = policy;
    this.#virtual = isVirtualClock(k.clock) ? (k.clock as VirtualClock) : null;
    this.#hostClock = k.clock instanceof RealClock ? k.clock : new RealClock();
    this.#hostTurnMs = hostTurnMs;
    this.time = new SliceClock(k, this.#virtual !== null);
  }

  get virtual(): boolean {
    return this.#virtual !== null;
  }

  get readyCount(): number {
    return this.#ready.size + this.#batch.size;
  }

  /** Wakes the loop if it waits idle (called by wakers outside it). */
  poke(): void {
    this.#poke();
  }

  push(task: Task): void {
    this.#ready.push(task);
  }

  /** Takes a ready task out of whichever queue holds it. */
  remove(task: Task): boolean {
    return this.#ready.remove(task) || this.#batch.remove(task);
  }

  // ---- the inner loop ----------------------------------------------------------------------

  /** Runs passes until nothing is ready, a host turn is due, or `stop()` was called. */
  #drive(): void {
    if (this.time.driving) throw new Error("the scheduler loop is already running: run() and runSync() cannot be re-entered from a task or listener");
    const k = this.#k;
    const time = this.time;
    time.driving = true;
    try {
      time.sample();
      for (;;) {
        this.traceRun = k.events.wants("run");
        this.traceWake = k.events.wants("wake");
        k.timers.fireDue(time.lastNow, this.#wakeSleeper);
        k.io.flush();
        if (this.#ready.size === 0 || this.#stop) return;
        const batch = this.#ready;
        this.#ready = this.#batch;
        this.#batch = batch;
        const slices = batch.size;
        if (this.#policy !== null) {
          // A policy chooses among every ready task, those readied during the pass too (the
          // batch first, then the rest, in FIFO order), so it can run a task again before the
          // others (PCT, bounded search); the pass still runs as many slices as began it.
          for (let n = slices; n > 0; n--) {
            this.#ready.prepend(batch);
            if (this.#ready.size === 0) break;
            this.#step(this.#pick(this.#policy, this.#ready));
          }
        }
        while (batch.size > 0) {
          this.#step(batch.shift()!);
          // A task of higher priority became ready: it runs first (Order 2), so the pass ends here
          // and the rest of the batch goes back ahead of the tasks of its priority readied since.
          if (this.#ready.size > 0 && this.#ready.topPriority > batch.topPriority) {
            this.#ready.prepend(batch);
            break;
          }
        }
        k.io.flush();
        // At most one clock read per pass (on the default real clock, also the host's): it closes
        // this pass's running time and is the next pass's time; skipped when nothing needs it.
        time.passEnd(k.timers.sleepers.size + k.timers.deadlines.size > 0, this.traceRun || this.traceWake);
        if (this.#turnDue(slices)) return;
      }
    } finally {
      time.driving = false;
      if (time.unshared) time.sample();
    }
  }

  #turnDue(slices: number): boolean {
    if (this.#virtual === null) return (this.#hostClock === this.#k.clock ? this.time.lastNow : this.#hostClock.now()) >= this.#turnAt;
    this.#sinceTurn += slices + PASS_WEIGHT;
    return this.#sinceTurn >= VIRTUAL_TURN;
  }

  #pick(policy: SchedulingPolicy, batch: RunQueue<Task>): Task {
    const count = batch.topCount();
    const k = policy.pick(count, batch.topTids(this.#readyTids));
    if (!Number.isInteger(k) || k < 0 || k >= count) {
      // A broken policy is reported, and this pick falls back to FIFO: the loop goes on.
      const error = new RangeError(`scheduling policy pick(${count}) returned ${describeValue(k)}: return an integer in [0, ${count})`);
      this.#k.report(error, "the scheduling policy");
      return batch.shift()!;
    }
    return batch.takeAt(k)!;
  }

  readonly #wakeSleeper = (task: Task): void => {
    this.#k.wake(task, true, undefined);
  };

  /** Runs one slice of `task`: resume it, then act on what it yielded. */
  #step(task: Task): void {
    const k = this.#k;
    const gen = task.gen!;
    task.status = "running";
    this.time.started(task);
    if (this.traceRun) k.events.running(task);
    if (this.#built !== null) {
      this.#built.length = 0;
      built.list = this.#built;
    }
    let r: IteratorResult<unknown, unknown>;
    try {
      const mode = task.mode;
      const send = task.send;
      task.send = undefined;
      task.mode = Resume.Next;
      if (send !== undefined) task.onDiscard = null;
      r =
        mode !== Resume.Next
          ? mode === Resume.Throw
            ? gen.throw(send)
            : gen.return(undefined)
          : task.native
            ? nativeNext.call(gen, send)
            : gen.next(send);
    } catch (error) {
      this.time.sliceDone(task);
      return k.finish(task, true, error);
    } finally {
      if (this.#built !== null) built.list = null;
    }
    this.time.sliceDone(task);
    if (this.#built !== null) {
      const lost = forgottenSyscall(task, this.#built, r);
      if (lost !== null) {
        if (r.done === true) k.report(lost, `task #${task.tid} "${task.name}"`);
        else {
          k.answer(task, false, lost);
          return k.requeue(task);
        }
      }
    }
    // A native generator's results are plain objects; a hand-written iterator's may be anything.
    if (!task.native && (r === null || typeof r !== "object")) {
      k.answer(task, false, badResult(task, r));
      return k.requeue(task);
    }
    if (r.done === true) return k.finish(task, false, r.value);
    const value = r.value;
    if (value === undefined) return k.requeue(task);
    const syscall = asSyscall(value, r);
    if (syscall === null) {
      k.answer(task, false, badYield(task, value));
      return k.requeue(task);
    }
    let outcome: Dispatched;
    try {
      outcome = dispatch(k, task, syscall);
    } catch (error) {
      // A syscall whose fields throw (a hostile subclass): fail it in the task, not the loop.
      if (task.status !== "running") return k.report(error, `dispatching a syscall of task #${task.tid} "${task.name}"`);
      outcome = k.answer(task, false, error);
    }
    if (outcome === Dispatched.Done) k.requeue(task);
    else k.afterBlock(task);
  }

  // ---- the outer loop ----------------------------------------------------------------------

  /** `run()`: serves until no task remains (or, with `keepAlive`, until `stop()`). */
  run(keepAlive: boolean): Promise<void> {
    this.#enter("run");
    return this.#serve(keepAlive);
  }

  async #serve(keepAlive: boolean): Promise<void> {
    let deadlock: DeadlockError | null = null;
    try {
      for (;;) {
        this.#turnAt = this.#hostClock.now() + this.#hostTurnMs;
        this.#drive();
        if (this.#stop || (this.#k.live === 0 && !keepAlive)) break;
        if (this.#ready.size > 0 || this.#sinceTurn >= VIRTUAL_TURN) {
          this.#sinceTurn = 0;
          await hostTurn();
          continue;
        }
        const idle = this.#idle(keepAlive);
        if (idle === "jumped") continue;
        if (idle instanceof DeadlockError) {
          deadlock = idle;
          break;
        }
        await new Promise<void>((resolve) => {
          this.#poke = () => {
            this.#poke = noop;
            resolve();
          };
          this.#k.timers.arm();
        });
      }
    } finally {
      this.#k.timers.disarm();
      this.#leave();
    }
    this.#settleRun(deadlock);
  }

  /** `runSync()`: the same loop, with no waiting; throws where it would wait. */
  runSync(): void {
    this.#enter("runSync");
    let deadlock: DeadlockError | null = null;
    try {
      for (;;) {
        this.#turnAt = Infinity;
        this.#drive();
        if (this.#stop || this.#k.live === 0) break;
        if (this.#ready.size > 0) continue;
        const idle = this.#idle(false);
        if (idle === "jumped") continue;
        if (idle instanceof DeadlockError) {
          deadlock = idle;
          break;
        }
        const blocked = [...this.#k.tasks.values()].filter((t) => t.alive).map((t) => `#${t.tid} "${t.name}" (${describeWait(this.#k, t)})`);
        throw new Error(`runSync() cannot finish without waiting for real time or pending I/O: ${blocked.join(", ")}; use await sched.run() instead`);
      }
    } finally {
      this.#leave();
    }
    this.#settleRun(deadlock);
  }

  /** Makes a running `run()` return after the pass under way; tasks left stay for a later run. */
  stop(): void {
    if (!this.#running) return;
    this.#stop = true;
    this.#poke();
  }

  /** Nothing is ready: jump a virtual clock, detect a deadlock, or say the loop must wait. */
  #idle(keepAlive: boolean): "jumped" | "wait" | DeadlockError {
    const k = this.#k;
    if (k.externalPending > 0) return "wait";
    const next = k.timers.next();
    if (next === Infinity) return keepAlive ? "wait" : new DeadlockError(describeStuck(k));
    if (this.#virtual === null) return "wait";
    this.#virtual.advanceTo(next);
    this.#sinceTurn += PASS_WEIGHT;
    return "jumped";
  }

  #enter(method: string): void {
    if (this.#running) {
      throw new Error(`Scheduler.${method}() called while the scheduler is already running: await the running call instead`);
    }
    this.#running = true;
    this.#stop = false;
  }

  #leave(): void {
    this.#running = false;
    this.#stop = false;
    this.#poke = noop;
  }

  /** Rejects with every unobserved failure of the run: one as itself, several as an `AggregateError` (a deadlock last). */
  #settleRun(deadlock: DeadlockError | null): void {
    const errors = this.#k.problems.take();
    if (deadlock !== null) errors.push(deadlock);
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      throw new AggregateError(errors, `${errors.length} failures in this run (unobserved task failures and callback errors${deadlock === null ? "" : ", then a deadlock"}): see .errors`);
    }
  }
}
