import type { Deadline } from "../kernel/deadlines.js";
import type { Completion, IoOp, IoRequest } from "./types.js";

/**
 * Where an entry is: in the submission queue (`queued`), taken with its link chain and waiting
 * for its predecessor (`held`), dispatched (`in-flight`), or done (`completed`).
 */
export type EntryState = "queued" | "held" | "in-flight" | "completed";

/** How an op ended. `timeout` and `cancelled` also abort its signal. */
export type Outcome = "ok" | "failed" | "timeout" | "cancelled";

/** What an entry needs from its ring; one such object per ring, not per op. */
export interface EntryOwner {
  settle(entry: IoEntry, outcome: Outcome, value: unknown, error: unknown): boolean;
  after(entry: IoEntry, ms: number, fn: (request: IoRequest) => void): void;
  abortedBySignal(entry: IoEntry): void;
}

/**
 * The one object a submitted op costs: the handler's request, the ring's bookkeeping, and, once
 * done, the completion `reap()` hands out. Fields are the ring's to change.
 */
export class IoEntry implements IoRequest, Completion {
  state: EntryState = "queued";
  ok = false;
  value: unknown = undefined;
  error: unknown = undefined;
  startedAt = NaN;
  completedAt = NaN;
  /** Index in the ring's in-flight array (swap-removed), -1 when not in flight. */
  slot = -1;
  /** The op linked after this one, if this one was submitted with `link`. */
  next: IoEntry | null = null;
  /** 1 for a chain head (or an unlinked op), n for the n-th op of a link chain. */
  chainLength = 1;
  timeoutDeadline: Deadline | null = null;
  clockDeadline: Deadline | null = null;
  afterFn: ((request: IoRequest) => void) | null = null;
  readonly #owner: EntryOwner;
  #controller: AbortController | undefined = undefined;
  #abortReason: unknown = undefined;
  #aborted = false;

  constructor(
    owner: EntryOwner,
    readonly seq: number,
    readonly op: IoOp,
    readonly type: string,
    readonly userData: unknown,
    readonly timeout: number | undefined,
    readonly link: boolean,
    public callerSignal: AbortSignal | undefined,
    readonly submittedAt: number,
  ) {
    this.#owner = owner;
  }

  get signal(): AbortSignal {
    // AbortController costs more than the rest of the entry: made only for handlers that ask.
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  get settled(): boolean {
    return this.state === "completed";
  }

  complete(value?: unknown): boolean {
    return this.#owner.settle(this, "ok", value, undefined);
  }

  fail(error: unknown): boolean {
    return this.#owner.settle(this, "failed", undefined, error);
  }

  after(ms: number, fn: (request: IoRequest) => void): void {
    this.#owner.after(this, ms, fn);
  }

  /** Aborts the signal with `reason`, now if it exists, else when it is first read. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  /** The caller's `signal` listener: the entry itself, so listening costs no closure. */
  handleEvent(): void {
    this.#owner.abortedBySignal(this);
  }
}
