import { describeValue } from "../errors.js";
import { LlmError } from "./errors.js";
import type { LlmAnswer, LlmMessage, LlmProvider, LlmRequest, LlmToolCall } from "./llm-types.js";
import { mapUsage, readStream } from "./openai-stream.js";

/**
 * Options of {@link openAiProvider}.
 *
 * @example
 * ```ts
 * openAiProvider({ baseURL: "https://api.openai.com/v1", apiKey: process.env.OPENAI_API_KEY });
 * ```
 */
export interface OpenAiProviderOptions {
  /** The API root that `/chat/completions` is appended to, e.g. `"http://localhost:11434/v1"`. Required. */
  baseURL: string;
  /** Sent as `Authorization: Bearer <apiKey>`; never included in error messages. */
  apiKey?: string;
  /** The provider's name in results and errors. Default `"openai-compatible"`. */
  name?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** The `fetch` to use. Default the global one. */
  fetch?: typeof globalThis.fetch;
}

const KNOWN = ["baseURL", "apiKey", "name", "headers", "fetch"];

/**
 * A provider for any OpenAI-compatible chat-completions API (OpenAI, Azure-style proxies,
 * vLLM, Ollama, llama.cpp server, ...) over `fetch`, with no SDK. Errors are {@link LlmError}s
 * naming the status and URL: 429 and 5xx are `retryable` (with the server's `retry-after-ms` or
 * `retry-after`), a body that is not JSON or lacks `choices[0].message.content` is reported as
 * malformed, and the query's timeout or a kill aborts the request through its signal. Request
 * fields pass through (`tools`, `tool_choice`, `response_format`, `seed`, and `extra` as is);
 * `tool_calls` and `usage` come back as `toolCalls` and `usage`. For `llm.stream` it asks for
 * server-sent events (`stream: true`, usage included) and hands each piece to the task.
 *
 * @example
 * ```ts
 * registerLlm(sched, openAiProvider({ baseURL: "https://api.openai.com/v1", apiKey: process.env.OPENAI_API_KEY }));
 * sched.spawn(function* () {
 *   const { text } = yield* llm.query({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], timeout: 30_000 });
 * });
 * ```
 */
