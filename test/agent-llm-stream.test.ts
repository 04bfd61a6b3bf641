import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import { BudgetExceededError, Scheduler, channel as makeChannel, fork, kill, sleep, submitIO, wait } from "../src/index.js";
import {
  LlmError,
  llm,
  llmOp,
  offlineProvider,
  openAiProvider,
  registerLlm,
  type LlmDelta,
  type LlmQuery,
  type LlmResult,
  type LlmServiceOptions,
} from "../src/agent/index.js";
import { virtualScheduler } from "./helpers.js";

type Responder = (req: IncomingMessage, res: ServerResponse) => void;

/** A chat-completions server on 127.0.0.1 that speaks JSON and server-sent events, answering each request with the next scripted responder. */
let server: Server;
let baseURL: string;
let script: Responder[] = [];
let seen: Record<string, unknown>[] = [];
let closedEarly = 0;

const usage = { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 };
const json = (value: unknown, status = 200): Responder => (_req, res) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
};
const answer = (content: string | null, extra: Record<string, unknown> = {}) =>
  json({ model: "gpt-test-0613", choices: [{ index: 0, message: { role: "assistant", content, ...extra }, finish_reason: "stop" }], usage });
const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({ model: "gpt-test-0613", choices: [{ index: 0, delta, finish_reason: finish }] });
/** An SSE answer: each event written `gapMs` after the previous; `stopAfter` ends the script there without [DONE]. */
const sse = (events: unknown[], gapMs = 0): Responder => (_req, res) => {
  res.writeHead(200, { "content-type": "text/event-stream" });
  const all = [...events.map((e) => `data: ${JSON.stringify(e)}\n\n`), "data: [DONE]\n\n"];
  const write = (i: number): void => {
    if (res.destroyed) return;
    if (i === all.length) return void res.end();
    res.write(all[i]);
    if (gapMs === 0) write(i + 1);
    else setTimeout(() => write(i + 1), gapMs);
  };
  write(0);
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push(JSON.parse(body));
      res.on("close", () => {
        if (!res.writableFinished) closedEarly++;
      });
      (script.shift() ?? json({ error: { message: "no scripted answer left" } }, 500))(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // fetch keeps connections alive: do not wait for them to idle out
    }),
);
beforeEach(() => {
  script = [];
  seen = [];
  closedEarly = 0;
});

const hi = (extra: Partial<LlmQuery> = {}): LlmQuery => ({ model: "gpt-test", messages: [{ role: "user", content: "hi" }], ...extra });
const service = (sched: Scheduler, options: LlmServiceOptions = {}) => registerLlm(sched, openAiProvider({ baseURL }), { retry: { baseMs: 5 }, ...options });
/** Streams `query`, collecting the delta texts, then waits for the result, which must fail, and returns its error. */
function* textsThenError(query: LlmQuery) {
  const { deltas, result } = yield* llm.stream(query);
  const texts: string[] = [];
  for (let d = yield* deltas.receive(); !d.done; d = yield* deltas.receive()) texts.push(d.value.text);
  try {
    yield* wait(result);
  } catch (e) {
    return { texts, error: e as LlmError };
  }
  throw new Error(`expected the stream's result to fail; it succeeded after ${JSON.stringify(texts)}`);
}

