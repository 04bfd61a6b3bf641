import type { TypedOp } from "../io/types.js";

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
  /** The text; `""` for an assistant message that only calls tools. */
  content: string;
  /** Optional author name, passed through to the provider. */
  name?: string;
  /** On an assistant message: the tool calls it made (from a result's `toolCalls`). */
  toolCalls?: LlmToolCall[];
  /** On a `tool` message: the id of the call it answers. */
  toolCallId?: string;
}

/**
 * A tool the model may call, in the OpenAI chat-completions shape (passed through as is).
 *
 * @example
 * ```ts
 * const weather: LlmTool = {
 *   type: "function",
 *   function: { name: "weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
 * };
 * ```
 */
export interface LlmTool {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

/**
 * A tool call the model made: `arguments` is the JSON text the model wrote (parse it yourself).
 *
 * @example
 * ```ts
 * for (const call of result.toolCalls ?? []) console.log(call.function.name, JSON.parse(call.function.arguments));
 * ```
 */
export interface LlmToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/**
 * Whether and which tool the model must call (`tool_choice`).
 *
 * @example
 * ```ts
 * const choice: LlmToolChoice = { type: "function", function: { name: "weather" } };
 * ```
 */
export type LlmToolChoice = "auto" | "none" | "required" | { type: "function"; function: { name: string } };

/**
 * The answer's format (`response_format`): plain text, any JSON object, or JSON matching a schema.
 *
 * @example
 * ```ts
 * const format: LlmResponseFormat = { type: "json_schema", json_schema: { name: "city", schema: { type: "object" }, strict: true } };
 * ```
 */
export type LlmResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean; description?: string } };

/**
 * One piece of a streamed answer: text as it arrives, and tool-call fragments (`arguments` text
 * arrives in pieces under the same `index`).
 *
 * @example
 * ```ts
 * for (let d = yield* deltas.receive(); !d.done; d = yield* deltas.receive()) process.stdout.write(d.value.text);
 * ```
 */
export interface LlmDelta {
  text: string;
  toolCalls?: LlmToolCallDelta[];
}

/**
 * A fragment of a streamed tool call: `id` and `name` come first, `arguments` in pieces.
 *
 * @example
 * ```ts
 * const d: LlmToolCallDelta = { index: 0, arguments: '{"city":' };
 * ```
 */
export interface LlmToolCallDelta {
  index: number;
  id?: string;
  name?: string;
  arguments?: string;
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
  /** Tools the model may call; their calls come back in the result's `toolCalls`. */
  tools?: LlmTool[];
  toolChoice?: LlmToolChoice;
  responseFormat?: LlmResponseFormat;
  /** Asks the provider for repeatable sampling. */
  seed?: number;
  /** Provider-specific fields merged into the request body as is (e.g. `{ top_p: 0.9, user: "u1" }`). */
  extra?: Record<string, unknown>;
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
  readonly tools?: readonly LlmTool[];
  readonly toolChoice?: LlmToolChoice;
  readonly responseFormat?: LlmResponseFormat;
  readonly seed?: number;
  readonly extra?: Readonly<Record<string, unknown>>;
  /**
   * Set for `llm.stream`: the provider should stream and hand each piece to `ctx.emit`. A
   * provider that ignores it still works: its whole answer becomes one delta.
   */
  readonly stream?: boolean;
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
  /** e.g. `"stop"`, `"length"`, `"tool_calls"`. */
  finishReason?: string;
  /** The tools the model called, if any. */
  toolCalls?: LlmToolCall[];
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
  /** What the tokens cost in USD, when the service has a price for the model and the provider reported usage. */
  costUsd?: number;
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
  /** Hands one piece of a streamed answer to the task (for `request.stream`); a no-op otherwise. */
  emit(delta: LlmDelta): void;
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
export interface LlmOp extends TypedOp<LlmResult> {
  type: "llm";
  request: LlmRequest;
  /** The query's `timeout` (set by `llm.query`), so a query still queued when it passes is never sent. */
  timeoutMs?: number;
  /** For `llm.stream`: receives each piece of the answer as it arrives. */
  onDelta?: (delta: LlmDelta) => void;
  /** For `llm.stream`: the task that asked, whose LLM budget pays (the op itself is submitted by a helper task). */
  onBehalfOf?: number;
}