export function openAiProvider(options: OpenAiProviderOptions): LlmProvider {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`openAiProvider expects options { baseURL, apiKey? }, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) throw new TypeError(`openAiProvider: unknown option ${JSON.stringify(key)}; known options: ${KNOWN.join(", ")}`);
  }
  const { baseURL, apiKey, name = "openai-compatible", headers = {}, fetch: fetchFn = globalThis.fetch } = options;
  if (typeof baseURL !== "string" || baseURL === "") {
    throw new TypeError(`openAiProvider: \`baseURL\` is required, e.g. "https://api.openai.com/v1"; got ${describeValue(baseURL)}`);
  }
  if (!URL.canParse(baseURL)) throw new TypeError(`openAiProvider: \`baseURL\` is not a valid URL: ${JSON.stringify(baseURL)}`);
  if (apiKey !== undefined && typeof apiKey !== "string") throw new TypeError(`openAiProvider: \`apiKey\` must be a string, got a ${typeof apiKey}`);
  if (typeof fetchFn !== "function") throw new TypeError(`openAiProvider: no global fetch; pass \`fetch\`, got ${describeValue(fetchFn)}`);
  const url = `${baseURL.replace(/\/+$/, "")}/chat/completions`;
  const head: Record<string, string> = { "content-type": "application/json", accept: "application/json", ...headers };
  if (apiKey !== undefined) head.authorization = `Bearer ${apiKey}`;
  const fail = (message: string, details: Omit<ConstructorParameters<typeof LlmError>[1], "provider"> = {}) =>
    new LlmError(message, { provider: name, ...details });

  return {
    name,
    async query(request, ctx): Promise<LlmAnswer> {
      const signal = ctx.signal;
      const stream = request.stream === true;
      let status = 0;
      let response: Response;
      try {
        const accept = stream ? "text/event-stream" : "application/json";
        response = await fetchFn(url, { method: "POST", headers: { ...head, accept }, body: JSON.stringify(toBody(request)), signal });
        status = response.status;
        if (response.ok && stream) return await readStream(response, ctx, (message) => fail(`${message} (POST ${url})`, { status }));
        const body = await response.text();
        return parseAnswer(response, body);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (error instanceof LlmError) throw error;
        const what = status === 0 ? "failed" : `failed while reading the HTTP ${status} body`;
        throw fail(`POST ${url} ${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    },
  };

  function parseAnswer(response: Response, body: string): LlmAnswer {
    const status = response.status;
    if (!response.ok) {
      const retryable = status === 429 || status >= 500;
      throw fail(`HTTP ${status}${response.statusText ? ` ${response.statusText}` : ""} from POST ${url}: ${errorText(body)}`, {
        status,
        retryable,
        retryAfterMs: retryable ? retryAfter(response.headers) : undefined,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw fail(`malformed JSON in the HTTP ${status} answer from POST ${url}: ${snippet(body)}`, { status });
    }
    const choice = (json as { choices?: { message?: { content?: unknown; tool_calls?: unknown }; finish_reason?: unknown }[] })?.choices?.[0];
    const content = choice?.message?.content;
    if (typeof content !== "string" && content !== null) {
      throw fail(`malformed answer from POST ${url}: expected choices[0].message.content, got ${snippet(body)}`, { status });
    }
    const { model, usage } = json as { model?: unknown; usage?: Record<string, unknown> };
    const toolCalls = mapToolCalls(choice?.message?.tool_calls);
    return {
      text: content ?? "",
      ...(typeof model === "string" ? { model } : {}),
      ...(usage !== null && typeof usage === "object" ? { usage: mapUsage(usage) } : {}),
      ...(typeof choice?.finish_reason === "string" ? { finishReason: choice.finish_reason } : {}),
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      raw: json,
    };
  }
}

/** The chat-completions request body: yieldos's camelCase fields in the wire's snake_case, `extra` merged last. */
function toBody(r: LlmRequest): Record<string, unknown> {
  return {
    model: r.model,
    messages: r.messages.map(toWireMessage),
    ...(r.temperature === undefined ? {} : { temperature: r.temperature }),
    ...(r.maxTokens === undefined ? {} : { max_tokens: r.maxTokens }),
    ...(r.stop === undefined ? {} : { stop: r.stop }),
    ...(r.tools === undefined ? {} : { tools: r.tools }),
    ...(r.toolChoice === undefined ? {} : { tool_choice: r.toolChoice }),
    ...(r.responseFormat === undefined ? {} : { response_format: r.responseFormat }),
    ...(r.seed === undefined ? {} : { seed: r.seed }),
    ...(r.stream === true ? { stream: true, stream_options: { include_usage: true } } : {}),
    ...r.extra,
  };
}

function toWireMessage(m: LlmMessage): Record<string, unknown> {
  const { toolCalls, toolCallId, ...rest } = m;
  return {
    ...rest,
    ...(toolCalls === undefined ? {} : { tool_calls: toolCalls, content: m.content === "" ? null : m.content }),
    ...(toolCallId === undefined ? {} : { tool_call_id: toolCallId }),
  };
}

/** The well-formed entries of a `tool_calls` array. */
function mapToolCalls(value: unknown): LlmToolCall[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((c) => typeof c?.function?.name === "string")
    .map((c) => ({
      id: String(c.id ?? ""),
      type: "function" as const,
      function: { name: c.function.name as string, arguments: typeof c.function.arguments === "string" ? c.function.arguments : JSON.stringify(c.function.arguments ?? {}) },
    }));
}


/** `retry-after-ms` (ms), else `retry-after` (seconds or an HTTP date), in ms; `undefined` if absent or unreadable. */
function retryAfter(headers: Headers): number | undefined {
  const ms = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (ms >= 0) return ms;
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  const seconds = Number(value);
  if (value.trim() !== "" && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The `error.message` of an OpenAI-style error body, else the start of the body. */
function errorText(body: string): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } })?.error?.message;
    if (typeof message === "string") return message;
  } catch {
    // not JSON: show the body itself
  }
  return snippet(body);
}

function snippet(body: string): string {
  const text = body.trim();
  if (text === "") return "(empty body)";
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 117)}...` : text);
}
