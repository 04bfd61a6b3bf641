import { describeValue } from "../errors.js";
import { SubmitIO } from "../syscalls/submit-io.js";
import type { LlmMessage, LlmOp, LlmQuery, LlmRequest, LlmResult } from "./llm-types.js";

const KNOWN = new Set(["messages", "model", "priority", "timeout", "temperature", "maxTokens", "stop"]);
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
  const { model, messages, priority = 0, temperature, maxTokens, stop } = query;
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
  const request: LlmRequest = {
    messages: messages.map((m) => ({ ...m })),
    model,
    priority,
    ...(temperature === undefined ? {} : { temperature }),
    ...(maxTokens === undefined ? {} : { maxTokens }),
    ...(stop === undefined ? {} : { stop: [...stop] }),
  };
  return { type: "llm", request };
}

function checkMessage(m: LlmMessage, i: number): void {
  if (m === null || typeof m !== "object" || !ROLES.has(m.role) || typeof m.content !== "string") {
    throw new TypeError(
      `llm.query: messages[${i}] must be { role: "system" | "user" | "assistant" | "tool", content: string }, got ${describeValue(m)}`,
    );
  }
}

/**
 * LLM calls from tasks, as syscalls through the scheduler's I/O ring (the AIOS `LLMSyscall`).
 * `llm.query(q)` is a `SubmitIO` of one `"llm"` op: the provider installed with
 * {@link registerLlm} serves it. Queries made in the same scheduler turn are dispatched by one
 * `enter()`, so a provider with a `batch` method gets them in one call. `timeout` covers the
 * whole query, retries included; killing the task cancels it (its `AbortSignal` fires).
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
    if (query === null || typeof query !== "object") return new SubmitIO<LlmResult>(llmOp(query));
    const { timeout, ...rest } = query;
    if (timeout !== undefined && (typeof timeout !== "number" || !(timeout >= 0) || !Number.isFinite(timeout))) {
      throw new RangeError(`llm.query: \`timeout\` must be a finite number of ms >= 0, got ${describeValue(timeout)}`);
    }
    if (timeout === undefined) return new SubmitIO<LlmResult>(llmOp(rest));
    return new SubmitIO<LlmResult>({ ...llmOp(rest), timeoutMs: timeout }, { timeout });
  },
};
