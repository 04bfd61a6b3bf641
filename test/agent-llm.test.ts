import { describe, expect, expectTypeOf, it } from "vitest";
import { TimeoutError, fork, kill, sleep, submitIO, wait } from "../src/index.js";
import { LlmError, llm, llmOp, offlineProvider, registerLlm, type LlmProvider, type LlmRequest, type LlmResult } from "../src/agent/index.js";
import { recorder, virtualScheduler } from "./helpers.js";

const ask = (content: string, extra: { priority?: number; model?: string } = {}) => ({
  model: extra.model ?? "offline-1",
  messages: [{ role: "user" as const, content }],
  ...(extra.priority === undefined ? {} : { priority: extra.priority }),
});

/** A provider that records its calls and fails the first `failures` of them with `error`. */
function scripted(failures: number, error: () => Error): LlmProvider & { calls: string[] } {
  const calls: string[] = [];
  return {
    name: "scripted",
    calls,
    query(request: LlmRequest) {
      calls.push(request.messages[0].content);
      if (calls.length <= failures) throw error();
      return { text: `ok after ${calls.length}` };
    },
  };
}

describe("llm", () => {
  it("returns a typed result with text, model, usage and provider from the offline provider", async () => {
    const { sched } = virtualScheduler();
    registerLlm(sched, offlineProvider({ answers: { "Say hi": "hi there" } }));
    const t = sched.spawn(function* () {
      const r = yield* llm.query(ask("Say hi"));
      expectTypeOf(r).toEqualTypeOf<LlmResult>();
      return r;
    });
    await sched.run();
    expect(await t.done).toEqual({
      text: "hi there",
      model: "offline-1",
      provider: "offline",
      attempts: 1,
      finishReason: "stop",
      usage: { promptTokens: 2, completionTokens: 2, totalTokens: 4 },
    });
  });

  it("echoes unscripted prompts and waits its latency on the scheduler clock", async () => {
    const { sched, clock } = virtualScheduler();
    registerLlm(sched, offlineProvider({ latencyMs: 1_500 }));
    const t = sched.spawn(function* () {
      return (yield* llm.query(ask("ping"))).text;
    });
    await sched.run();
    expect(await t.done).toBe("echo: ping");
    expect(clock.now()).toBe(1_500);
  });

  it("sends queries made in one scheduler turn to a batch provider as one call", async () => {
    const { sched } = virtualScheduler();
    const service = registerLlm(sched, offlineProvider({ latencyMs: 10 }));
    const agents = ["a", "b", "c"].map((q) =>
      sched.spawn(function* () {
        return (yield* llm.query(ask(q))).text;
      }),
    );
    await sched.run();
    expect(await Promise.all(agents.map((a) => a.done))).toEqual(["echo: a", "echo: b", "echo: c"]);
    expect(service.stats).toMatchObject({ calls: 1, batches: 1, inFlight: 0, queued: 0 });
  });

  it("sends a submitIO batch of llm ops as one batch call, results in order", async () => {
    const { sched } = virtualScheduler();
    const service = registerLlm(sched, offlineProvider());
    const t = sched.spawn(function* () {
      const results = (yield* submitIO([llmOp(ask("x")), llmOp(ask("y"))])) as LlmResult[];
      return results.map((r) => r.text);
    });
    await sched.run();
    expect(await t.done).toEqual(["echo: x", "echo: y"]);
    expect(service.stats.batches).toBe(1);
  });

  it("calls query once per request for a provider without batch", async () => {
    const { sched } = virtualScheduler();
    const service = registerLlm(sched, offlineProvider({ batch: false }));
    for (const q of ["a", "b"]) sched.spawn(function* () {
      yield* llm.query(ask(q));
    });
    await sched.run();
    expect(service.stats).toMatchObject({ calls: 2, batches: 0 });
  });

  it("serves queued queries by priority when concurrency is limited, letting the virtual clock jump", async () => {
    const { sched } = virtualScheduler();
    registerLlm(sched, offlineProvider({ latencyMs: 100, batch: false }), { concurrency: 1 });
    const { log, lines } = recorder(sched);
    sched.spawn(function* () {
      log((yield* llm.query(ask("first"))).text);
    });
    for (const [q, priority] of [["low", 0], ["high", 5], ["mid", 2]] as const) {
      sched.spawn(function* () {
        yield* sleep(10);
        log((yield* llm.query(ask(q, { priority }))).text);
      });
    }
    await sched.run();
    // "first" took the only slot; the rest waited and were served highest priority first.
    expect(lines).toEqual(["t=100 echo: first", "t=200 echo: high", "t=300 echo: mid", "t=400 echo: low"]);
  });

  it("frees a queued query that times out, and still serves the queries behind it", async () => {
    const { sched } = virtualScheduler();
    registerLlm(sched, offlineProvider({ latencyMs: 100, batch: false }), { concurrency: 1 });
    const { log, lines } = recorder(sched);
    sched.spawn(function* () {
      log((yield* llm.query(ask("first"))).text);
    });
    for (const [q, timeout] of [["impatient", 50], ["patient", undefined]] as const) {
      sched.spawn(function* () {
        yield* sleep(1);
        try {
          log((yield* llm.query({ ...ask(q), ...(timeout ? { timeout } : {}) })).text);
        } catch (e) {
          log(`${q}: ${(e as Error).name}`);
        }
      });
    }
    await sched.run();
    expect(lines).toEqual(["t=51 impatient: TimeoutError", "t=100 echo: first", "t=200 echo: patient"]);
  });

  it("retries 429 and 5xx errors with exponential backoff on the virtual clock", async () => {
    const { sched } = virtualScheduler();
    const provider = scripted(3, () => new LlmError("HTTP 503", { provider: "scripted", status: 503, retryable: true }));
    registerLlm(sched, provider, { retry: { retries: 3, baseMs: 100, factor: 2 } });
    const t = sched.spawn(function* () {
      const r = yield* llm.query(ask("x"));
      return [r.text, r.attempts, sched.now()];
    });
    await sched.run();
    // attempts at t=0, 100, 300, 700
    expect(await t.done).toEqual(["ok after 4", 4, 700]);
  });

  it("waits what retry-after says, and gives up after the last retry with the attempts counted", async () => {
    const { sched } = virtualScheduler();
    const provider = scripted(10, () => new LlmError("HTTP 429", { provider: "scripted", status: 429, retryable: true, retryAfterMs: 2_000 }));
    registerLlm(sched, provider, { retry: { retries: 2 } });
    const t = sched.spawn(function* () {
      try {
        yield* llm.query(ask("x"));
      } catch (e) {
        return [e, sched.now()] as const;
      }
    });
    await sched.run();
    const [error, time] = (await t.done)!;
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ status: 429, attempts: 3 });
    expect(time).toBe(4_000);
    expect(provider.calls).toHaveLength(3);
  });

  it("does not retry errors that are not retryable", async () => {
    const { sched } = virtualScheduler();
    const provider = scripted(1, () => new LlmError("HTTP 400 bad request", { provider: "scripted", status: 400 }));
    registerLlm(sched, provider);
    const t = sched.spawn(function* () {
      yield* llm.query(ask("x"));
    });
    await sched.run().catch(() => {});
    await expect(t.done).rejects.toThrow("scripted: HTTP 400 bad request");
    expect(provider.calls).toHaveLength(1);
  });

  it("fails a query with a TimeoutError when its timeout covers retries that take too long", async () => {
    const { sched } = virtualScheduler();
    registerLlm(sched, scripted(10, () => new LlmError("HTTP 500", { provider: "scripted", status: 500, retryable: true })), {
      retry: { baseMs: 1_000 },
    });
    const t = sched.spawn(function* () {
      yield* llm.query({ ...ask("x"), timeout: 2_500 });
    });
    await sched.run().catch(() => {});
    await expect(t.done).rejects.toBeInstanceOf(TimeoutError);
    expect(sched.now()).toBe(2_500);
  });

  it("aborts the provider's signal when the querying task is killed", async () => {
    const { sched } = virtualScheduler();
    let aborted: unknown = null;
    registerLlm(sched, {
      name: "slow",
      query: (_request, ctx) =>
        new Promise((_resolve, reject) => ctx.signal.addEventListener("abort", () => reject((aborted = ctx.signal.reason)))),
    });
    sched.spawn(function* () {
      const asker = yield* fork(function* asker() {
        yield* llm.query(ask("x"));
      });
      yield* sleep(0);
      yield* kill(asker, "user cancelled");
    });
    await sched.run();
    expect(String(aborted)).toContain("user cancelled");
  });

  it("rejects an unknown query option, an empty model and a bad timeout with errors naming them", () => {
    expect(() => llm.query({ ...ask("x"), temprature: 0.2 } as never)).toThrow(
      'llm.query: unknown option "temprature"; known options: messages, model, priority, timeout, temperature, maxTokens, stop',
    );
    expect(() => llm.query({ ...ask("x"), model: "" })).toThrow('`model` must be a non-empty string like "gpt-4o-mini", got "" (string)');
    expect(() => llm.query({ ...ask("x"), timeout: -1 })).toThrow("`timeout` must be a finite number of ms >= 0, got -1 (number)");
    expect(() => llm.query({ model: "m", messages: [{ role: "robot", content: "x" }] } as never)).toThrow("messages[0] must be");
    expect(() => offlineProvider({ latency: 5 } as never)).toThrow('offlineProvider: unknown option "latency"');
    const { sched } = virtualScheduler();
    expect(() => registerLlm(sched, offlineProvider(), { concurrency: 0 })).toThrow("`concurrency` must be an integer >= 1 (or Infinity), got 0 (number)");
    expect(() => registerLlm(sched, offlineProvider(), { retry: { retries: -1 } })).toThrow("retry.retries must be an integer >= 0, got -1 (number)");
  });

  it("answers an unknown model with an LlmError naming it", async () => {
    const { sched } = virtualScheduler();
    registerLlm(sched, offlineProvider({ models: ["small"] }));
    const t = sched.spawn(function* () {
      yield* llm.query(ask("x", { model: "huge" }));
    });
    await sched.run().catch(() => {});
    await expect(t.done).rejects.toThrow('offline: unknown model "huge"; this provider serves "small"');
  });
});
