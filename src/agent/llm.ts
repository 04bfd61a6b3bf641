import { describeValue } from "../errors.js";
import { SubmitIO } from "../syscalls/submit-io.js";
import { LlmQuerySyscall } from "./llm-query-syscall.js";
import { startStream, type LlmStream } from "./llm-stream.js";
import type { LlmMessage, LlmOp, LlmQuery, LlmRequest, LlmResult, LlmTool } from "./llm-types.js";

const KNOWN = new Set(["messages", "model", "priority", "timeout", "temperature", "maxTokens", "stop", "tools", "toolChoice", "responseFormat", "seed", "extra"]);
const ROLES = new Set(["system", "user", "assistant", "tool"]);

/**
 * Builds the ring op of an LLM query, checking it first: a `TypeError` or `RangeError` names the
 * bad key or value (an unknown option, an empty model, a message without content, ...). Submit
 * several with `submitIO([...])` to send them as one batch; `llm.query` is the one-query form.
 *
 * @example
 * ```ts
 * const ops = questions.map((q) => llmOp({ model: "gpt-4o-mini", messages: [{ role: "user", content: q }] }));
 * const answers = (yield* submitIO(ops)) as LlmResult[];
 * ```
 */
export function llmOp(query: Omit<LlmQuery, "timeout">): LlmOp {
  if (query === null || typeof query !== "object") {
    throw new TypeError(`llm.query expects { messages, model }, got ${describeValue(query)}`);
  }
  for (const key of Object.keys(query)) {
    if (!KNOWN.has(key)) {
      throw new TypeError(`llm.query: unknown option ${JSON.stringify(key)}; known options: ${[...KNOWN].join(", ")}`);
    }
  }
  const { model, messages, priority = 0, temperature, maxTokens, stop, tools, toolChoice, responseFormat, seed, extra } = query;
  if (typeof model !== "string" || model.trim() === "") {
    throw new TypeError(`llm.query: \`model\` must be a non-empty string like "gpt-4o-mini", got ${describeValue(model)}`);
  }
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new TypeError(`llm.query: \`messages\` must be a non-empty array of { role, content }, got ${describeValue(messages)}`);
  }
  messages.forEach(checkMessage);
  if (typeof priority !== "number" || !Number.isFinite(priority)) {
    throw new RangeError(`llm.query: \`priority\` must be a finite number, got ${describeValue(priority)}`);
  }
  if (temperature !== undefined && (typeof temperature !== "number" || !(temperature >= 0))) {
    throw new RangeError(`llm.query: \`temperature\` must be a number >= 0, got ${describeValue(temperature)}`);
  }
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1)) {
    throw new RangeError(`llm.query: \`maxTokens\` must be an integer >= 1, got ${describeValue(maxTokens)}`);
  }
  if (stop !== undefined && (!Array.isArray(stop) || stop.some((s) => typeof s !== "string"))) {
    throw new TypeError(`llm.query: \`stop\` must be an array of strings, got ${describeValue(stop)}`);
  }
  if (tools !== undefined) {
    if (!Array.isArray(tools)) throw new TypeError(`llm.query: \`tools\` must be an array of { type: "function", function: { name } }, got ${describeValue(tools)}`);
    tools.forEach(checkTool);
  }
  if (toolChoice !== undefined && !["auto", "none", "required"].includes(toolChoice as string) && typeof (toolChoice as { function?: { name?: unknown } })?.function?.name !== "string") {
    throw new TypeError(`llm.query: \`toolChoice\` must be "auto", "none", "required" or { type: "function", function: { name } }, got ${describeValue(toolChoice)}`);
  }
  if (responseFormat !== undefined && !["text", "json_object", "json_schema"].includes((responseFormat as { type?: string })?.type as string)) {
    throw new TypeError(`llm.query: \`responseFormat\` must be { type: "text" | "json_object" | "json_schema", ... }, got ${describeValue(responseFormat)}`);
  }
  if (seed !== undefined && !Number.isInteger(seed)) {
    throw new RangeError(`llm.query: \`seed\` must be an integer, got ${describeValue(seed)}`);
  }
  if (extra !== undefined && (extra === null || typeof extra !== "object" || Array.isArray(extra))) {
    throw new TypeError(`llm.query: \`extra\` must be an object of provider-specific fields like { top_p: 0.9 }, got ${describeValue(extra)}`);
  }
  const request: LlmRequest = {
    messages: messages.map((m) => ({ ...m })),
    model,
    priority,
    ...(temperature === undefined ? {} : { temperature }),
    ...(maxTokens === undefined ? {} : { maxTokens }),
    ...(stop === undefined ? {} : { stop: [...stop] }),
    ...(tools === undefined ? {} : { tools: [...tools] }),
    ...(toolChoice === undefined ? {} : { toolChoice }),
    ...(responseFormat === undefined ? {} : { responseFormat }),
    ...(seed === undefined ? {} : { seed }),
    ...(extra === undefined ? {} : { extra: { ...extra } }),
  };
  return { type: "llm", request };
}

