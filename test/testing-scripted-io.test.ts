import { describe, expect, it } from "vitest";
import { IoRing, Scheduler, TimeoutError, VirtualClock, fork, submitIO, wait, type IoOp } from "../src/index.js";
import { createTestScheduler, scriptedHandlers } from "../src/testing/index.js";

interface LlmOp extends IoOp {
  type: "llm";
  prompt: string;
}

/** An agent: plan with an LLM (30 s), run two tools at once, try a slow tool under a 10 s timeout, summarise (30 s). */
async function agentRun() {
  const { sched, clock, trace } = createTestScheduler({
    io: {
      llm: { latency: 30_000, result: (op: LlmOp) => `llm(${op.prompt})` },
      tool: { latency: (op) => (op.name === "crawl" ? 120_000 : 2_000), result: (op) => `${op.name}:ok` },
    },
  });
  const task = sched.spawn(function* agent() {
    const plan = yield* submitIO<string>({ type: "llm", prompt: "plan" });
    const found = yield* submitIO<string[]>([{ type: "tool", name: "search" }, { type: "tool", name: "calc" }]);
    let crawl: string;
    try {
      crawl = yield* submitIO<string>({ type: "tool", name: "crawl" }, { timeout: 10_000 });
    } catch (error) {
      crawl = error instanceof TimeoutError ? "crawl timed out" : "crawl failed";
    }
    return yield* submitIO<string>({ type: "llm", prompt: [plan, ...found, crawl].join(" | ") });
  });
  const started = performance.now();
  await sched.run();
  return { answer: await task.done, clock: clock.now(), realMs: performance.now() - started, lines: trace.lines({ omit: ["run", "spawn"] }) };
}

describe("scriptedHandlers", () => {
  it("runs an agent workflow with 30 s LLM calls and an op timeout in milliseconds, at exact virtual times", async () => {
    const run = await agentRun();
    expect(run.answer).toBe("llm(llm(plan) | search:ok | calc:ok | crawl timed out)");
    expect(run.clock).toBe(30_000 + 2_000 + 10_000 + 30_000);
    expect(run.realMs).toBeLessThan(1_000);
    expect(run.lines).toMatchInlineSnapshot(`
      [
        "t=0 #1 agent submitIO llm",
        "t=0 #1 agent io:submit #1 llm",
        "t=30000 #1 agent io:complete #1 llm -> "llm(plan)"",
        "t=30000 #1 agent wake io -> "llm(plan)"",
        "t=30000 #1 agent submitIO [tool, tool]",
        "t=30000 #1 agent io:submit #2 tool",
        "t=30000 #1 agent io:submit #3 tool",
        "t=32000 #1 agent io:complete #2 tool -> "search:ok"",
        "t=32000 #1 agent io:complete #3 tool -> "calc:ok"",
        "t=32000 #1 agent wake io -> [2 items]",
        "t=32000 #1 agent submitIO tool",
        "t=32000 #1 agent io:submit #4 tool",
        "t=42000 #1 agent io:complete #4 tool error TimeoutError: op #4 "tool" timed out after 10000 ms",
        "t=42000 #1 agent wake io error TimeoutError: op #4 "tool" timed out after 10000 ms",
        "t=42000 #1 agent submitIO llm",
        "t=42000 #1 agent io:submit #5 llm",
        "t=72000 #1 agent io:complete #5 llm -> "llm(llm(plan) | search:ok | calc:ok | crawl timed out)"",
        "t=72000 #1 agent wake io -> "llm(llm(plan) | search:ok | calc:ok | crawl timed out)"",
        "t=72000 #1 agent exit exited -> "llm(llm(plan) | search:ok | calc:ok | crawl timed out)"",
      ]
    `);
  });

  it("gives the same trace on every run", async () => {
    const [a, b] = [await agentRun(), await agentRun()];
    expect(b.lines).toEqual(a.lines);
    expect(b.clock).toBe(a.clock);
  });

  it("fails ops as scripted, by call count, and a retry then succeeds", async () => {
    const { sched, trace } = createTestScheduler({
      io: { flaky: { latency: 100, fail: (_op, call) => (call < 2 ? new Error(`503 on call ${call}`) : undefined), result: "ok" } },
    });
    const task = sched.spawn(function* retrier() {
      for (let attempt = 0; ; attempt++) {
        try {
          return `${yield* submitIO<string>({ type: "flaky" })} after ${attempt} retries`;
        } catch {
          // Retry at once: the script fails the first two calls.
        }
      }
    });
    await sched.run();
    expect(await task.done).toBe("ok after 2 retries");
    expect(trace.lines({ kind: "io:complete" })).toEqual([
      "t=100 #1 retrier io:complete #1 flaky error Error: 503 on call 0",
      "t=200 #1 retrier io:complete #2 flaky error Error: 503 on call 1",
      't=300 #1 retrier io:complete #3 flaky -> "ok"',
    ]);
  });

  it("completes zero-latency ops in their dispatch turn, and fails an op whose latency is invalid", async () => {
    const { sched, clock } = createTestScheduler({ io: { now: { result: 1 }, bad: { latency: () => -5 } } });
    const results: unknown[] = [];
    sched.spawn(function* () {
      results.push(yield* submitIO({ type: "now" }));
      try {
        yield* submitIO({ type: "bad" });
      } catch (error) {
        results.push((error as Error).message);
      }
    });
    await sched.run();
    expect(results).toEqual([1, 'scripted "bad" latency must be a finite number of ms >= 0, got -5 (number)']);
    expect(clock.now()).toBe(0);
  });

  it("works as plain ring handlers of a Scheduler on a virtual clock, concurrently across tasks", async () => {
    const clock = new VirtualClock();
    const sched = new Scheduler({ clock, ring: { handlers: scriptedHandlers({ llm: { latency: (op) => op.ms, result: (op) => op.ms } }) } });
    const done: number[] = [];
    sched.spawn(function* () {
      const kids = [];
      for (const ms of [300, 100, 200]) kids.push(yield* fork(function* () {
        done.push((yield* submitIO<number>({ type: "llm", ms })) as number);
      }));
      for (const kid of kids) yield* wait(kid);
    });
    await sched.run();
    expect(done).toEqual([100, 200, 300]);
    expect(clock.now()).toBe(300);
    expect(() => scriptedHandlers({ llm: 5 as never })).toThrow('the script of "llm" must be an object like { latency, result }, got 5 (number)');
    expect(() => new IoRing({ handlers: scriptedHandlers({ nop: {} }) })).toThrow();
  });
});
