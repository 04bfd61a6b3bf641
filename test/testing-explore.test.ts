import { describe, expect, it } from "vitest";
import { fork, wait, type Tid } from "../src/index.js";
import { createTestScheduler, explore, replay, seededPolicy, type Program } from "../src/testing/index.js";

/**
 * A bank of deposits: main forks three depositors, each adding 1 to a shared balance. The buggy
 * depositor reads the balance, yields (say, to log), then writes what it read plus one.
 */
function deposits(buggy: boolean): Program {
  return ({ sched }) => {
    let balance = 0;
    function* depositor() {
      if (buggy) {
        const seen = balance;
        yield;
        balance = seen + 1;
      } else {
        balance += 1;
        yield;
      }
    }
    sched.spawn(function* main() {
      const kids: Tid[] = [];
      for (let i = 0; i < 3; i++) kids.push(yield* fork(depositor, { name: `dep${i}` }));
      for (const kid of kids) yield* wait(kid);
    }, { name: "main" });
    return () => {
      if (balance !== 3) throw new Error(`lost update: balance is ${balance}, expected 3`);
    };
  };
}

/** Runs a program once in FIFO order, as a plain test would. */
async function fifo(program: Program): Promise<void> {
  const t = createTestScheduler();
  const check = await program(t);
  await t.sched.run();
  if (typeof check === "function") check();
}

describe("seededPolicy", () => {
  it("picks the same sequence for the same seed, a different one for another, always in range", () => {
    const picks = (seed: number) => {
      const p = seededPolicy(seed);
      return Array.from({ length: 200 }, (_, i) => p.pick((i % 5) + 1));
    };
    expect(picks(42)).toEqual(picks(42));
    expect(picks(42)).not.toEqual(picks(43));
    expect(picks(7).every((k, i) => Number.isInteger(k) && k >= 0 && k < (i % 5) + 1)).toBe(true);
    const p = seededPolicy(1);
    expect(p.pick(1)).toBe(0);
    expect(p.choices).toBe(0);
    p.pick(3);
    expect([p.seed, p.choices]).toEqual([1, 1]);
    expect(() => seededPolicy(1.5)).toThrow("seededPolicy(seed) expects an integer seed, got 1.5 (number)");
  });

  it("gives the same schedule for the same seed, and explores others with other seeds", async () => {
    const run = async (seed: number) => (await replay(deposits(true), seed)).lines;
    expect(await run(5)).toEqual(await run(5));
    const distinct = new Set(await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(async (s) => (await run(s)).join("\n"))));
    expect(distinct.size).toBeGreaterThan(1);
  });
});

describe("explore", () => {
  it("finds a lost update across a yield that FIFO order hides, and replays the failing seed exactly", async () => {
    await expect(fifo(deposits(true))).resolves.toBeUndefined();
    const result = await explore(deposits(true), { runs: 100 });
    expect(result.ok).toBe(false);
    const failure = result.failure!;
    expect(result.runs).toBe(failure.run + 1);
    expect(failure.seed).toBe(1 + failure.run);
    expect(String(failure.error)).toMatch(/lost update: balance is [12], expected 3/);
    expect(failure.report).toContain(`explore: seed ${failure.seed} (run ${failure.run + 1} of 100) failed: Error: lost update`);
    expect(failure.report).toContain(`replay it with replay(program, ${failure.seed})`);
    expect(failure.lines.some((l) => l.includes("#2 dep0 run"))).toBe(true);
    const again = await replay(deposits(true), failure.seed);
    expect(again.ok).toBe(false);
    expect(again.lines).toEqual(failure.lines);
    expect(String(again.error)).toBe(String(failure.error));
  });

  it("passes every run once the read-modify-write no longer spans a yield", async () => {
    const result = await explore(deposits(false), { runs: 300, seed: 1000 });
    expect(result).toEqual({ ok: true, runs: 300, failure: null });
  });

  it("reports failures from inside tasks, deadlocks and the program itself, with the seed it used", async () => {
    const inTask = await explore(({ sched }) => {
      sched.spawn(function* () {
        throw new Error("task assertion");
      });
    }, { runs: 3, seed: 10 });
    expect([inTask.failure?.seed, String(inTask.failure?.error)]).toEqual([10, "Error: task assertion"]);
    const deadlock = await explore(({ sched }) => {
      sched.spawn(function* a() {
        yield* wait(2);
      });
      sched.spawn(function* b() {
        yield* wait(1);
      });
    }, { runs: 2 });
    expect((deadlock.failure?.error as Error).name).toBe("DeadlockError");
    const thrown = await explore(() => {
      throw new RangeError("bad setup");
    });
    expect([thrown.runs, (thrown.failure?.error as Error).message]).toEqual([1, "bad setup"]);
    await expect(explore(deposits(false), { runs: 0 })).rejects.toThrow("explore: runs must be an integer >= 1, got 0 (number)");
  });

  it("passes scheduler options through to every run", async () => {
    const result = await explore(({ sched }) => {
      expect(sched.ring.entries).toBe(4);
    }, { runs: 2, scheduler: { ring: { entries: 4 } } });
    expect(result.ok).toBe(true);
  });
});
