import type { LlmAnswer, LlmCallContext, LlmToolCall, LlmToolCallDelta, LlmUsage } from "./llm-types.js";

interface ChunkChoice {
  delta?: { content?: unknown; tool_calls?: { index?: unknown; id?: unknown; function?: { name?: unknown; arguments?: unknown } }[] };
  finish_reason?: unknown;
}

interface Chunk {
  model?: unknown;
  choices?: ChunkChoice[];
  usage?: Record<string, unknown> | null;
}

/** The chat-completions `usage` object in yieldos's shape. @internal */
export function mapUsage(u: Record<string, unknown>): LlmUsage {
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  const promptTokens = n(u.prompt_tokens);
  const completionTokens = n(u.completion_tokens);
  return { promptTokens, completionTokens, totalTokens: n(u.total_tokens) || promptTokens + completionTokens };
}

/**
 * Reads a chat-completions server-sent-event stream: hands each chunk's text and tool-call
 * fragments to `ctx.emit` as they arrive, and returns the whole answer (text, tool calls put
 * together, usage from the last chunk) at `data: [DONE]` or the end of the body. A kill aborts
 * the fetch through `ctx.signal`, which ends the read and closes the connection.
 * @internal
 */
export async function readStream(response: Response, ctx: LlmCallContext, fail: (message: string) => Error): Promise<LlmAnswer> {
  if (response.body === null) throw fail("the event stream has no body");
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const calls: LlmToolCall[] = [];
  let text = "";
  let model: string | undefined;
  let usage: LlmUsage | undefined;
  let finishReason: string | undefined;
  let pending = "";
  let done = false;

  const onData = (data: string): void => {
    if (data === "[DONE]") {
      done = true;
      return;
    }
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      throw fail(`malformed JSON in an event of the stream: ${JSON.stringify(data.slice(0, 120))}`);
    }
    const error = (chunk as { error?: { message?: unknown } }).error;
    if (error !== undefined && error !== null) {
      throw fail(`the server reported an error in the stream: ${typeof error.message === "string" ? error.message : JSON.stringify(error)}`);
    }
    if (typeof chunk.model === "string") model = chunk.model;
    if (chunk.usage !== null && typeof chunk.usage === "object") usage = mapUsage(chunk.usage);
    const choice = chunk.choices?.[0];
    if (choice === undefined) return;
    if (typeof choice.finish_reason === "string") finishReason = choice.finish_reason;
    const piece = typeof choice.delta?.content === "string" ? choice.delta.content : "";
    const toolCalls = (choice.delta?.tool_calls ?? []).map((c, i) => mergeToolCall(calls, c, i));
    text += piece;
    if (piece !== "" || toolCalls.length > 0) ctx.emit(toolCalls.length > 0 ? { text: piece, toolCalls } : { text: piece });
  };

  try {
    while (!done) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      pending += value;
      // Events end with a blank line; a line `data: ...` carries the payload (other fields are ignored).
      let cut = pending.search(/\r?\n\r?\n/);
      while (cut !== -1 && !done) {
        const event = pending.slice(0, cut);
        pending = pending.slice(cut).replace(/^\r?\n\r?\n/, "");
        const data = event
          .split(/\r?\n/)
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).replace(/^ /, ""))
          .join("\n");
        if (data !== "") onData(data);
        cut = pending.search(/\r?\n\r?\n/);
      }
    }
  } finally {
    // Stops the body at [DONE] (or after an error) instead of leaving the connection half read.
    reader.cancel().catch(() => {});
  }
  return {
    text,
    ...(model === undefined ? {} : { model }),
    ...(usage === undefined ? {} : { usage }),
    ...(finishReason === undefined ? {} : { finishReason }),
    ...(calls.length > 0 ? { toolCalls: calls } : {}),
  };
}

/** Adds one streamed tool-call fragment to the calls being put together; returns it as a delta. */
function mergeToolCall(calls: LlmToolCall[], c: NonNullable<NonNullable<ChunkChoice["delta"]>["tool_calls"]>[number], i: number): LlmToolCallDelta {
  const index = typeof c.index === "number" ? c.index : i;
  const call = (calls[index] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
  const delta: LlmToolCallDelta = { index };
  if (typeof c.id === "string") call.id = delta.id = c.id;
  if (typeof c.function?.name === "string") {
    call.function.name += c.function.name;
    delta.name = c.function.name;
  }
  if (typeof c.function?.arguments === "string") {
    call.function.arguments += c.function.arguments;
    delta.arguments = c.function.arguments;
  }
  return delta;
}
