import type { Tid } from "../kernel/types.js";
import { channel, type Channel } from "../sync/channel.js";
import { fork } from "../syscalls/fork.js";
import { getTid } from "../syscalls/get-tid.js";
import { Kind, Syscall, type SyscallContext, type SyscallDescription } from "../syscalls/syscall.js";
import { wait } from "../syscalls/wait.js";
import { LlmQuerySyscall } from "./llm-query-syscall.js";
import type { LlmDelta, LlmOp, LlmResult } from "./llm-types.js";

/**
 * What `yield* llm.stream(q)` returns: the answer's pieces as they arrive, and the task that
 * runs the query, whose result is the whole answer.
 *
 * @example
 * ```ts
 * const { deltas, result } = yield* llm.stream({ model: "gpt-4o-mini", messages });
 * for (let d = yield* deltas.receive(); !d.done; d = yield* deltas.receive()) process.stdout.write(d.value.text);
 * const { text, usage, toolCalls } = yield* wait(result);
 * ```
 */
export interface LlmStream {
  /** The pieces in order; closed when the answer is complete, failed or cancelled. */
  readonly deltas: Channel<LlmDelta>;
  /** The task streaming the answer: `yield* wait(result)` gives the {@link LlmResult} or throws the query's error. */
  readonly result: Tid<LlmResult>;
}

/** Pieces handed over by the provider (outside any task) until a task takes them. */
class DeltaBuffer {
  readonly pieces: LlmDelta[] = [];
  ended = false;
  waiter: SyscallContext<LlmDelta[] | null> | null = null;

  push(delta: LlmDelta): void {
    this.pieces.push(delta);
    this.#wake();
  }

  end(): void {
    this.ended = true;
    this.#wake();
  }

  #wake(): void {
    const waiter = this.waiter;
    if (waiter === null) return;
    this.waiter = null;
    waiter.resume(this.pieces.length > 0 ? this.pieces.splice(0) : null);
  }
}

/** Takes the pieces buffered so far, waiting for one; `null` once the answer ended. */
class TakeDeltas extends Syscall<LlmDelta[] | null> {
  /** @internal Moves data between tasks only: no capability of its own (the "llm" op was checked). */
  override readonly _kind = Kind.Trusted;
  constructor(
    readonly buffer: DeltaBuffer,
    readonly model: string,
  ) {
    super();
  }

  override handle(ctx: SyscallContext<LlmDelta[] | null>): void {
    const b = this.buffer;
    if (b.pieces.length > 0) return ctx.resume(b.pieces.splice(0));
    if (b.ended) return ctx.resume(null);
    b.waiter = ctx;
    // It waits on the task holding the "llm" op: a virtual clock may jump while that op sleeps.
    ctx.park();
    ctx.signal.addEventListener("abort", () => (b.waiter = null), { once: true });
  }

  auditInfo(): { action: string; target: string } {
    return { action: "llm.delta", target: this.model };
  }

  override describe(): SyscallDescription {
    return { name: "llm.delta", detail: this.model };
  }
}

/**
 * Starts a streamed query: forks `llm.stream` (which forks `llm.call`, the task holding the
 * `"llm"` op) and returns at once. Killing the caller kills both, which cancels the op and
 * aborts the HTTP request. @internal Use `llm.stream`.
 */
export function* startStream(op: LlmOp, timeout: number | undefined): Generator<unknown, LlmStream, unknown> {
  const buffer = new DeltaBuffer();
  const model = op.request.model;
  const deltas = channel<LlmDelta>({ capacity: Infinity, name: `llm.stream ${model}` });
  const me = yield* getTid();
  const streamed: LlmOp = { ...op, request: { ...op.request, stream: true }, onDelta: (d) => buffer.push(d), onBehalfOf: me };
  const call = function* (): Generator<unknown, LlmResult, unknown> {
    try {
      return yield* new LlmQuerySyscall(streamed, timeout === undefined ? undefined : { timeout });
    } finally {
      buffer.end();
    }
  };
  const pump = function* (): Generator<unknown, LlmResult, unknown> {
    const caller = yield* fork(call, { name: "llm.call" });
    try {
      for (let pieces = yield* new TakeDeltas(buffer, model); pieces !== null; pieces = yield* new TakeDeltas(buffer, model)) {
        for (const piece of pieces) yield* deltas.send(piece);
      }
    } finally {
      deltas.close();
    }
    return yield* wait(caller);
  };
  const result = yield* fork(pump, { name: "llm.stream" });
  return { deltas, result };
}
