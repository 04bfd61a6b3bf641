import type { Scheduler } from "../kernel/scheduler.js";
import type { SyscallContext } from "../syscalls/syscall.js";
import { TimeoutError } from "../errors.js";
import { decode, decodeError, encode, encodeError } from "./codec.js";
import { NonDeterminismError } from "./errors.js";
import type { Outcome } from "./outcome.js";
import type { JournalEntry, WorkflowState } from "./store.js";

/** What a run needs from its engine. */
export interface RunHost {
  readonly sched: Scheduler;
  /** Journals `outcome` in the next group commit, then hands it to {@link WorkflowRun.deliver}. */
  collect(run: WorkflowRun, outcome: Outcome): void;
  /** Wall-clock ms: `Date.now()`, or the scheduler's time on a virtual clock. */
  wallNow(): number;
  /** A failure with nowhere else to go (a trace listener that threw): `engine.errors`. */
  report(error: unknown): void;
  /** Set when the engine has an `onIdle` hook: every task of `run` is blocked (see {@link WorkflowRun.idle}). */
  maybeIdle: ((run: WorkflowRun) => void) | null;
}

interface SignalWaiter {
  step: number;
  ctx: SyscallContext<unknown>;
  cancelTimer: (() => void) | null;
}

/**
 * The live state of one workflow run in an engine: its step count, the syscalls waiting for an
 * outcome, what is left of its journal to replay, its signal mailbox and its tasks.
 */
export class WorkflowRun {
  /** Steps taken: yields of the workflow's own code, across all its tasks. */
  counter = 0;
  nextSeq = 0;
  /** Set when no more of the workflow's code may run (it finished, failed the replay, or the engine closed). */
  halted = false;
  rootTid = 0;
  readonly tids = new Set<number>();
  state: WorkflowState = "running";
  /** Steps replayed from the journal (for status and traces). */
  replayedSteps = 0;
  /** Set when the engine stopped running it without an end (`abandon`, a lost lease): nothing of it is written any more. */
  abandoned = false;
  /** Outcomes collected for the group commit and not yet delivered (or dropped). */
  uncommitted = 0;
  /** Inbox items (by seq) handed to this run, so a refresh never hands one over twice. */
  readonly inboxSeen = new Set<number>();
  // Idleness: live drive tasks, how many of them block on a durable wait (a sleep, a
  // waitSignal) or on the workflow's own tasks (wait, join, channels), and the timers armed.
  tasks = 0;
  /** Children forked whose drive has not started yet (one killed before it started stays counted: direct replay is then off). */
  unstarted = 0;
  blocked = 0;
  durable = 0;
  readonly #armed = new Map<number, number>();

  readonly #pending = new Map<number, SyscallContext<unknown>>();
  readonly #early = new Map<number, JournalEntry>();
  readonly #mailbox = new Map<string, string[]>();
  readonly #waiters = new Map<string, SignalWaiter[]>();
  readonly #limits = new Map<number, { tid: number; ms: number }>();

  // Replay: deliveries in journal order, records by step, and outcomes held until it ends.
  readonly #deliveries: JournalEntry[] = [];
  #next = 0;
  // By step: arrays, not a Map and a Set (steps are dense from 0; 1 M entries load ~3x faster).
  readonly #stepKinds: (string | undefined)[] = [];
  readonly #delivered: (true | undefined)[] = [];
  readonly #deadlines = new Map<number, number>();
  readonly #patches = new Set<string>();
  readonly #decidedPatches = new Map<string, boolean>();
  #held: Outcome[] = [];
  replaying: boolean;

  readonly result: Promise<unknown>;
  resolve!: (value: unknown) => void;
  reject!: (error: unknown) => void;

  constructor(
    readonly host: RunHost,
    readonly id: string,
    readonly runId: string,
    readonly name: string,
    journal: readonly JournalEntry[] = [],
  ) {
    this.result = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    this.result.catch(() => {});
    for (const e of journal) {
      this.nextSeq = e.seq + 1;
      if (e.kind === "patch") this.#patches.add(decode(e.value) as string);
      if (e.step >= 0) this.#stepKinds[e.step] = e.kind;
      if (e.at < 0) {
        if (e.kind !== "patch") this.#deadlines.set(e.step, decode(e.value) as number);
      } else {
        this.#deliveries.push(e);
        if (e.step >= 0) this.#delivered[e.step] = true;
      }
    }
    this.replaying = this.#deliveries.length > 0;
  }

  /** The journaled kind of step `step` while replaying, if the journal holds one. */
  journaledKind(step: number): string | undefined {
    return this.replaying ? this.#stepKinds[step] : undefined;
  }

  /** Whether the journal already holds the outcome of `step` (so its op must not run again). */
  hasOutcome(step: number): boolean {
    return this.#delivered[step] === true;
  }

  /** The deadline journaled for a timer started at `step`, or a new one (journaled now). */
  deadline(step: number, kind: string, ms: number): number {
    const old = this.#deadlines.get(step);
    if (old !== undefined) return old;
    const at = this.host.wallNow() + ms;
    this.#deadlines.set(step, at);
    this.host.collect(this, { step, kind, ok: true, value: encode(at, "a deadline"), record: true });
    return at;
  }

