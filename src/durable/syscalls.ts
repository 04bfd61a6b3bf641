import { Syscall, type SyscallContext, type SyscallDescription } from "../syscalls/syscall.js";

/** Fails a workflow syscall yielded by a task that no durable engine drives. */
abstract class WorkflowSyscall<R> extends Syscall<R> {
  abstract readonly what: string;
  override describe(): SyscallDescription {
    return { name: this.what.replace("()", ""), detail: "" };
  }
  override handle(ctx: SyscallContext<R>): void {
    ctx.fail(
      new Error(`${this.what} works only inside a durable workflow (task #${ctx.task.tid} "${ctx.task.name}" is not one): start it with engine.start(name, args)`),
    );
  }
}

/**
 * The wall-clock time in ms (`Date.now()`; the scheduler's time on a `VirtualClock`), journaled:
 * a replay gets the reading the first run got.
 *
 * @example
 * ```ts
 * const t0 = yield* now();
 * ```
 */
export class Now extends WorkflowSyscall<number> {
  readonly what = "now()";
}

/**
 * A random number in [0, 1), journaled.
 *
 * @example
 * ```ts
 * const coin = (yield* random()) < 0.5;
 * ```
 */
export class Random extends WorkflowSyscall<number> {
  readonly what = "random()";
}

/**
 * A random UUID (`crypto.randomUUID()`), journaled.
 *
 * @example
 * ```ts
 * const orderId = yield* uuid();
 * ```
 */
export class Uuid extends WorkflowSyscall<string> {
  readonly what = "uuid()";
}

/** Options of {@link waitSignal}. */
export interface WaitSignalOptions {
  /** Give up after this many ms (a durable timer: it keeps its deadline across restarts). */
  timeout?: number;
}

/**
 * Waits for the next signal called `name` sent with `engine.signal(id, name, payload)` and
 * returns its payload. Signals that came before the wait are kept, in order. With `timeout`,
 * returns `undefined` if none came in time.
 *
 * @example
 * ```ts
 * const approval = yield* waitSignal<{ ok: boolean }>("approval", { timeout: 86_400_000 });
 * if (approval === undefined) return "expired";
 * ```
 */
export class WaitSignal<T = unknown> extends WorkflowSyscall<T> {
  readonly what = "waitSignal()";
  constructor(
    readonly name: string,
    readonly options: WaitSignalOptions = {},
  ) {
    super();
  }
  override describe(): SyscallDescription {
    const t = this.options.timeout;
    return { name: "waitSignal", detail: t === undefined ? JSON.stringify(this.name) : `${JSON.stringify(this.name)} timeout ${t}` };
  }
}

/**
 * A version gate: `true` when this run reaches the call for the first time with the new code
 * (or started with it), `false` when it is replaying a journal written by code that did not
 * have the gate. It takes no step, so old journals stay valid:
 *
 * @example
 * ```ts
 * if (yield* patched("send-sms")) yield* call(() => sms(user));
 * else yield* call(() => email(user));
 * ```
 */
export class Patched extends WorkflowSyscall<boolean> {
  readonly what = "patched()";
  constructor(readonly id: string) {
    super();
  }
}

/** The journaled clock: see {@link Now}. */
export function now(): Now {
  return new Now();
}

/** A journaled random number: see {@link Random}. */
export function random(): Random {
  return new Random();
}

/** A journaled UUID: see {@link Uuid}. */
export function uuid(): Uuid {
  return new Uuid();
}

/** See {@link WaitSignal}. */
export function waitSignal<T = unknown>(name: string, options?: { timeout?: undefined }): WaitSignal<T>;
export function waitSignal<T = unknown>(name: string, options: WaitSignalOptions): WaitSignal<T | undefined>;
export function waitSignal<T = unknown>(name: string, options: WaitSignalOptions = {}): WaitSignal<T> {
  if (typeof name !== "string" || name === "") throw new TypeError(`waitSignal(name) expects a non-empty string, got ${JSON.stringify(name)}`);
  const t = options.timeout;
  if (t !== undefined && (typeof t !== "number" || !(t >= 0) || !Number.isFinite(t))) {
    throw new RangeError(`waitSignal("${name}") expects options.timeout to be a finite number of ms >= 0, got ${String(t)}`);
  }
  return new WaitSignal<T>(name, options);
}

/** See {@link Patched}. */
export function patched(id: string): Patched {
  if (typeof id !== "string" || id === "") throw new TypeError(`patched(id) expects a non-empty string, got ${JSON.stringify(id)}`);
  return new Patched(id);
}
