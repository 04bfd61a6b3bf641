import { describeValue } from "../errors.js";
import { LlmError } from "./errors.js";
import type { LlmAnswer, LlmCallContext, LlmProvider, LlmRequest } from "./llm-types.js";

/**
 * Options of {@link offlineProvider}.
 *
 * @example
 * ```ts
 * offlineProvider({ answers: { "2+2?": "4" }, latencyMs: 50, models: ["offline-small"] });
 * ```
 */
export interface OfflineProviderOptions {
  /** The provider's name in results and errors. Default `"offline"`. */
  name?: string;
  /**
   * Scripted answers: keyed by the last user message's exact text, or a function of the request.
   * Requests without a scripted answer are echoed: `echo: <last user message>`.
   */
  answers?: Record<string, string> | ((request: LlmRequest) => string | LlmAnswer);
  /** Latency of every answer in ms of scheduler clock time (free under a `VirtualClock`). Default 0. */
  latencyMs?: number | ((request: LlmRequest) => number);
  /** Model names it accepts; any other is an `LlmError` naming it. Default: any model. */
  models?: string[];
  /** Whether it offers a `batch` method, as a provider with a batch endpoint would. Default true. */
  batch?: boolean;
  /**
   * For `llm.stream`: the answer arrives a word at a time, this many ms of scheduler clock time
   * apart (after the latency). Default 0: all words at once, still as separate pieces.
   */
  streamWordMs?: number;
}

const KNOWN = ["name", "answers", "latencyMs", "models", "batch", "streamWordMs"];

/**
 * A deterministic provider for demos and tests: no network, scripted or echoed answers, optional
 * latency on the scheduler clock, and token counts by word. The same queries give the same
 * answers and, under a `VirtualClock`, the same timings on every run.
 *
 * @example
 * ```ts
 * registerLlm(sched, offlineProvider({
 *   answers: (req) => `summary of ${req.messages.length} messages`,
 *   latencyMs: 120,
 * }));
 * ```
 */
export function offlineProvider(options: OfflineProviderOptions = {}): LlmProvider {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`offlineProvider options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) throw new TypeError(`offlineProvider: unknown option ${JSON.stringify(key)}; known options: ${KNOWN.join(", ")}`);
  }
  const { name = "offline", answers, latencyMs = 0, models, batch = true, streamWordMs = 0 } = options;
  if (typeof streamWordMs !== "number" || !(streamWordMs >= 0) || !Number.isFinite(streamWordMs)) {
    throw new RangeError(`offlineProvider: \`streamWordMs\` must be a finite number of ms >= 0, got ${describeValue(streamWordMs)}`);
  }
  if (typeof latencyMs !== "function" && (typeof latencyMs !== "number" || !(latencyMs >= 0) || !Number.isFinite(latencyMs))) {
    throw new RangeError(`offlineProvider: \`latencyMs\` must be a finite number of ms >= 0 or a function, got ${describeValue(latencyMs)}`);
  }
  if (models !== undefined && (!Array.isArray(models) || models.some((m) => typeof m !== "string"))) {
    throw new TypeError(`offlineProvider: \`models\` must be an array of model names, got ${describeValue(models)}`);
  }

  const answer = (request: LlmRequest): LlmAnswer => {
    if (models !== undefined && !models.includes(request.model)) {
      throw new LlmError(`unknown model ${JSON.stringify(request.model)}; this provider serves ${models.map((m) => JSON.stringify(m)).join(", ")}`, { provider: name });
    }
    const last = [...request.messages].reverse().find((m) => m.role === "user")?.content ?? "";
    const scripted = typeof answers === "function" ? answers(request) : answers?.[last];
    const reply: LlmAnswer = typeof scripted === "object" ? scripted : { text: scripted ?? `echo: ${last}` };
    const prompt = request.messages.reduce((n, m) => n + words(m.content), 0);
    const completion = words(reply.text);
    return { usage: { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion }, finishReason: "stop", ...reply, model: reply.model ?? request.model };
  };
  const answerOrError = (request: LlmRequest): LlmAnswer | Error => {
    try {
      return answer(request);
    } catch (error) {
      return error instanceof Error ? error : new LlmError(String(error), { provider: name });
    }
  };
  const delay = (request: LlmRequest): number => {
    const ms = typeof latencyMs === "function" ? latencyMs(request) : latencyMs;
    if (typeof ms !== "number" || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new RangeError(`offlineProvider: latencyMs(request) returned ${describeValue(ms)}: return a finite number of ms >= 0`);
    }
    return ms;
  };
  const later = <T>(ms: number, ctx: LlmCallContext, fn: () => T): T | Promise<T> => (ms === 0 ? fn() : ctx.sleep(ms).then(fn));

  // Streams the answer's words as pieces ("Hello", " world"), then returns the whole answer.
  const stream = async (request: LlmRequest, ctx: LlmCallContext): Promise<LlmAnswer> => {
    const ms = delay(request);
    if (ms > 0) await ctx.sleep(ms);
    const reply = answer(request);
    const pieces = reply.text.match(/\s*\S+/g) ?? [];
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0 && streamWordMs > 0) await ctx.sleep(streamWordMs);
      ctx.emit({ text: pieces[i] });
    }
    return reply;
  };

  const provider: LlmProvider = {
    name,
    query: (request, ctx) => (request.stream === true ? stream(request, ctx) : later(delay(request), ctx, () => answer(request))),
  };
  if (batch) {
    // A batch takes as long as its slowest request, as one round trip would.
    (provider as { batch: LlmProvider["batch"] }).batch = (requests, ctx) =>
      later(Math.max(...requests.map(delay)), ctx, () => requests.map(answerOrError));
  }
  return provider;
}

function words(text: string): number {
  const t = text.trim();
  return t === "" ? 0 : t.split(/\s+/).length;
}