  /** An outcome arrived from outside: journal it now, or hold it until the replay ends. */
  arrive(outcome: Outcome): void {
    if (this.halted) return;
    if (this.replaying) this.#held.push(outcome);
    else this.host.collect(this, outcome);
  }

  /** A value from outside for `step`: encoded here, so a value JSON cannot carry fails that step. */
  arriveValue(step: number, kind: string, ok: boolean, value: unknown): void {
    let text: string;
    try {
      text = ok ? encode(value, () => `the result of step ${step} (${kind}) of workflow "${this.id}"`) : encodeError(value);
    } catch (error) {
      ok = false;
      text = encodeError(error);
    }
    this.arrive({ step, kind, ok, value: text });
  }

  /** `ctx` waits for the outcome of `step`; it may be here already. */
  pend(step: number, ctx: SyscallContext<unknown>): void {
    const early = this.#early.get(step);
    if (early !== undefined) {
      this.#early.delete(step);
      this.#settle(ctx, early);
    } else this.#pending.set(step, ctx);
  }

  /** `patched(id)`: see {@link Patched}. Takes no step. */
  patched(id: string): boolean {
    let answer = this.#decidedPatches.get(id);
    if (answer !== undefined) return answer;
    answer = this.#patches.has(id) || !this.replaying;
    if (answer && !this.#patches.has(id)) {
      this.#patches.add(id);
      this.host.collect(this, { step: -1, kind: "patch", ok: true, value: encode(id, "a patch id"), record: true });
    }
    this.#decidedPatches.set(id, answer);
    return answer;
  }

  waitSignal(step: number, name: string, timeout: number | undefined, ctx: SyscallContext<unknown>): void {
    const box = this.#mailbox.get(name);
    if (box !== undefined && box.length > 0) return ctx.resume(decode(box.shift()!));
    const waiter: SignalWaiter = { step, ctx, cancelTimer: null };
    let list = this.#waiters.get(name);
    if (list === undefined) this.#waiters.set(name, (list = []));
    list.push(waiter);
    if (timeout === undefined) return;
    const at = this.deadline(step, "waitSignal", timeout);
    if (this.#delivered[step] !== true) {
      this.#armed.set(step, at);
      waiter.cancelTimer = ctx.after(Math.max(0, at - this.host.wallNow()), () => this.arrive({ step, kind: "waitSignal", ok: true, value: "" }));
    }
  }

  sleep(step: number, ms: number, ctx: SyscallContext<unknown>): void {
    this.pend(step, ctx);
    const at = this.deadline(step, "sleep", ms);
    if (this.#delivered[step] !== true) {
      this.#armed.set(step, at);
      ctx.after(Math.max(0, at - this.host.wallNow()), () => this.arrive({ step, kind: "sleep", ok: true, value: "" }));
    }
  }

  /** A task of the run blocks on a durable wait (`durable`) or on the workflow's own tasks. */
  block(durable: boolean): void {
    this.blocked++;
    if (durable) this.durable++;
    if (this.blocked === this.tasks) this.host.maybeIdle?.(this);
  }

  /** The task that blocked at `step` goes on (or was killed). */
  unblock(durable: boolean, step: number): void {
    this.blocked--;
    if (durable) {
      this.durable--;
      this.#armed.delete(step);
    }
  }

  /** A drive task ended: the others may all be blocked now. */
  taskEnded(): void {
    this.tasks--;
    if (this.tasks > 0 && this.blocked === this.tasks) this.host.maybeIdle?.(this);
  }

  /**
   * Whether the run is idle, asked when none of the scheduler's tasks is ready: live, not
   * replaying, nothing collected and uncommitted, every task blocked, one at least on a durable wait.
   */
  idle(): boolean {
    return !this.halted && !this.replaying && this.uncommitted === 0 && this.durable > 0 && this.blocked === this.tasks;
  }

