import type { Clock } from "../time/clock.js";

/**
 * An I/O op: a plain object with a `type` naming the handler that runs it, plus whatever fields
 * that handler reads. Declare your own ops as interfaces that extend `IoOp`.
 *
 * @example
 * ```ts
 * interface FetchOp extends IoOp { type: "fetch"; url: string }
 * ring.submit({ type: "fetch", url: "https://example.com" } satisfies FetchOp);
 * ```
 */
export interface IoOp {
  type: string;
  [key: string]: unknown;
}

declare const opResult: unique symbol;

/**
 * An op whose type carries its result type `R` in a phantom field (never set at run time), so
 * `yield* submitIO(op)` is typed `R`. Op constructors return these; a plain {@link IoOp} has
 * result `unknown`.
 *
 * @example
 * ```ts
 * interface LlmOp extends TypedOp<string> { type: "llm"; prompt: string }
 * const ask = (prompt: string): LlmOp => ({ type: "llm", prompt });
 * const answer = yield* submitIO(ask("hi")); // string
 * ```
 */
export interface TypedOp<R = unknown> extends IoOp {
  /** A function type, so that `undefined` in `R` survives inference (an optional `R` would lose it). */
  readonly [opResult]?: () => R;
}

/**
 * The result type an op declares through {@link TypedOp}; `unknown` for an op that does not.
 *
 * @example
 * ```ts
 * type A = OpResult<TypedOp<number>>; // number
 * type B = OpResult<{ type: "nop" }>; // unknown
 * ```
 */
export type OpResult<Op> = Op extends { readonly [opResult]?: () => infer R } ? R : unknown;

/**
 * The built-in op that does nothing and completes with `undefined`: a cheap probe of the ring.
 *
 * @example
 * ```ts
 * ring.submit({ type: "nop" }, { userData: "ping" });
 * ```
 */
export interface NopOp extends IoOp {
  type: "nop";
}

/**
 * The built-in op that calls `fn(signal)` and completes with its (awaited) result; a throw or a
 * rejection fails the op. `signal` aborts when the op is cancelled or times out.
 *
 * @example
 * ```ts
 * const op: CallOp<Response> = { type: "call", fn: (signal) => fetch(url, { signal }) };
 * ring.submit(op, { timeout: 5_000 });
 * ```
 */
export interface CallOp<T = unknown> extends IoOp {
  type: "call";
  fn: (signal: AbortSignal) => T | PromiseLike<T>;
}

/**
 * The built-in op that completes with `undefined` after `ms` of the ring's clock time. It waits on
 * the clock, so a scheduler on a `VirtualClock` may jump time to its deadline.
 *
 * @example
 * ```ts
 * ring.submit({ type: "timeout", ms: 250 });
 * ```
 */
export interface TimeoutOp extends IoOp {
  type: "timeout";
  ms: number;
}

/**
 * Options of one submission.
 *
 * @example
 * ```ts
 * ring.submit({ type: "call", fn: load }, { userData: "user:1", timeout: 1_000, signal: ac.signal });
 * ring.submit({ type: "call", fn: write }, { link: true }); // the next op waits for this one
 * ring.submit({ type: "call", fn: fsync });
 * ```
 */
export interface SubmitOptions {
  /** Handed back unchanged in the op's {@link Completion}. */
  userData?: unknown;
  /** Ms of clock time from dispatch; then the op fails with a `TimeoutError`. */
  timeout?: number;
  /** The next submitted op starts only after this one succeeds (io_uring `IOSQE_IO_LINK`). */
  link?: boolean;
  /** Aborting it cancels the op. */
  signal?: AbortSignal;
}

/**
 * One op as its handler sees it. Settle it exactly once with `complete` or `fail`; the first
 * outcome wins (a timeout or a cancel may get there first) and later ones are ignored.
 *
 * @example
 * ```ts
 * const echo: IoHandler<EchoOp> = (requests) => {
 *   for (const r of requests) {
 *     if (r.op.delay > 0) r.after(r.op.delay, (late) => late.complete(late.op.value));
 *     else r.complete(r.op.value);
 *   }
 * };
 * ```
 */
export interface IoRequest<Op extends IoOp = IoOp> {
  readonly seq: number;
  readonly op: Op;
  /**
   * Aborts when the op is cancelled or times out. Created on first access; when the op already
   * ended that way, the signal comes back already aborted.
   */
  readonly signal: AbortSignal;
  /** Whether the op has an outcome already (completed, failed, timed out or cancelled). */
  readonly settled: boolean;
  /** Completes the op with `value`; returns `false` (and counts it as ignored) if it had settled. */
  complete(value?: unknown): boolean;
  /** Fails the op with `error`; returns `false` (and counts it as ignored) if it had settled. */
  fail(error: unknown): boolean;
  /**
   * Calls `fn(request)` after `ms` of the ring's clock time, unless the op settles first. Until
   * then the op counts as waiting on the clock, so a virtual clock may jump to that time.
   * One `after` at a time per op.
   */
  after(ms: number, fn: (request: IoRequest<Op>) => void): void;
}

