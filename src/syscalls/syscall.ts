import type { TaskRef } from "../kernel/types.js";

/**
 * What a custom syscall's `handle` gets: who called, and how to answer.
 *
 * @example
 * ```ts
 * class Double extends Syscall<number> {
 *   constructor(readonly n: number) { super(); }
 *   handle(ctx: SyscallContext<number>) { ctx.resume(this.n * 2); }
 * }
 * ```
 */
export interface SyscallContext<R> {
  /** The calling task. */
  readonly task: TaskRef;
  /** Completes the syscall: the task's `yield*` returns `value`. Once only; a second call throws. */
  resume(value: R): void;
  /** Throws `error` into the task at its `yield`. Once only; a second call throws. */
  fail(error: unknown): void;
  /** The scheduler clock's time. */
  now(): number;
  /**
   * Runs `fn` after `ms` of scheduler clock time. While a syscall waits on `after`, it counts as
   * waiting on the clock, so a `VirtualClock` may jump. Returns a function that cancels it.
   */
  after(ms: number, fn: () => void): () => void;
  /** Aborted when the calling task is killed while the syscall is pending; `resume` is then a no-op. */
  readonly signal: AbortSignal;
  /**
   * Declares that the syscall waits on other tasks (a channel, a lock), as `Wait` does, not on
   * the outside world: a `VirtualClock` may then jump while it is pending, and if nothing else
   * can ever wake the task, `run()` rejects with a `DeadlockError` instead of waiting forever.
   */
  park(): void;
}

/**
 * What {@link Syscall.describe} returns.
 *
 * @example
 * ```ts
 * const d: SyscallDescription = { name: "receive", detail: 'on channel "inbox"' };
 * ```
 */
export interface SyscallDescription {
  /** The syscall's name: `sleep`, `wait`, `submitIO`, `receive`. */
  name: string;
  /** Its arguments in short: `100`, `#3`, `llm, llm`; `""` for none. */
  detail: string;
}

/** @internal Kernel dispatch codes of the built-in syscalls; 0 is a custom syscall. */
export const enum Kind {
  Custom = 0,
  GetTid = 1,
  Sleep = 2,
  Fork = 3,
  Wait = 4,
  Kill = 5,
  SubmitIO = 6,
  Pause = 7,
  Resume = 8,
  Join = 9,
  Race = 10,
  /**
   * A custom syscall of yieldos itself that only moves data between tasks (a channel's send or
   * receive, an LLM stream's deltas): dispatched through `handle`, and needs no capability.
   */
  Trusted = 11,
  Revoke = 12,
}

/**
 * What `yield* syscall` iterates: it yields the syscall once, then returns what the task is
 * resumed with. It is its own `IteratorResult`, so a `yield*` allocates this one object, not a
 * result per step (`yield*` hands the object through to the kernel as is). One is made per
 * `yield*`, so a syscall object may be yielded by many tasks at once. (No private methods: they
 * would add a brand field to every instance.)
 */
class SyscallIterator<S, R> {
  value: S | R;
  /** `undefined` until the first `next()`: nobody reads a result before asking for one. */
  done: boolean | undefined = undefined;

  constructor(syscall: S) {
    this.value = syscall;
  }

  next(value?: unknown): IteratorResult<S, R> {
    if (this.done === undefined) {
      this.done = false;
      return this as IteratorResult<S, R>;
    }
    return this.return(value);
  }

  return(value?: unknown): IteratorResult<S, R> {
    this.value = value as R;
    this.done = true;
    return this as IteratorResult<S, R>;
  }

  throw(error?: unknown): IteratorResult<S, R> {
    throw error;
  }
}

/**
 * @internal Called by the kernel once it has taken the syscall out of a task's step result: a
 * suspended `yield*` keeps its iterator, which is that result, alive until the task resumes, and
 * the syscall need not live that long (40 bytes for a `Sleep`).
 */
export function releaseYielded(result: unknown): void {
  if (result instanceof SyscallIterator) result.value = undefined;
}

/**
 * Base class of every syscall. A syscall is a request a task yields to the kernel; its `R` is
 * what the task gets back. It is iterable, so `yield* syscall` yields it once and returns `R`.
 *
 * Subclass it for your own syscalls and implement {@link Syscall.handle} (PyOS style).
 *
 * @example
 * ```ts
 * class AskUser extends Syscall<string> {
 *   constructor(readonly question: string) { super(); }
 *   handle(ctx: SyscallContext<string>) {
 *     prompt(this.question).then((a) => ctx.resume(a), (e) => ctx.fail(e));
 *   }
 * }
 * function* task() {
 *   const name = yield* new AskUser("name?"); // typed: string
 * }
 * ```
 */
/** @internal Marks syscalls of every copy of yieldos, so one from another copy can be named as such. */
export const SYSCALL_BRAND: unique symbol = Symbol.for("yieldos.syscall") as never;

export abstract class Syscall<R = unknown> implements Iterable<Syscall<R>> {
  /** @internal */
  readonly _kind: Kind = Kind.Custom;
  /** @internal Carries `R` in the type only. */
  declare readonly _result?: R;

  /** @internal See {@link SYSCALL_BRAND}. */
  get [SYSCALL_BRAND](): true {
    return true;
  }

  /**
   * Carries out the syscall for `ctx.task`. Call `ctx.resume(value)` or `ctx.fail(error)`
   * exactly once, now or later from any callback. Built-in syscalls are handled by the kernel.
   * A `handle` that throws, or returns a promise that rejects, fails the syscall with that error.
   */
  handle(ctx: SyscallContext<R>): void | PromiseLike<void> {
    ctx.fail(new TypeError(`${this.describe().name} does not implement handle(ctx): custom syscalls must override it`));
  }

  /**
   * How traces, audit records, `ps()` and deadlock reports show this syscall: a name and a short
   * detail, like `{ name: "sleep", detail: "100" }`. The default is the class's name, which a
   * minifier may shorten: override it in your own syscalls.
   *
   * @example
   * ```ts
   * class AskUser extends Syscall<string> {
   *   constructor(readonly question: string) { super(); }
   *   override describe() { return { name: "askUser", detail: this.question }; }
   * }
   * ```
   */
  describe(): SyscallDescription {
    return { name: this.constructor.name || "syscall", detail: "" };
  }

  [Symbol.iterator](): Iterator<this, R, unknown> {
    return new SyscallIterator<this, R>(this) as Iterator<this, R, unknown>;
  }
}
