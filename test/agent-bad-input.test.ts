import { describe, expect, it } from "vitest";
import { BudgetExceededError, ChannelClosedError, channel, fork, race, waitAny } from "../src/index.js";
import { llm, offlineProvider, openAiProvider, registerLlm } from "../src/agent/index.js";
import { virtualScheduler } from "./helpers.js";

const messages = [{ role: "user" as const, content: "hi" }];

describe("agent bad input", () => {
  it("names an unknown model option", () => {
    expect(() => llm.query({ model: "m", messages, max_tokens: 5 } as never)).toThrow(TypeError);
    expect(() => llm.query({ model: "m", messages, max_tokens: 5 } as never)).toThrow('unknown option "max_tokens"');
  });

  it("names a missing base URL", () => {
    expect(() => openAiProvider({ apiKey: "sk" } as never)).toThrow("`baseURL` is required");
    expect(() => openAiProvider(undefined as never)).toThrow("openAiProvider expects options { baseURL, apiKey? }, got undefined");
  });

  it("names a budget of -1", () => {
    const { sched } = virtualScheduler();
    expect(() => sched.spawn(function* () {}, { budget: { maxIo: -1 } })).toThrow("budget.maxIo must be a number >= 0 (Infinity for no limit), got -1 (number)");
  });

  it("throws BudgetExceededError at the LLM query that goes over maxIo", async () => {
    const { sched } = virtualScheduler();
    registerLlm(sched, offlineProvider());
    let answered = 0;
    const t = sched.spawn(function* agent() {
      for (;;) {
        yield* llm.query({ model: "m", messages });
        answered++;
      }
    }, { budget: { maxIo: 2 } });
    await sched.run().catch(() => {});
    await expect(t.done).rejects.toThrow(new BudgetExceededError("maxIo", 2, 1, "agent"));
    expect(answered).toBe(2);
  });

  it("names the channel and value of a send on a closed channel", async () => {
    const { sched } = virtualScheduler();
    const ch = channel<{ id: number }>({ name: "results" });
    ch.close();
    const t = sched.spawn(function* () {
      yield* ch.send({ id: 7 });
    });
    await sched.run().catch(() => {});
    await expect(t.done).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(t.done).rejects.toThrow('send of {"id":7} (object) on closed channel "results": it was closed before the send');
  });

  it("names a capacity of 0, -1 or NaN and a non-string name", () => {
    for (const capacity of [0, -1, NaN]) {
      expect(() => channel({ capacity })).toThrow(`channel capacity must be an integer >= 1 (or Infinity), got ${String(capacity)} (number)`);
    }
    expect(() => channel({ name: 5 as never })).toThrow("channel name must be a string, got 5 (number)");
  });

  it("names bad joins: an empty waitAny and a race target that is not a generator", async () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      const errors: string[] = [];
      for (const attempt of [() => waitAny([]), () => race([42 as never]), () => race([])]) {
        try {
          yield* attempt();
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
      yield* fork(function* () {}); // still usable afterwards
      return errors;
    });
    await sched.run();
    expect(await t.done).toEqual([
      "waitAny needs at least one tid, got an empty array",
      "race: targets[0] must be a generator function or generator, got 42 (number)",
      "race expects a non-empty array of generator functions or generators, got an array of length 0",
    ]);
  });
});
