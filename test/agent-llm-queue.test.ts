import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { Scheduler, TimeoutError, sleep, submitIO } from "../src/index.js";
import { llm, llmOp, registerLlm, type LlmProvider, type LlmRequest } from "../src/agent/index.js";
import { virtualScheduler } from "./helpers.js";

const ask = (content: string) => ({ model: "m", messages: [{ role: "user" as const, content }] });

/** Blocks the thread for `ms`, as a long synchronous stretch of host code would. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** A provider that answers each query with its text, a turn later; on "first" it calls `onFirst` before answering. */
function echoAfter(calls: string[], onFirst: () => void): LlmProvider {
  return {
    name: "slow",
    async query(request: LlmRequest) {
      const q = request.messages[0].content;
      calls.push(q);
      await Promise.resolve();
      if (q === "first") onFirst();
      return { text: q };
    },
  };
}

describe("llm queue", () => {
  it("does not call the provider for a queued query whose deadline passed while it waited (real clock)", async () => {
    const sched = new Scheduler();
    const calls: string[] = [];
    const provider = echoAfter(calls, () => busy(60)); // no timer can fire meanwhile
    registerLlm(sched, provider, { concurrency: 1 });
    const first = sched.spawn(function* () {
      return (yield* llm.query(ask("first"))).text;
    });
    const late = sched.spawn(function* () {
      return (yield* llm.query({ ...ask("late"), timeout: 20 })).text;
    });
    await sched.run().catch(() => {});
    expect(await first.done).toBe("first");
    await expect(late.done).rejects.toBeInstanceOf(TimeoutError);
    expect(calls).toEqual(["first"]);
  });

  it("does not call the provider for a queued query whose task was killed while it waited", async () => {
    const sched = new Scheduler();
    const calls: string[] = [];
    let victim = 0;
    const provider = echoAfter(calls, () => sched.kill(victim, "no longer needed"));
    registerLlm(sched, provider, { concurrency: 1 });
    sched.spawn(function* () {
      yield* llm.query(ask("first"));
    });
    victim = sched.spawn(function* () {
      yield* llm.query(ask("cancelled"));
    }).tid;
    await sched.run().catch(() => {});
    expect(calls).toEqual(["first"]);
  });

  it("does not start a queued query of a batch whose task is being killed when the kill frees the slot", async () => {
    const sched = new Scheduler();
    const calls: string[] = [];
    const provider: LlmProvider = {
      name: "held",
      query(request: LlmRequest, ctx) {
        calls.push(request.messages[0].content);
        return new Promise((_resolve, reject) => {
          if (ctx.signal.aborted) reject(ctx.signal.reason);
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
        });
      },
    };
    registerLlm(sched, provider, { concurrency: 1 });
    const asker = sched.spawn(function* () {
      yield* submitIO([llmOp(ask("a")), llmOp(ask("b"))]);
    });
    sched.spawn(function* () {
      yield* sleep(5);
      sched.kill(asker.tid, "stop");
    });
    await sched.run();
    expect(calls).toEqual(["a"]);
  });

  it("counts a killed queued query out of stats.queued at once", async () => {
    const { sched } = virtualScheduler();
    const service = registerLlm(sched, { name: "held", query: (_r, ctx) => ctx.sleep(100).then(() => ({ text: "ok" })) }, { concurrency: 1 });
    let queuedAfterKill = -1;
    sched.spawn(function* () {
      yield* llm.query(ask("first"));
    });
    const waiting = sched.spawn(function* () {
      yield* llm.query(ask("second"));
    });
    sched.spawn(function* () {
      yield* sleep(10);
      expect(service.stats.queued).toBe(1);
      sched.kill(waiting.tid);
      queuedAfterKill = service.stats.queued;
    });
    await sched.run();
    expect(queuedAfterKill).toBe(0);
    expect(service.stats).toMatchObject({ queued: 0, inFlight: 0, calls: 1 });
  });

  it("removes the abort listener of each provider ctx.sleep once it ends", async () => {
    const { sched } = virtualScheduler();
    let listeners = -1;
    registerLlm(sched, {
      name: "sleepy",
      async query(_request, ctx) {
        for (let i = 0; i < 50; i++) await ctx.sleep(1);
        listeners = getEventListeners(ctx.signal, "abort").length;
        return { text: "rested" };
      },
    });
    const t = sched.spawn(function* () {
      return (yield* llm.query(ask("x"))).text;
    });
    await sched.run();
    expect(await t.done).toBe("rested");
    expect(listeners).toBeLessThanOrEqual(2);
  });
});
