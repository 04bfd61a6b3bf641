import { checkMs, describeValue } from "../checks.js";
import type { Syscall, SyscallContext } from "../syscalls/syscall.js";
import type { Deadline } from "../time/timers.js";
import type { Task } from "./task.js";
import type { TaskRef } from "./types.js";

/** What a syscall context needs from the kernel. */
export interface ContextHost {
  now(): number;
  addDeadline(at: number, fire: () => void): Deadline;
  cancelDeadline(deadline: Deadline): void;
  /** Wakes `task` with a value (`ok`) or an error. Only enqueues. */
  settleSyscall(task: Task, ok: boolean, value: unknown, onDiscard?: ((value: unknown) => void) | null): void;
  /** A callback's error with nowhere else to go: the `error` event, or `run()`. */
  report(error: unknown, source: string): void;
  /** Counts syscalls pending on something other than the clock (API.md Order 7). */
  externalSyscalls: number;
}

const PENDING = 0;
const SETTLED = 1;
const DROPPED = 2;

/** The context of one pending custom syscall. */
export class Context<R> implements SyscallContext<R> {
  #state = PENDING;
  #timers: Deadline[] | null = null;
  #controller: AbortController | null = null;
  #parked = false;

  constructor(
    readonly host: ContextHost,
    readonly caller: Task,
    readonly syscall: Syscall<R>,
  ) {
    host.externalSyscalls++;
  }

  get task(): TaskRef {
    const t = this.caller;
    return { tid: t.tid, name: t.name, parent: t.parent, priority: t.priority };
  }

  get pending(): boolean {
    return this.#state === PENDING;
  }

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.#state === DROPPED && !this.#controller.signal.aborted) this.#controller.abort(this.caller.killError);
    return this.#controller.signal;
  }

  now(): number {
    return this.host.now();
  }

  resume(value: R): void {
    this.#settle(true, value, "resume", null);
  }

  /**
   * `resume`, handing over a value that must not be lost: if the task is killed before it takes
   * `value`, `onDiscard(value)` is called (a channel puts its message back).
   */
  resumeHandingOver(value: R, onDiscard: (value: unknown) => void): void {
    this.#settle(true, value, "resume", onDiscard);
  }

  fail(error: unknown): void {
    this.#settle(false, error, "fail", null);
  }

  /** The syscall's `handle` threw or rejected: fail the syscall if still pending, else report it. */
  failFromHandler(error: unknown, how: string): void {
    if (this.#state === PENDING) this.fail(error);
    else this.host.report(error, `${this.syscall.describe().name}.handle of task #${this.caller.tid} "${this.caller.name}" ${how} after completing`);
  }

  /** For `ps()` and deadlock reports: `syscall receive on channel "inbox"`. */
  describe(): string {
    const d = this.syscall.describe();
    return `syscall ${d.name}${d.detail === "" ? "" : ` ${d.detail}`}`;
  }

  park(): void {
    if (this.#parked || this.#state !== PENDING) return;
    this.#parked = true;
    if (this.#timers === null || this.#timers.length === 0) this.host.externalSyscalls--;
  }

  after(ms: number, fn: () => void): () => void {
    checkMs(ms, "ctx.after(ms)");
    if (typeof fn !== "function") throw new TypeError(`ctx.after expects a function, got ${describeValue(fn)}`);
    if (this.#state !== PENDING) return () => {};
    const timers = (this.#timers ??= []);
    if (timers.length === 0 && !this.#parked) this.host.externalSyscalls--;
    const deadline = this.host.addDeadline(this.host.now() + ms, () => {
      this.#forget(deadline);
      if (this.#state !== PENDING) return;
      try {
        fn();
      } catch (error) {
        this.failFromHandler(error, "(a ctx.after callback) threw");
      }
    });
    timers.push(deadline);
    return () => {
      if (this.#forget(deadline)) this.host.cancelDeadline(deadline);
    };
  }

  /** The task was killed: later `resume`/`fail` calls are ignored. */
  drop(): void {
    if (this.#state !== PENDING) return;
    this.#finish(DROPPED);
    this.#controller?.abort(this.caller.killError);
  }

  #settle(ok: boolean, value: unknown, how: string, onDiscard: ((value: unknown) => void) | null): void {
    if (this.#state === DROPPED) return;
    if (this.#state === SETTLED) {
      const t = this.caller;
      throw new Error(
        `${this.syscall.describe().name} of task #${t.tid} "${t.name}" was already completed: call ctx.resume() or ctx.fail() once (this was ${how}())`,
      );
    }
    this.#finish(SETTLED);
    this.host.settleSyscall(this.caller, ok, value, onDiscard);
  }

  #finish(state: number): void {
    const timers = this.#timers;
    if (timers !== null && timers.length > 0) {
      for (const d of timers) this.host.cancelDeadline(d);
      timers.length = 0;
    } else if (!this.#parked) {
      this.host.externalSyscalls--;
    }
    this.#state = state;
  }

  /** Drops `deadline` from the pending list; returns whether it was there. */
  #forget(deadline: Deadline): boolean {
    const timers = this.#timers!;
    const i = timers.indexOf(deadline);
    if (i < 0) return false;
    timers.splice(i, 1);
    if (timers.length === 0 && this.#state === PENDING && !this.#parked) this.host.externalSyscalls++;
    return true;
  }
}