describe("llm fields", () => {
  it("passes tools, tool_choice, response_format, seed and provider extras through and returns tool calls and usage", async () => {
    const call = { id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } };
    script = [answer(null, { tool_calls: [call] })];
    const sched = new Scheduler();
    service(sched);
    const tools = [{ type: "function" as const, function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }];
    const t = sched.spawn(function* () {
      return yield* llm.query(hi({ tools, toolChoice: "required", responseFormat: { type: "json_object" }, seed: 7, extra: { top_p: 0.5, user: "u1" } }));
    });
    await sched.run();
    expect(seen[0]).toEqual({
      model: "gpt-test",
      messages: [{ role: "user", content: "hi" }],
      tools,
      tool_choice: "required",
      response_format: { type: "json_object" },
      seed: 7,
      top_p: 0.5,
      user: "u1",
    });
    expect(await t.done).toMatchObject({ text: "", toolCalls: [call], usage: { promptTokens: 7, completionTokens: 3, totalTokens: 10 } });
  });

  it("sends an assistant tool-call message and the tool's answer in the wire shape", async () => {
    const call = { id: "call_9", type: "function" as const, function: { name: "add", arguments: '{"a":1,"b":2}' } };
    script = [answer("3")];
    const sched = new Scheduler();
    service(sched);
    sched.spawn(function* () {
      yield* llm.query({
        model: "gpt-test",
        messages: [
          { role: "user", content: "1+2?" },
          { role: "assistant", content: "", toolCalls: [call] },
          { role: "tool", content: "3", toolCallId: "call_9" },
        ],
      });
    });
    await sched.run();
    expect(seen[0].messages).toEqual([
      { role: "user", content: "1+2?" },
      { role: "assistant", content: null, tool_calls: [call] },
      { role: "tool", content: "3", tool_call_id: "call_9" },
    ]);
  });

  it("rejects malformed tools, toolChoice, responseFormat, seed and extra with errors naming them", () => {
    expect(() => llm.query(hi({ tools: [{ name: "x" }] as never }))).toThrow('tools[0] must be { type: "function"');
    expect(() => llm.query(hi({ toolChoice: "always" as never }))).toThrow('`toolChoice` must be "auto", "none", "required"');
    expect(() => llm.query(hi({ responseFormat: { type: "yaml" } as never }))).toThrow("`responseFormat` must be");
    expect(() => llm.query(hi({ seed: 1.5 }))).toThrow("`seed` must be an integer, got 1.5 (number)");
    expect(() => llm.query(hi({ extra: [] as never }))).toThrow("`extra` must be an object");
  });

  it("types llmOp like the fs ops, so submitIO gives LlmResult without a cast", () => {
    function* task() {
      const one = yield* submitIO(llmOp(hi()));
      const [a, b] = yield* submitIO([llmOp(hi()), llmOp(hi())]);
      expectTypeOf(one).toEqualTypeOf<LlmResult>();
      expectTypeOf(a).toEqualTypeOf<LlmResult>();
      expectTypeOf(b).toEqualTypeOf<LlmResult>();
    }
    expect(typeof task).toBe("function");
  });

  it("explains a query without a registered provider by pointing to registerLlm", async () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      yield* llm.query(hi());
    });
    await sched.run().catch(() => {});
    await expect(t.done).rejects.toThrow("llm.query: no LLM provider is registered on this scheduler: call registerLlm(sched, provider) before run()");
  });
});

