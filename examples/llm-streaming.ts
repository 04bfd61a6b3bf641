/**
 * Streaming LLM calls with tool calls, usage, cost and a budget, against a fake
 * OpenAI-compatible server that this example starts on 127.0.0.1 (no network, no API key):
 *
 *   1. the model streams a tool call (weather in Oslo); the agent runs the tool
 *   2. the model streams its answer word by word; the agent prints the pieces as they come
 *   3. a long story stream is stopped after three pieces: the HTTP request is aborted
 *
 *   npx tsx examples/llm-streaming.ts
 *
 * Point `baseURL` at a real server (OpenAI, vLLM, Ollama, llama.cpp) and the agent code is unchanged.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Scheduler, call, kill, wait } from "../src/index.js";
import { audit, llm, openAiProvider, registerLlm, type LlmMessage, type LlmTool } from "../src/agent/index.js";

const MODEL = "fake-mini";
const usage = (prompt: number, completion: number) => ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion });
const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({ model: `${MODEL}-001`, choices: [{ index: 0, delta, finish_reason: finish }] });

/** Writes `events` as server-sent events, `gapMs` apart, then `[DONE]`; resolves `closedEarly` if the client hangs up first. */
function sse(res: ServerResponse, events: unknown[], gapMs: number, onClosedEarly: () => void): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.on("close", () => {
    if (!res.writableFinished) onClosedEarly();
  });
  const lines = [...events.map((e) => `data: ${JSON.stringify(e)}\n\n`), "data: [DONE]\n\n"];
  const next = (i: number): void => {
    if (res.destroyed) return;
    if (i === lines.length) return void res.end();
    res.write(lines[i]);
    setTimeout(() => next(i + 1), gapMs);
  };
  next(0);
}

/** A chat-completions endpoint that answers with a tool call, then with text, or with an endless story. */
async function startFakeServer(): Promise<{ baseURL: string; storyClosedEarly: Promise<void>; close: () => Promise<void> }> {
  let closedEarly!: () => void;
  const storyClosedEarly = new Promise<void>((resolve) => (closedEarly = resolve));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const { messages, tools } = JSON.parse(body) as { messages: { role: string; content: string | null }[]; tools?: unknown[] };
      const last = messages.at(-1)!;
      if (tools !== undefined && last.role === "user") {
        // 1. A tool call, its arguments split over two events as real servers do.
        sse(res, [
          chunk({ role: "assistant", tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "weather", arguments: "" } }] }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }),
          chunk({}, "tool_calls"),
          { model: `${MODEL}-001`, choices: [], usage: usage(52, 12) },
        ], 2, () => {});
      } else if (last.role === "tool") {
        // 2. The answer, a word per event, usage in the last event.
        const words = "In Oslo it is 4 °C and cloudy today.".split(" ");
        sse(res, [...words.map((w, i) => chunk({ content: i === 0 ? w : ` ${w}` })), chunk({}, "stop"), { model: `${MODEL}-001`, choices: [], usage: usage(80, 9) }], 2, () => {});
      } else {
        // 3. A story far longer than anyone reads.
        sse(res, Array.from({ length: 500 }, (_, i) => chunk({ content: i === 0 ? "Once" : ` upon-a-time-${i}` })), 5, closedEarly);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    storyClosedEarly,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // fetch keeps connections alive; do not wait for them to idle out
      }),
  };
}

const weatherTool: LlmTool = {
  type: "function",
  function: { name: "weather", description: "Current weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};

/** Runs the three steps and returns what they printed. */
export async function runLlmStreaming(): Promise<{ lines: string[] }> {
  const fake = await startFakeServer();
  const lines: string[] = [];
  const say = (line: string) => lines.push(line);
  try {
    const sched = new Scheduler();
    const service = registerLlm(sched, openAiProvider({ baseURL: fake.baseURL, apiKey: "sk-fake" }), {
      prices: { [MODEL]: { inputPerMillion: 0.15, outputPerMillion: 0.6 } },
      budget: { maxTokens: 10_000, maxCostUsd: 0.01 },
    });
    const log = audit(sched);

    sched.spawn(function* weatherAgent() {
      const messages: LlmMessage[] = [{ role: "user", content: "What is the weather in Oslo?" }];
      say(`user: ${messages[0].content}`);

      // 1. The model asks for a tool; its call arrives in fragments, put together in the result.
      const first = yield* llm.stream({ model: MODEL, messages, tools: [weatherTool], toolChoice: "auto", timeout: 10_000 });
      for (let d = yield* first.deltas.receive(); !d.done; d = yield* first.deltas.receive());
      const { toolCalls = [] } = yield* wait(first.result);
      messages.push({ role: "assistant", content: "", toolCalls });
      for (const c of toolCalls) {
        say(`assistant -> tool call ${c.function.name}(${c.function.arguments})`);
        const { city } = JSON.parse(c.function.arguments) as { city: string };
        const report = yield* call(() => Promise.resolve({ city, tempC: 4, sky: "cloudy" }));
        say(`tool ${c.function.name} -> ${JSON.stringify(report)}`);
        messages.push({ role: "tool", content: JSON.stringify(report), toolCallId: c.id });
      }

      // 2. The answer, piece by piece.
      const answer = yield* llm.stream({ model: MODEL, messages, timeout: 10_000 });
      const pieces: string[] = [];
      for (let d = yield* answer.deltas.receive(); !d.done; d = yield* answer.deltas.receive()) pieces.push(d.value.text);
      const result = yield* wait(answer.result);
      say(`assistant (${pieces.length} pieces): ${pieces.join("")}`);
      say(`usage: ${result.usage?.promptTokens} prompt + ${result.usage?.completionTokens} completion tokens, $${result.costUsd?.toFixed(7)}`);

      // 3. Stop a stream early: killing its task aborts the HTTP request.
      const story = yield* llm.stream({ model: MODEL, messages: [{ role: "user", content: "Tell me a long story" }] });
      const read: string[] = [];
      while (read.length < 3) {
        const d = yield* story.deltas.receive();
        if (d.done) break;
        read.push(d.value.text);
      }
      yield* kill(story.result, "read enough");
      say(`story: ${read.join("")}... (stopped after ${read.length} pieces)`);
    });

    await sched.run();
    await fake.storyClosedEarly;
    say("server: the client closed the story stream before its end");
    const { spent } = service.stats;
    say(`spent: ${spent.totalTokens} tokens, $${spent.costUsd.toFixed(7)} of a $0.01 budget`);
    say("audit (LLM calls):");
    for (const r of log.records.filter((r) => r.action === "llm")) {
      say(`  #${r.tid} ${r.task} ${r.action} ${r.target}: ${r.outcome}${r.usage ? `, ${r.usage.totalTokens} tokens` : ""}`);
    }
    return { lines };
  } finally {
    await fake.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { lines } = await runLlmStreaming();
  console.log(lines.join("\n"));
}
