import { OpCancelledError } from "../errors.js";
import type { Clock } from "../time/clock.js";
import type { TimerSource } from "../time/timers.js";
import { CompletionQueue } from "./completion-queue.js";
import { Dispatch } from "./dispatch.js";
import { IoEntry, type EntryOwner, type Outcome } from "./entry.js";
import { InFlight, findInChains } from "./in-flight.js";
import { OpClock } from "./op-clock.js";
import { RingBuffer } from "./ring-buffer.js";
import type { IoHandler, IoOp, IoRequest, RingCounters } from "./types.js";

/**
 * A scheduler that owns a ring: which completions are its tasks' (those go to `kernelCq`), and a
 * callback run synchronously on every completion (keep it cheap).
 */
export interface RingOwner {
  owns(entry: IoEntry): boolean;
  onCompletion(): void;
}

/**
 * The mechanism behind {@link IoRing}, which validates and documents. Invariant: every op taken
 * out of the SQ holds a CQ slot until reaped, and `enter` takes ops only while
 * `inFlight + held + unreaped < cqEntries`, so in-flight work never overflows the CQ. Ops cancelled
 * while queued complete outside that bound, at most one per SQ slot, hence a CQ of
 * `entries + cqEntries` slots (an SQ slot is freed only when the bound has room).
 */
export class RingEngine implements EntryOwner {
  readonly entries: number;
  readonly cqEntries: number;
  readonly handlers: Map<string, IoHandler>;
  /** Completions `reap()` hands out. */
  readonly cq: CompletionQueue;
  /** A scheduler's ring: the completions of its tasks' ops, reaped by the scheduler alone. */
  readonly kernelCq: CompletionQueue | null;
  readonly #clock: OpClock;
  readonly #owner: RingOwner | null;
  readonly #sq: RingBuffer<IoEntry>;
  readonly #dispatch = new Dispatch();
  readonly #inFlight = new InFlight();
  /** Linked ops whose predecessor succeeded: dispatched first. */
  #ready: IoEntry[] = [];
  #readyScheduled = false;
  /** The last op submitted, while it has `link` and is still in the SQ: the next op joins its chain. */
  #openChain: IoEntry | null = null;
  /** How many ops the open chain has. */
  #openChainLength = 0;
  #seq = 0;
  #queued = 0;
  #held = 0;
  #submitted = 0;
  #completed = 0;
  #failed = 0;
  #cancelled = 0;
  #ignored = 0;

  constructor(
    entries: number,
    cqEntries: number,
    handlers: Map<string, IoHandler>,
    clock: Pick<Clock, "now">,
    timers: TimerSource,
    owner: RingOwner | null,
  ) {
    this.entries = entries;
    this.cqEntries = cqEntries;
    this.handlers = handlers;
    this.#clock = new OpClock(clock, timers, (entry, outcome, value, error) => this.settle(entry, outcome, value, error));
    this.#owner = owner;
    this.#sq = new RingBuffer(entries);
    const capacity = 2 ** Math.ceil(Math.log2(entries + cqEntries));
    this.cq = new CompletionQueue(capacity, owner?.onCompletion);
    this.kernelCq = owner === null ? null : new CompletionQueue(capacity, owner.onCompletion);
  }

  counters(): RingCounters {
    return {
      queued: this.#queued + this.#held,
      inFlight: this.#inFlight.size,
      unreaped: this.cq.size + (this.kernelCq?.size ?? 0),
      submitted: this.#submitted,
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#cancelled,
      ignored: this.#ignored,
    };
  }

  get lastSeq(): number {
    return this.#seq;
  }

  get sqSpace(): number {
    return this.entries - this.#sq.size;
  }

  /** Length of the chain the next op would join (0 if none). */
  get openChainLength(): number {
    return this.#openChainLength;
  }

  get externalPending(): number {
    return this.#inFlight.size - this.#clock.waiting;
  }

  get dispatchable(): boolean {
    return this.#ready.length > 0 || (this.#queued > 0 && this.#room() > 0);
  }

