import type { IoOp } from "../io/types.js";

/**
 * One chat message, in the chat-completions shape.
 *
 * @example
 * ```ts
 * const m: LlmMessage = { role: "user", content: "Summarise the notes" };
 * ```
 */
export interface LlmMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  /** Optional author name, passed through to the provider. */
  name?: string;
}

/**
 * What a task asks for with `llm.query(...)`.
 *
 * @example
 * ```ts
 * const q: LlmQuery = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], timeout: 30_000 };
 * ```
 */
export interface LlmQuery {
  messages: LlmMessage[];
  model: string;
  /** Higher is served first when the provider's concurrency limit makes requests queue. Default 0. */
  priority?: number;
  /** Ms of scheduler clock time for the whole query, retries included; then a `TimeoutError`. */
  timeout?: number;
  temperature?: number;
  maxTokens?: number;
  stop?: string[];
}

/**
 * A query as a provider sees it: {@link LlmQuery} without `timeout` (the ring enforces it), with
 * `priority` resolved.
 *
 * @example
 * ```ts
 * const provider: LlmProvider = { name: "mine", query: (req: LlmRequest) => ({ text: req.model }) };
 * ```
 */
export interface LlmRequest {
  readonly messages: readonly LlmMessage[];
  readonly model: string;
  readonly priority: number;
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly stop?: readonly string[];
}

/**
 * Token counts, when the provider reports them.
 *
 * @example
 * ```ts
 * const { totalTokens } = (yield* llm.query(q)).usage ?? { totalTokens: 0 };
 * ```
 */
export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/**
 * What a provider returns for one request.
 *
 * @example
 * ```ts
 * const answer: LlmAnswer = { text: "Hello!", usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 } };
 * ```
 */
export interface LlmAnswer {
  text: string;
  /** The model that answered, if the provider says; defaults to the requested one. */
  model?: string;
  usage?: LlmUsage;
  /** e.g. `"stop"`, `"length"`. */
  finishReason?: string;
  /** The provider's raw response, for fields yieldos does not map. */
  raw?: unknown;
}

/**
 * The typed result of `yield* llm.query(...)`.
 *
 * @example
 * ```ts
 * const { text, model, usage, attempts } = yield* llm.query({ model: "m", messages });
 * ```
 */
export interface LlmResult extends LlmAnswer {
  model: string;
  /** The provider's `name`. */
  provider: string;
  /** Provider calls it took (1 unless retried). */
  attempts: number;
}

/**
 * What a provider gets besides the request(s): the op's cancellation signal and the ring clock.
 *
 * @example
 * ```ts
 * async query(request, ctx) {
 *   await ctx.sleep(100); // on the scheduler clock: instant under a VirtualClock
 *   return { text: "done" };
 * }
 * ```
 */
export interface LlmCallContext {
  /** Aborts when the query is cancelled (task killed) or times out; for a batch, when all of them are. */
  readonly signal: AbortSignal;
  /** Resolves after `ms` of scheduler clock time; the query counts as waiting on the clock meanwhile. */
  sleep(ms: number): Promise<void>;
  /** The scheduler clock's time. */
  now(): number;
}

/**
 * An LLM backend. `query` answers one request. A provider with a batch endpoint also implements
 * `batch`: queries dispatched by one ring `enter()` (those tasks made in the same scheduler turn)
 * then reach it as one call. A thrown {@link LlmError} with `retryable` set is retried with
 * backoff; any other throw fails the query.
 *
 * @example
 * ```ts
 * const shout: LlmProvider = {
 *   name: "shout",
 *   query: (request) => ({ text: request.messages.at(-1)!.content.toUpperCase() }),
 *   batch: (requests) => requests.map((r) => ({ text: r.messages.at(-1)!.content.toUpperCase() })),
 * };
 * registerLlm(sched, shout);
 * ```
 */
export interface LlmProvider {
  readonly name: string;
  query(request: LlmRequest, ctx: LlmCallContext): LlmAnswer | Promise<LlmAnswer>;
  /**
   * Answers several requests in one call; the answers are in request order. An `Error` in place
   * of an answer fails that request only; a throw fails them all.
   */
  batch?(requests: readonly LlmRequest[], ctx: LlmCallContext): (LlmAnswer | Error)[] | Promise<(LlmAnswer | Error)[]>;
}

/**
 * The ring op behind `llm.query`: type `"llm"`, served by the handler {@link registerLlm} installs.
 *
 * @example
 * ```ts
 * const [a, b] = (yield* submitIO([llmOp(q1), llmOp(q2)])) as LlmResult[];
 * ```
 */
export interface LlmOp extends IoOp {
  type: "llm";
  request: LlmRequest;
  /** The query's `timeout` (set by `llm.query`), so a query still queued when it passes is never sent. */
  timeoutMs?: number;
}
