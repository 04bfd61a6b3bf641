import { OpCancelledError, RingFullError, describeValue } from "../errors.js";
import { RealClock } from "../time/clock.js";
import { Timers } from "../time/timers.js";
import { validateOp } from "./builtin-ops.js";
import { RingEngine } from "./ring-engine.js";
import { checkHandler, opOf, optionsOf, resolveRingOptions, validateSubmitOptions } from "./ring-options.js";
import type { BatchItem, Completion, IoHandler, IoOp, IoRingOptions, OpStatus, RingCounters, SubmitOptions } from "./types.js";

export type { BatchItem, OpStatus } from "./types.js";

/** Set by {@link ringOver} while it makes a facade: the constructor then adopts this engine. */
let adopting: RingEngine | null = null;

/** @internal The public face of an engine a scheduler made and owns (see `IoBridge`). */
export function ringOver(engine: RingEngine): IoRing {
  adopting = engine;
  try {
    return new IoRing();
  } finally {
    adopting = null;
  }
}

/**
 * Queues a validated op: checks the open chain's length and the SQ's room (`RingFullError`).
 * @internal Shared by {@link IoRing.submit} and a scheduler's task submissions.
 */
export function pushOp(engine: RingEngine, op: IoOp, userData: unknown, timeout: number | undefined, link: boolean, signal: AbortSignal | undefined): number {
  if (engine.openChainLength > 0) checkChainLength(engine, engine.openChainLength + 1);
  if (engine.sqSpace === 0) throw new RingFullError(engine.entries, op.type);
  return engine.push(op, userData, timeout, link, signal);
}

/**
 * Queues every item, or none: all are checked, and the SQ must have room for all.
 * @internal Shared by {@link IoRing.submitBatch} and a scheduler's task submissions.
 */
export function pushBatch(engine: RingEngine, items: ReadonlyArray<BatchItem>): number[] {
  if (!Array.isArray(items)) {
    throw new TypeError(`submitBatch expects an array of ops, got ${describeValue(items)}`);
  }
  let chain = engine.openChainLength;
  for (let i = 0; i < items.length; i++) {
    try {
      const item = items[i];
      const options = optionsOf(item);
      validateOp(opOf(item));
      if (options !== undefined) validateSubmitOptions(options);
      if (chain > 0) checkChainLength(engine, chain + 1);
      chain = options?.link === true ? chain + 1 : 0;
    } catch (error) {
      if (error instanceof Error) error.message = `submitBatch item ${i}: ${error.message}`;
      throw error;
    }
  }
  const space = engine.sqSpace;
  if (items.length > space) throw new RingFullError(engine.entries, opOf(items[space]).type);
  const seqs = new Array<number>(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const o = optionsOf(item);
    seqs[i] =
      o === undefined
        ? engine.push(item as IoOp, undefined, undefined, false, undefined)
        : engine.push(opOf(item), o.userData, o.timeout, o.link === true, o.signal);
  }
  return seqs;
}

function checkChainLength(engine: RingEngine, length: number): void {
  if (length > engine.cqEntries) {
    throw new RangeError(`A link chain of ${length} ops cannot fit the completion queue (cqEntries ${engine.cqEntries}); end the chain sooner`);
  }
}

/**
 * An io_uring-style I/O ring. `submit` queues ops in a fixed-size submission queue (SQ); `enter`
 * dispatches them, calling each op type's handler once with the whole batch; handlers settle
 * their requests whenever they like; `reap` collects completions in completion order. `enter`
 * never dispatches more than the completion queue (`cqEntries`) can hold, so no completion is
 * ever dropped: the rest wait in the SQ.
 *
 * @example
 * ```ts
 * const ring = new IoRing({
 *   entries: 64,
 *   handlers: { echo: (requests) => { for (const r of requests) r.complete(r.op.value); } },
 * });
 * ring.submit({ type: "echo", value: 1 }, { userData: "a" });
 * ring.submit({ type: "call", fn: (signal) => fetch(url, { signal }) }, { timeout: 5_000 });
 * ring.enter();
 * await ring.wait();
 * for (const c of ring.reap()) console.log(c.seq, c.userData, c.ok, c.value ?? c.error);
 * ```
 */
export class IoRing {
  readonly #engine: RingEngine;

  /**
   * A ring holding one completed `nop` for as long as the class exists. V8 frees the hidden classes
   * of a class once its last instance dies, and drops the code optimized for them; after six rounds
   * of rings made and dropped with a full GC in between, the re-optimized ring code stopped inlining
   * its hot calls, and every later ring ran 3.5x slower (bench W6: 2.7 instead of 9.5 M nop ops/s).
   * One live instance of each of the ring's classes keeps that code valid. Made by the first ring
   * constructed, not at import, so importing yieldos has no side effect.
   */
  static #keepShapesAlive: IoRing | null = null;
  static #makingIdleRing = false;