describe("llm.stream", () => {
  it("delivers server-sent pieces in order through a channel and returns the whole answer with usage", async () => {
    script = [sse([chunk({ role: "assistant", content: "" }), chunk({ content: "Hel" }), chunk({ content: "lo" }), chunk({}, "stop"), { model: "gpt-test-0613", choices: [], usage }], 5)];
    const sched = new Scheduler();
    service(sched);
    const t = sched.spawn(function* () {
      const { deltas, result } = yield* llm.stream(hi());
      const pieces: LlmDelta[] = [];
      for (let d = yield* deltas.receive(); !d.done; d = yield* deltas.receive()) pieces.push(d.value);
      return { pieces, final: yield* wait(result) };
    });
    await sched.run();
    const { pieces, final } = await t.done;
    expect(pieces).toEqual([{ text: "Hel" }, { text: "lo" }]);
    expect(final).toMatchObject({ text: "Hello", model: "gpt-test-0613", finishReason: "stop", usage: { promptTokens: 7, completionTokens: 3, totalTokens: 10 } });
    expect(seen[0]).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("puts streamed tool-call fragments together in the result", async () => {
    script = [
      sse([
        chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "weather", arguments: "" } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }),
        chunk({}, "tool_calls"),
      ]),
    ];
    const sched = new Scheduler();
    service(sched);
    const t = sched.spawn(function* () {
      const { deltas, result } = yield* llm.stream(hi());
      let fragments = 0;
      for (let d = yield* deltas.receive(); !d.done; d = yield* deltas.receive()) fragments += d.value.toolCalls?.length ?? 0;
      return { fragments, final: yield* wait(result) };
    });
    await sched.run();
    const { fragments, final } = await t.done;
    expect(fragments).toBe(3);
    expect(final.toolCalls).toEqual([{ id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } }]);
    expect(final.finishReason).toBe("tool_calls");
  });

  it("stops the HTTP request when the streaming task is killed", async () => {
    script = [sse(Array.from({ length: 200 }, (_, i) => chunk({ content: `${i} ` })), 10)];
    const sched = new Scheduler();
    service(sched);
    let received = 0;
    let channel: { closed: boolean } | null = null;
    // Killed once three pieces came in (not after a fixed time, which a loaded machine may not reach).
    const started = makeChannel<void>({ capacity: 1 });
    sched.spawn(function* () {
      const reader = yield* fork(function* reader() {
        const { deltas } = yield* llm.stream(hi());
        channel = deltas;
        for (let d = yield* deltas.receive(); !d.done; d = yield* deltas.receive()) {
          if (++received === 3) yield* started.send();
        }
      });
      yield* started.receive();
      yield* kill(reader, "enough");
    });
    const start = performance.now();
    await sched.run();
    // The whole stream takes 2 s; a kill after three pieces ends the run long before that.
    expect(performance.now() - start).toBeLessThan(1_500);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(200);
    // The server sees the connection close (polled: a loaded machine may take a while).
    for (let i = 0; i < 100 && closedEarly === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(closedEarly).toBe(1);
    expect(sched.ps()).toEqual([]);
    expect(channel!.closed).toBe(true);
  });

  it("fails the result with the server's error and closes the channel when the stream cannot start", async () => {
    script = [json({ error: { message: "model not found" } }, 404)];
    const sched = new Scheduler();
    service(sched);
    const t = sched.spawn(function* () {
      const { deltas, result } = yield* llm.stream(hi());
      const first = yield* deltas.receive();
      try {
        yield* wait(result);
      } catch (e) {
        return { first, error: e };
      }
    });
    await sched.run();
    const { first, error } = (await t.done)!;
    expect(first).toEqual({ done: true });
    expect(error).toBeInstanceOf(LlmError);
    expect((error as Error).message).toContain("HTTP 404 Not Found");
  });

  it("fails the result with an LlmError when the server reports an error in the middle of the stream", async () => {
    script = [sse([chunk({ content: "Hal" }), { error: { message: "upstream overloaded" } }])];
    const sched = new Scheduler();
    service(sched);
    const t = sched.spawn(() => textsThenError(hi()));
    await sched.run();
    const { texts, error } = (await t.done)!;
    expect(texts).toEqual(["Hal"]);
    expect(error).toBeInstanceOf(LlmError);
    expect(error.message).toBe(`openai-compatible: the server reported an error in the stream: upstream overloaded (POST ${baseURL}/chat/completions)`);
  });

  it("retries a stream that failed before its first piece, but not one that delivered a piece", async () => {
    const { sched } = virtualScheduler();
    let calls = 0;
    registerLlm(
      sched,
      {
        name: "flaky",
        query(request, ctx) {
          calls++;
          if (calls === 1) throw new LlmError("HTTP 503", { provider: "flaky", status: 503, retryable: true });
          ctx.emit({ text: `piece ${calls}` });
          throw new LlmError("connection reset", { provider: "flaky", retryable: true });
        },
      },
      { retry: { retries: 5, baseMs: 10 } },
    );
    const t = sched.spawn(() => textsThenError(hi()));
    await sched.run();
    const { texts, error } = (await t.done)!;
    expect(texts).toEqual(["piece 2"]);
    expect(error).toMatchObject({ message: "flaky: connection reset", attempts: 2 });
    expect(calls).toBe(2);
  });

  it("streams a provider that does not stream as one piece, on a virtual clock", async () => {
    const { sched, clock } = virtualScheduler();
    registerLlm(sched, { name: "plain", query: (_r, ctx) => ctx.sleep(250).then(() => ({ text: "all at once" })) });
    const t = sched.spawn(function* () {
      const { deltas, result } = yield* llm.stream({ model: "plain", messages: [{ role: "user", content: "ping" }] });
      const pieces: string[] = [];
      for (let d = yield* deltas.receive(); !d.done; d = yield* deltas.receive()) pieces.push(d.value.text);
      return [pieces, (yield* wait(result)).text];
    });
    await sched.run();
    expect(await t.done).toEqual([["all at once"], "all at once"]);
    expect(clock.now()).toBe(250);
  });

  it("streams the offline provider's answer a word at a time on the virtual clock, and a kill stops it", async () => {
    const { sched } = virtualScheduler();
    const service = registerLlm(sched, offlineProvider({ answers: { story: "one two three four five six" }, latencyMs: 100, streamWordMs: 10 }));
    const seen: string[] = [];
    sched.spawn(function* () {
      const reader = yield* fork(function* reader() {
        const { deltas } = yield* llm.stream({ model: "offline", messages: [{ role: "user", content: "story" }] });
        for (let d = yield* deltas.receive(); !d.done; d = yield* deltas.receive()) seen.push(`t=${sched.now()}${d.value.text}`);
      });
      yield* sleep(125);
      yield* kill(reader, "enough");
    });
    await sched.run();
    expect(seen).toEqual(["t=100one", "t=110 two", "t=120 three"]);
    expect(sched.now()).toBe(125);
    expect(service.stats).toMatchObject({ inFlight: 0, queued: 0 });
  });
});