/**
 * Runs the ops of one type: called once per `enter()` with every request of that type dispatched
 * by it. It may settle them synchronously or later. A throw (or a rejected returned promise) fails
 * the batch's requests that have not settled.
 *
 * The method form makes the parameter bivariant, so a handler typed for its own op is accepted
 * where an `IoHandler` of any op is expected.
 *
 * @example
 * ```ts
 * // N lookups answered by one backend round trip.
 * interface GetOp extends IoOp { type: "get"; key: string }
 * const get: IoHandler<GetOp> = async (requests) => {
 *   const values = await db.mget(requests.map((r) => r.op.key));
 *   requests.forEach((r, i) => r.complete(values[i]));
 * };
 * const ring = new IoRing({ handlers: { get } });
 * ```
 */
export type IoHandler<Op extends IoOp = IoOp> = {
  handle(requests: IoRequest<Op>[]): void | Promise<void>;
}["handle"];

/**
 * The outcome of one op, as returned by `reap()`. Times are on the ring's clock.
 *
 * On the default `RealClock`, the ring reads the clock at each `enter()` (`startedAt` of the ops
 * it dispatches is that reading) and reuses its last reading until the microtasks queued when it
 * was taken have run: `submittedAt` and `completedAt` are the time of the ring's last clock read,
 * at most one `enter()` old, and never from an earlier run of JavaScript (macrotask or microtask
 * turn). They may be early by the time JavaScript ran since that read: microseconds, unless code
 * runs long between two ring calls without yielding. On any other clock (a `VirtualClock`, your
 * own) every time is read when its event happens.
 *
 * @example
 * ```ts
 * for (const c of ring.reap()) {
 *   if (c.ok) console.log(c.userData, c.value, c.completedAt - c.startedAt);
 *   else console.error(`op #${c.seq} (${c.type}) failed`, c.error);
 * }
 * ```
 */
export interface Completion<T = unknown> {
  readonly seq: number;
  readonly userData: unknown;
  /** The op's `type`. */
  readonly type: string;
  readonly ok: boolean;
  /** The result when `ok`, else `undefined`. */
  readonly value: T | undefined;
  /** The error when not `ok` (`OpCancelledError`, `TimeoutError`, or the handler's), else `undefined`. */
  readonly error: unknown;
  readonly submittedAt: number;
  /** When the op was dispatched to its handler; `NaN` if it never was (cancelled while queued). */
  readonly startedAt: number;
  readonly completedAt: number;
}

/**
 * Options of an {@link IoRing}.
 *
 * @example
 * ```ts
 * const ring = new IoRing({ entries: 16, cqEntries: 64, clock: new VirtualClock() });
 * ```
 */
export interface IoRingOptions {
  /** Submission-queue slots: a power of two from 1 to 32768. Default 64. */
  entries?: number;
  /** Completion-queue slots, bounding the ops in flight: an integer from 1 to 65536. Default `2 * entries`. */
  cqEntries?: number;
  /** Handlers by op type, besides the built-in `nop`, `call` and `timeout`. */
  handlers?: Record<string, IoHandler>;
  /** The clock of timeouts and `timeout` ops. Default a `RealClock`; not allowed on a scheduler's ring. */
  clock?: Clock;
}

/**
 * A snapshot of an {@link IoRing}'s queues and totals.
 *
 * @example
 * ```ts
 * const { inFlight, unreaped, failed } = ring.counters;
 * ```
 */
export interface RingCounters {
  /** Ops waiting for dispatch: in the submission queue, or linked behind an op still running. */
  queued: number;
  inFlight: number;
  /** Completions waiting for `reap()`. */
  unreaped: number;
  submitted: number;
  /** Ops that completed ok. */
  completed: number;
  /** Ops that failed other than by cancellation (timeouts included). */
  failed: number;
  cancelled: number;
  /** Outcomes that arrived after an op had settled, and were dropped. */
  ignored: number;
}

/**
 * Where an op is, as told by {@link IoRing.status}.
 *
 * @example
 * ```ts
 * const s: OpStatus = ring.status(seq); // "queued" | "in-flight" | "completed" | "unknown"
 * ```
 */
export type OpStatus = "queued" | "in-flight" | "completed" | "unknown";

/**
 * An item of {@link IoRing.submitBatch}: an op, or `{ op, ...submitOptions }`.
 *
 * @example
 * ```ts
 * const items: BatchItem[] = [{ type: "nop" }, { op: { type: "nop" }, userData: 2 }];
 * ```
 */
export type BatchItem = IoOp | ({ op: IoOp } & SubmitOptions);