  static #idleRing(): void {
    IoRing.#makingIdleRing = true;
    const ring = new IoRing({ entries: 1 });
    ring.submit({ type: "nop" });
    ring.enter();
    IoRing.#keepShapesAlive = ring;
  }

  constructor(options: IoRingOptions = {}) {
    if (adopting !== null) {
      this.#engine = adopting;
      return;
    }
    const { entries, cqEntries, handlers, clock } = resolveRingOptions(options);
    const own = clock ?? new RealClock();
    const timers = new Timers(own, (error) => queueMicrotask(() => { throw error; }));
    this.#engine = new RingEngine(entries, cqEntries, handlers, own, timers, null);
    if (IoRing.#keepShapesAlive === null && !IoRing.#makingIdleRing) IoRing.#idleRing();
  }

  /** Submission-queue slots. */
  get entries(): number {
    return this.#engine.entries;
  }

  /** Completion-queue slots: bounds the ops in flight plus completions not yet reaped. */
  get cqEntries(): number {
    return this.#engine.cqEntries;
  }

  /** A fresh snapshot of queue sizes and totals. */
  get counters(): RingCounters {
    return this.#engine.counters();
  }

  /**
   * Queues `op` and returns its seq (1, 2, 3, ... per ring). Throws `RingFullError` when the SQ
   * is full, and a `TypeError` or `RangeError` naming the value for a malformed op or option.
   * With `link`, the next op submitted joins this one's chain, until `enter` takes the chain.
   *
   * @example
   * ```ts
   * const seq = ring.submit({ type: "timeout", ms: 100 }, { userData: "tick" });
   * ```
   */
  submit(op: IoOp, options?: SubmitOptions): number {
    validateOp(op);
    if (options === undefined) return pushOp(this.#engine, op, undefined, undefined, false, undefined);
    validateSubmitOptions(options);
    return pushOp(this.#engine, op, options.userData, options.timeout, options.link === true, options.signal);
  }

  /**
   * Queues every item, or none: all are checked, and the SQ must have room for all, else it
   * throws (`RingFullError` when short of room) and submits nothing. An item with a string
   * `type` is an op; any other item is `{ op, ...options }`.
   *
   * @example
   * ```ts
   * const [write, sync] = ring.submitBatch([
   *   { op: { type: "call", fn: writeFile }, link: true },
   *   { type: "call", fn: fsync },
   * ]);
   * ```
   */
  submitBatch(items: ReadonlyArray<BatchItem>): number[] {
    return pushBatch(this.#engine, items);
  }

  /**
   * Dispatches queued ops: first linked ops whose predecessor succeeded, then the SQ from its
   * head, while the completion queue has room (a link chain needs room for all its ops and
   * dispatches one op at a time). Each op type's handler is called once, with all its requests.
   * Returns how many ops were handed to handlers. Handler errors fail their ops; nothing a
   * handler does throws out of `enter`.
   *
   * @example
   * ```ts
   * while (ring.counters.queued > 0) {
   *   ring.enter();
   *   await ring.wait();
   *   for (const c of ring.reap()) handle(c);
   * }
   * ```
   */
  enter(): number {
    return this.#engine.enter();
  }

  /**
   * Removes and returns up to `max` completions, oldest first.
   *
   * @example
   * ```ts
   * const [first] = ring.reap(1);
   * ```
   */
  reap(max = Infinity): Completion[] {
    if (typeof max !== "number" || !(max >= 0)) {
      throw new RangeError(`Expected reap \`max\` to be a number >= 0, got ${describeValue(max)}`);
    }
    return this.#engine.cq.reap(max);
  }

  /**
   * Resolves once at least one completion can be reaped (at once if one can).
   *
   * @example
   * ```ts
   * ring.enter();
   * await ring.wait();
   * console.log(ring.reap());
   * ```
   */
  wait(): Promise<void> {
    return this.#engine.cq.wait();
  }

  /**
   * Where op `seq` is. A linked op waiting for its predecessor is `"queued"`; an op that ended
   * (reaped or not) is `"completed"`; a seq never issued is `"unknown"`.
   *
   * @example
   * ```ts
   * const seq = ring.submit({ type: "nop" });
   * ring.status(seq); // "queued"
   * ring.enter();
   * ring.status(seq); // "completed"
   * ```
   */
  status(seq: number): OpStatus {
    const entry = this.#engine.find(seq);
    if (entry === undefined) {
      return Number.isInteger(seq) && seq >= 1 && seq <= this.#engine.lastSeq ? "completed" : "unknown";
    }
    return entry.state === "held" ? "queued" : entry.state;
  }

  /**
   * Cancels a queued or in-flight op: it completes at once with an `OpCancelledError` carrying
   * `reason`, its signal aborts, and the ops linked after it are cancelled too. Returns `false`
   * if the op had already ended or was never submitted.
   *
   * @example
   * ```ts
   * const seq = ring.submit({ type: "call", fn: (signal) => fetch(url, { signal }) });
   * ring.enter();
   * ring.cancel(seq, "user navigated away"); // true; fetch sees the abort
   * ```
   */
  cancel(seq: number, reason?: unknown): boolean {
    const entry = this.#engine.find(seq);
    if (entry === undefined || entry.state === "completed") return false;
    return this.#engine.settle(entry, "cancelled", undefined, new OpCancelledError(entry.seq, entry.type, reason));
  }

  /**
   * Adds the handler of a new op type. Throws for a built-in type (`nop`, `call`, `timeout`), a
   * type already registered, or a handler that is not a function.
   *
   * @example
   * ```ts
   * interface SqlOp extends IoOp { type: "sql"; query: string }
   * // One round trip answers every query dispatched by the same enter().
   * ring.register<SqlOp>("sql", async (requests) => {
   *   const rows = await db.batch(requests.map((r) => r.op.query));
   *   requests.forEach((r, i) => r.complete(rows[i]));
   * });
   * ```
   */
  register<Op extends IoOp>(type: Op["type"], handler: IoHandler<Op>): void {
    checkHandler(type, handler, this.#engine.handlers);
    this.#engine.handlers.set(type, handler as IoHandler);
  }
}