  /** Queues a validated op with its validated options; the caller checked SQ room and chain length. */
  push(op: IoOp, userData: unknown, timeout: number | undefined, link: boolean, signal: AbortSignal | undefined): number {
    const entry = new IoEntry(this, ++this.#seq, op, op.type, userData, this.#clock.recent());
    if (timeout !== undefined || signal !== undefined) {
      const more = entry.more;
      more.timeout = timeout;
      more.callerSignal = signal;
    }
    const pred = this.#openChain;
    if (pred !== null) pred.next = entry;
    this.#openChain = link ? entry : null;
    this.#openChainLength = link ? this.#openChainLength + 1 : 0;
    this.#sq.push(entry);
    this.#queued++;
    this.#submitted++;
    if (pred !== null && pred.state === "completed") {
      this.settle(entry, "cancelled", undefined, chainError(entry, pred, "was cancelled"));
    } else if (signal !== undefined) {
      if (signal.aborted) this.abortedBySignal(entry);
      else signal.addEventListener("abort", entry);
    }
    return entry.seq;
  }

  enter(): number {
    if (this.#ready.length === 0 && this.#sq.size === 0) return 0;
    const now = this.#clock.now();
    let dispatched = this.#startReady(now);
    const sq = this.#sq;
    for (let room = this.#room(); room > 0 && sq.size > 0; room = this.#room()) {
      const head = sq.peek()!;
      if (head.state !== "queued") {
        this.#shift(); // cancelled while queued: completed already, only its slot was left
        continue;
      }
      let length = 1;
      for (let n = head.next; n !== null && n.state === "queued"; n = n.next) length++;
      if (length > room) break; // a chain goes whole; FIFO order waits for it
      this.#shift();
      this.#queued--;
      this.#start(head, now);
      dispatched++;
      for (let n = head.next, i = 1; i < length; i++, n = n!.next) {
        this.#shift();
        this.#queued--;
        this.#held++;
        n!.state = "held";
      }
    }
    this.#dispatch.run(this.handlers, this.#failOne);
    return dispatched;
  }

  /** Status and cancel are rare: a scan here is cheaper overall than a map kept per op. */
  find(seq: number): IoEntry | undefined {
    if (!Number.isInteger(seq) || seq < 1 || seq > this.#seq) return undefined;
    // Every op goes through the SQ in seq order, so the SQ holds exactly seqs head.seq..#seq.
    const head = this.#sq.peek();
    if (head !== undefined && seq >= head.seq) return this.#sq.at(seq - head.seq);
    const entry = this.#inFlight.find(seq);
    if (entry !== undefined || this.#held === 0) return entry;
    // A held op hangs off the op before it in its chain, which is in flight or ready.
    return findInChains(this.#inFlight.toArray(), seq) ?? findInChains(this.#ready, seq);
  }

  /** The one place an op ends. The first outcome wins; later ones are counted as ignored. */
  settle(entry: IoEntry, outcome: Outcome, value: unknown, error: unknown): boolean {
    const state = entry.state;
    if (state === "completed") {
      this.#ignored++;
      return false;
    }
    entry.state = "completed";
    if (state === "queued") this.#queued--;
    else if (state === "held") this.#held--;
    else this.#inFlight.remove(entry);
    this.#clock.release(entry);
    const callerSignal = entry.extra?.callerSignal;
    if (callerSignal !== undefined) {
      callerSignal.removeEventListener("abort", entry);
      entry.extra!.callerSignal = undefined;
    }
    entry.completedAt = this.#clock.recent();
    if (outcome === "ok") {
      entry.ok = true;
      entry.value = value;
      this.#completed++;
    } else {
      entry.error = error;
      if (outcome === "cancelled") this.#cancelled++;
      else this.#failed++;
    }
    const next = entry.next;
    entry.next = null;
    if (next !== null && outcome === "ok") this.#readyNext(next);
    if (this.#owner !== null && this.#owner.owns(entry)) this.kernelCq!.push(entry);
    else this.cq.push(entry);
    if (outcome === "cancelled" || outcome === "timeout") entry.abort(error);
    if (next !== null && outcome !== "ok") {
      this.#cancelChain(next, entry, outcome === "failed" ? "failed" : outcome === "timeout" ? "timed out" : "was cancelled");
    }
    return true;
  }

  after(entry: IoEntry, ms: number, fn: (request: IoRequest) => void): void {
    this.#clock.after(entry, ms, fn);
  }

  abortedBySignal(entry: IoEntry): void {
    if (entry.state === "completed") return;
    this.settle(entry, "cancelled", undefined, new OpCancelledError(entry.seq, entry.type, entry.extra?.callerSignal?.reason));
  }

  #failOne = (entry: IoEntry, error: unknown): void => {
    this.settle(entry, "failed", undefined, error);
  };

  #room(): number {
    return this.cqEntries - (this.#inFlight.size + this.#held + this.cq.size + (this.kernelCq?.size ?? 0));
  }

  #shift(): void {
    if (this.#sq.shift() === this.#openChain) {
      this.#openChain = null;
      this.#openChainLength = 0;
    }
  }

  #start(entry: IoEntry, now: number): void {
    entry.state = "in-flight";
    entry.startedAt = now;
    this.#inFlight.add(entry);
    this.#clock.armTimeout(entry, now);
    this.#dispatch.add(entry);
  }

  #startReady(now: number): number {
    if (this.#ready.length === 0) return 0;
    const ready = this.#ready;
    this.#ready = [];
    let started = 0;
    for (const entry of ready) {
      if (entry.state !== "held") continue; // cancelled meanwhile
      this.#held--;
      this.#start(entry, now);
      started++;
    }
    return started;
  }

  #readyNext(next: IoEntry): void {
    if (next.state !== "held") return;
    this.#ready.push(next);
    // A scheduler's ring reported the completion, and the scheduler calls enter(); alone, a microtask does.
    if (this.#owner === null && !this.#readyScheduled) {
      this.#readyScheduled = true;
      queueMicrotask(this.#flushReady);
    }
  }

  #flushReady = (): void => {
    this.#readyScheduled = false;
    if (this.#startReady(this.#clock.now()) > 0) this.#dispatch.run(this.handlers, this.#failOne);
  };

  #cancelChain(first: IoEntry, failed: IoEntry, how: string): void {
    for (let entry: IoEntry | null = first; entry !== null; ) {
      const next: IoEntry | null = entry.next;
      entry.next = null; // walked here, so each reason names the op that failed, not its neighbour
      if (entry.state !== "completed") this.settle(entry, "cancelled", undefined, chainError(entry, failed, how));
      entry = next;
    }
  }
}

function chainError(entry: IoEntry, failed: IoEntry, how: string): OpCancelledError {
  return new OpCancelledError(entry.seq, entry.type, `linked op #${failed.seq} "${failed.type}" before it ${how}`);
}