function checkTool(t: LlmTool, i: number): void {
  if (t === null || typeof t !== "object" || t.type !== "function" || typeof t.function?.name !== "string") {
    throw new TypeError(`llm.query: tools[${i}] must be { type: "function", function: { name, description?, parameters? } }, got ${describeValue(t)}`);
  }
}

function checkMessage(m: LlmMessage, i: number): void {
  if (m === null || typeof m !== "object" || !ROLES.has(m.role) || typeof m.content !== "string") {
    throw new TypeError(
      `llm.query: messages[${i}] must be { role: "system" | "user" | "assistant" | "tool", content: string }, got ${describeValue(m)}`,
    );
  }
}

function checkTimeout(timeout: unknown): void {
  if (timeout !== undefined && (typeof timeout !== "number" || !(timeout >= 0) || !Number.isFinite(timeout))) {
    throw new RangeError(`llm.query: \`timeout\` must be a finite number of ms >= 0, got ${describeValue(timeout)}`);
  }
}

/**
 * LLM calls from tasks, as syscalls through the scheduler's I/O ring (the AIOS `LLMSyscall`).
 * `llm.query(q)` is a `SubmitIO` of one `"llm"` op: the provider installed with
 * {@link registerLlm} serves it. Queries made in the same scheduler turn are dispatched by one
 * `enter()`, so a provider with a `batch` method gets them in one call. `timeout` covers the
 * whole query, retries included; killing the task cancels it (its `AbortSignal` fires).
 * `llm.stream(q)` streams the answer: see {@link LlmStream}.
 *
 * @example
 * ```ts
 * registerLlm(sched, offlineProvider({ answers: { "Say hi": "hi" } }));
 * sched.spawn(function* () {
 *   const { text, usage } = yield* llm.query({ model: "offline", messages: [{ role: "user", content: "Say hi" }] });
 *   return text; // "hi"
 * });
 * ```
 */
export const llm = {
  query(query: LlmQuery): SubmitIO<LlmResult> {
    if (query === null || typeof query !== "object") return new LlmQuerySyscall(llmOp(query));
    const { timeout, ...rest } = query;
    checkTimeout(timeout);
    if (timeout === undefined) return new LlmQuerySyscall(llmOp(rest));
    return new LlmQuerySyscall({ ...llmOp(rest), timeoutMs: timeout }, { timeout });
  },

  /**
   * Streams the answer of a query: returns at once with a channel of pieces (text, tool-call
   * fragments) and the tid of the task running the query, whose result is the whole
   * {@link LlmResult} (usage included). Killing the calling task stops the HTTP request. A
   * provider that does not stream answers with one piece. Streams are never batched, and one
   * that has delivered a piece is not retried.
   *
   * @example
   * ```ts
   * const { deltas, result } = yield* llm.stream({ model: "gpt-4o-mini", messages, timeout: 60_000 });
   * for (let d = yield* deltas.receive(); !d.done; d = yield* deltas.receive()) out += d.value.text;
   * const { usage } = yield* wait(result);
   * ```
   */
  *stream(query: LlmQuery): Generator<unknown, LlmStream, unknown> {
    if (query === null || typeof query !== "object") llmOp(query);
    const { timeout, ...rest } = query;
    checkTimeout(timeout);
    const op = llmOp(rest);
    return yield* startStream(timeout === undefined ? op : { ...op, timeoutMs: timeout }, timeout);
  },
};