describe("llm budgets", () => {
  const offline = () => offlineProvider({ answers: () => ({ text: "ok", usage: { promptTokens: 60, completionTokens: 40, totalTokens: 100 } }) });

  it("refuses a query with BudgetExceededError maxTokens once the service's tokens are spent", async () => {
    const { sched } = virtualScheduler();
    const svc = registerLlm(sched, offline(), { budget: { maxTokens: 250 } });
    const t = sched.spawn(function* agent() {
      const done: number[] = [];
      try {
        for (let i = 0; i < 10; i++) {
          yield* llm.query({ model: "m", messages: [{ role: "user", content: `q${i}` }] });
          done.push(i);
        }
      } catch (e) {
        return { done, error: e as BudgetExceededError };
      }
    });
    await sched.run();
    const { done, error } = (await t.done)!;
    expect(done).toEqual([0, 1, 2]); // 100, 200, 300: the third crosses 250 and is delivered, the fourth is refused
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error).toMatchObject({ budget: "maxTokens", limit: 250, tid: 1 });
    expect(error.message).toBe(
      'task #1 "agent" exceeded maxTokens (limit 250): the LLM service budget has spent 300 tokens; raise it in registerLlm\'s `budget`',
    );
    expect(svc.stats.spent).toEqual({ promptTokens: 180, completionTokens: 120, totalTokens: 300, costUsd: 0 });
    expect(svc.stats.calls).toBe(3);
  });

  it("computes each answer's cost from the price table and refuses at maxCostUsd", async () => {
    const { sched } = virtualScheduler();
    // 60 prompt tokens at $1/M + 40 completion tokens at $2/M = $0.00014 per query
    const svc = registerLlm(sched, offline(), { prices: { m: { inputPerMillion: 1, outputPerMillion: 2 } }, budget: { maxCostUsd: 0.0003 } });
    const t = sched.spawn(function* () {
      const costs: number[] = [];
      try {
        for (;;) costs.push((yield* llm.query({ model: "m", messages: [{ role: "user", content: "q" }] })).costUsd!);
      } catch (e) {
        return { costs, error: e };
      }
    });
    await sched.run();
    const { costs, error } = await t.done;
    expect(costs.map((c) => c.toFixed(5))).toEqual(["0.00014", "0.00014", "0.00014"]);
    expect(error).toMatchObject({ name: "BudgetExceededError", budget: "maxCostUsd", limit: 0.0003 });
    expect(svc.stats.spent.costUsd).toBeCloseTo(0.00042, 10);
  });

  it("keeps a budget per task with taskBudget, so one agent's spending does not stop another", async () => {
    const { sched } = virtualScheduler();
    registerLlm(sched, offline(), { taskBudget: { maxTokens: 150 } });
    const agent = (name: string) =>
      sched.spawn(function* () {
        let n = 0;
        try {
          for (;;) {
            yield* llm.query({ model: "m", messages: [{ role: "user", content: name }] });
            n++;
          }
        } catch (e) {
          return `${n} then ${(e as BudgetExceededError).budget}`;
        }
      }, { name });
    const [a, b] = [agent("a"), agent("b")];
    await sched.run();
    expect([await a.done, await b.done]).toEqual(["2 then maxTokens", "2 then maxTokens"]);
  });

  it("charges the queries of a forked helper and of a stream to the agent that started them", async () => {
    const { sched } = virtualScheduler();
    registerLlm(sched, offline(), { taskBudget: { maxTokens: 250 } });
    const t = sched.spawn(function* agent() {
      const ask = { model: "m", messages: [{ role: "user" as const, content: "q" }] };
      yield* wait(yield* fork(function* helper() {
        yield* llm.query(ask);
        yield* llm.query(ask);
      }));
      const { result } = yield* llm.stream(ask); // 300 tokens now: delivered, it crossed the limit
      yield* wait(result);
      try {
        yield* llm.query(ask);
      } catch (e) {
        return e as BudgetExceededError;
      }
    });
    await sched.run();
    const error = (await t.done)!;
    expect(error).toMatchObject({ name: "BudgetExceededError", budget: "maxTokens", limit: 250, tid: 1 });
    expect(error.message).toContain("the LLM task budget has spent 300 tokens");
  });

  it("caps a request's max_tokens at what the token budget has left", async () => {
    script = [answer("short")];
    const sched = new Scheduler();
    service(sched, { budget: { maxTokens: 42 } });
    sched.spawn(function* () {
      yield* llm.query(hi({ maxTokens: 500 }));
    });
    await sched.run();
    expect(seen[0].max_tokens).toBe(42);
  });

  it("fails a query for a model without a price when there is a cost budget, saying to add it", async () => {
    const { sched } = virtualScheduler();
    const svc = registerLlm(sched, offline(), { prices: { small: { inputPerMillion: 1, outputPerMillion: 1 } }, budget: { maxCostUsd: 1 } });
    const t = sched.spawn(function* () {
      yield* llm.query({ model: "large", messages: [{ role: "user", content: "q" }] });
    });
    await sched.run().catch(() => {});
    await expect(t.done).rejects.toThrow('offline: no price for model "large", so its cost cannot be charged to `maxCostUsd`: add it to registerLlm\'s `prices` (it has "small")');
    expect(svc.stats.calls).toBe(0);
  });

  it("rejects bad budget and price options with errors naming them", () => {
    const { sched } = virtualScheduler();
    expect(() => registerLlm(sched, offline(), { budget: { maxToken: 5 } as never })).toThrow('unknown budget limit "maxToken": use maxTokens or maxCostUsd');
    expect(() => registerLlm(sched, offline(), { budget: { maxCostUsd: -1 } })).toThrow("`budget.maxCostUsd` must be a number >= 0");
    expect(() => registerLlm(sched, offline(), { prices: { m: { inputPerMillion: 1 } as never } })).toThrow('prices["m"].outputPerMillion must be a finite number of USD >= 0, got undefined');
  });
});