  /** The earliest deadline of the run's armed durable timers (sleeps, signal timeouts, child time limits), or `null`. */
  wakeAt(): number | null {
    let at = Infinity;
    for (const t of this.#armed.values()) if (t < at) at = t;
    for (const step of this.#limits.keys()) {
      const t = this.#deadlines.get(step);
      if (t !== undefined && t < at) at = t;
    }
    return at === Infinity ? null : at;
  }

  /** Outcomes held during the replay, taken out (the run is being abandoned). */
  takeHeld(): Outcome[] {
    const held = this.#held;
    this.#held = [];
    return held;
  }

  /** A child forked at `step` with a time limit of `ms`: its deadline is journaled. */
  limit(step: number, tid: number, ms: number): void {
    this.#limits.set(step, { tid, ms });
    this.deadline(step, "Fork", ms);
  }

  deadlineOf(step: number): number {
    return this.#deadlines.get(step) ?? this.host.wallNow();
  }

  /**
   * Replay: hands over the journal's outcomes that arrived at the current step count. Returns
   * whether one was a cancel (the caller must then yield, so the kill lands before more code runs).
   */
  deliverDue(): boolean {
    let cancelled = false;
    const list = this.#deliveries;
    while (this.#next < list.length && list[this.#next].at <= this.counter) {
      const e = list[this.#next++];
      if (e.at < this.counter) {
        this.fail(new NonDeterminismError(this.id, this.counter, `${describeEntry(e)} arriving at step ${e.at}`, `step ${this.counter} before it arrived`));
        return false;
      }
      this.replayedSteps = this.counter;
      if (e.kind === "cancel") cancelled = true;
      this.deliver(e);
    }
    if (this.#next === list.length && this.replaying) this.#goLive();
    return cancelled;
  }

  /**
   * Direct replay: takes the next step, of `kind`, with its journaled outcome, when the workflow
   * has no other task, and that outcome is the next delivery and arrived right after the step
   * with no other outcome at that count; else takes nothing and returns `null`. The task then
   * goes on at once, without blocking and waiting for the replay pump. That is exact: live, the
   * outcome reached the workflow when its one task blocked on it, and nothing else of the
   * workflow ran in between. With other tasks (even ones that take no more steps but run code
   * before they end) the order of their code depends on the scheduler, so the pump delivers.
   */
  takeDirect(kind: string): JournalEntry | null {
    const list = this.#deliveries;
    const i = this.#next;
    const e = list[i];
    const s = this.counter;
    const c = s + 1;
    if (this.tasks !== 1 || this.unstarted !== 0) return null;
    if (e === undefined || e.step !== s || e.at !== c || e.kind !== kind || (i + 1 < list.length && list[i + 1].at === c)) return null;
    this.counter = c;
    this.#next = i + 1;
    this.replayedSteps = c;
    if (i + 1 === list.length) this.#goLive();
    return e;
  }

  /** Replay, called when none of the workflow's tasks can run: deliver what is due, or fail. */
  deliverQuiescent(): void {
    if (!this.replaying || this.halted) return;
    const head = this.#deliveries[this.#next];
    if (head.at > this.counter) {
      this.fail(
        new NonDeterminismError(this.id, this.counter, `${describeEntry(head)} arriving at step ${head.at}`, `nothing more: all its tasks block at step ${this.counter}`),
      );
      return;
    }
    this.deliverDue();
  }

  #goLive(): void {
    this.replaying = false;
    const held = this.#held;
    this.#held = [];
    for (const o of held) this.host.collect(this, o);
    this.host.maybeIdle?.(this);
  }

  /** Hands a journaled outcome to the workflow (live: after its commit; replay: at its step). */
  deliver(e: JournalEntry): void {
    if (this.halted) return;
    switch (e.kind) {
      case "signal": {
        const { name, payload } = decode(e.value) as { name: string; payload: string };
        const waiter = this.#waiters.get(name)?.shift();
        if (waiter === undefined) {
          let box = this.#mailbox.get(name);
          if (box === undefined) this.#mailbox.set(name, (box = []));
          box.push(payload);
        } else {
          waiter.cancelTimer?.();
          waiter.ctx.resume(decode(payload));
        }
        return;
      }
      case "cancel":
        this.host.sched.kill(this.rootTid, decode(e.value));
        return;
      case "Fork": {
        const limit = this.#limits.get(e.step);
        if (limit !== undefined) {
          this.#limits.delete(e.step);
          const error = new TimeoutError(`workflow "${this.id}": the task forked at step ${e.step} ran out of its time limit of ${limit.ms} ms`, limit.ms, limit.tid);
          this.host.sched.kill(limit.tid, error);
        }
        return;
      }
      case "waitSignal":
        // The timeout fired; a signal may have answered the wait first.
        for (const list of this.#waiters.values()) {
          const i = list.findIndex((w) => w.step === e.step);
          if (i >= 0) return list.splice(i, 1)[0].ctx.resume(undefined);
        }
        return;
      default: {
        const ctx = this.#pending.get(e.step);
        if (ctx === undefined) this.#early.set(e.step, e);
        else {
          this.#pending.delete(e.step);
          this.#settle(ctx, e);
        }
      }
    }
  }

  #settle(ctx: SyscallContext<unknown>, e: JournalEntry): void {
    if (e.ok) ctx.resume(decode(e.value));
    else ctx.fail(decodeError(e.value));
  }

  /** Stops the run for good in this engine: no more of its code runs; it fails with `error`. */
  fail(error: unknown): void {
    if (this.halted) return;
    this.halted = true;
    this.state = "failed";
    this.reject(error);
    this.killAll();
  }

  /**
   * Stops the run in this engine as a crash would, finished or not: no more of its code runs,
   * nothing more of it is written, and `result` waiters get `error` (unless it already settled).
   */
  abandon(error: unknown): void {
    this.abandoned = true;
    this.halted = true;
    this.#held = [];
    this.reject(error);
    this.killAll();
  }

  /** Kills every task of the run (halted: their `finally` blocks do not run, as in a crash). */
  killAll(): void {
    for (const tid of [this.rootTid, ...this.tids]) this.host.sched.kill(tid, "workflow halted");
  }
}

function describeEntry(e: JournalEntry): string {
  if (e.step < 0) return `a ${e.kind}`;
  return `the outcome of ${e.kind} at step ${e.step}`;
}
