import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { reorder } from "./explore-programs.js";
import { DelaySearch, delayDecider } from "../src/testing/bounded-search.js";
import { deviations } from "../src/testing/choices.js";
import { pctDecider } from "../src/testing/pct.js";
import { shrinkSchedule } from "../src/testing/shrink.js";
import { decodeSchedule, encodeSchedule, explore, LivelockError, replay, type Program } from "../src/testing/index.js";

/** Two root tasks of two steps each, logging their order; `seen` collects every interleaving. */
function twoByTwo(seen: Set<string>): Program {
  return ({ sched }) => {
    const log: string[] = [];
    for (const name of ["a", "b"]) {
      sched.spawn(function* () {
        log.push(`${name}1`);
        yield;
        log.push(`${name}2`);
      });
    }
    return () => void seen.add(log.join(" "));
  };
}

/** A spin-wait: the waiter loops on a flag the setter sets after one switch. */
const spinWait: Program = ({ sched }) => {
  let flag = false;
  sched.spawn(function* waiter() {
    while (!flag) yield;
  });
  sched.spawn(function* setter() {
    yield;
    flag = true;
  });
};

describe("schedule strings", () => {
  it("round-trip decisions, compress repeats and drop the trailing FIFO choices", () => {
    expect(encodeSchedule([0, 0, 0, 2, 1, 1, 0, 0])).toBe("0*3.2.1.1");
    expect(decodeSchedule("0*3.2.1.1")).toEqual([0, 0, 0, 2, 1, 1]);
    expect(encodeSchedule([0, 0])).toBe("");
    expect(decodeSchedule("")).toEqual([]);
    const list = [3, 3, 3, 3, 0, 1, 7, 7];
    expect(decodeSchedule(encodeSchedule(list))).toEqual(list);
    expect(() => decodeSchedule("1.x.2")).toThrow('bad schedule "1.x.2": "x" is not "<index>" or "<index>*<times>"');
  });
});

describe("pctDecider", () => {
  it("keeps running the highest-priority ready task, wherever it sits in the queue", () => {
    const d = pctDecider({ seed: 5, depth: 1, steps: 10, classes: false });
    const top = [1, 2, 3][d.pick(3, [1, 2, 3], 1)];
    expect([3, 1, 2][d.pick(3, [3, 1, 2], 2)]).toBe(top);
    expect([2, 3, 1][d.pick(3, [2, 3, 1], 3)]).toBe(top);
  });

  it("lowers the task about to run at each of its depth − 1 change points", () => {
    // depth 2 and k = 1: the one change point is step 1, so the top task is lowered there; with
    // a huge k (same seed, same priorities) it almost surely comes later.
    const d = pctDecider({ seed: 9, depth: 2, steps: 1, classes: false });
    const late = pctDecider({ seed: 9, depth: 2, steps: 1e9, classes: false });
    const first = d.pick(2, [1, 2], 1);
    expect(first).toBe(1 - late.pick(2, [1, 2], 1));
    expect(d.pick(2, [1, 2], 2)).toBe(first); // lowered stays lowered
  });

  it("livelocks a spin-wait without its step budget, and finishes every run with it", async () => {
    const pure = await explore(spinWait, { runs: 40, budget: Number.MAX_SAFE_INTEGER, maxSteps: 2_000, shrink: false });
    expect(pure.failure?.error).toBeInstanceOf(LivelockError);
    expect(String(pure.failure?.error)).toContain("the run passed maxSteps (2000 scheduling steps)");
    const budgeted = await explore(spinWait, { runs: 40, maxSteps: 2_000 });
    expect(budgeted).toEqual({ ok: true, runs: 40, failure: null });
  });
});

describe("DelaySearch", () => {
  it("enumerates every interleaving of a small program and says when it has covered them all", async () => {
    const seen = new Set<string>();
    const result = await explore(twoByTwo(seen), { strategy: "bounded", runs: 500 });
    expect([result.ok, result.complete]).toEqual([true, true]);
    // Two tasks of two steps: C(4, 2) = 6 interleavings, each with a1 before a2 and b1 before b2.
    expect(seen.size).toBe(6);
  });

  it("stops at the bound: bound 0 is the one non-preemptive schedule", async () => {
    const seen = new Set<string>();
    const result = await explore(twoByTwo(seen), { strategy: "bounded", bound: 0, runs: 500 });
    expect(result).toMatchObject({ ok: true, runs: 1, complete: true, bound: 0 });
    expect([...seen]).toEqual(["a1 a2 b1 b2"]);
  });

  it("takes the next option of the deepest decision within the bound", () => {
    const search = new DelaySearch(1);
    expect(search.next()).toEqual([]);
    search.observe([0, 0, 0], [2, 3, 2]);
    expect([search.next(), search.bound, search.covered]).toEqual([[], 1, 0]); // bound 0 done: one schedule
    search.observe([0, 0, 0], [2, 3, 2]);
    expect(search.next()).toEqual([0, 0, 1]);
    search.observe([0, 0, 1], [2, 3, 2]);
    expect(search.next()).toEqual([0, 1]);
    search.observe([0, 1, 0], [2, 3, 2]);
    expect(search.next()).toEqual([1]);
    search.observe([1, 0, 0], [2, 3, 2]);
    expect([search.next(), search.complete, search.covered]).toEqual([null, true, 1]);
  });

  it("ranks the task that ran last first, then the rest in FIFO order", () => {
    const d = delayDecider([0, 0, 1]);
    expect(d.pick(2, [1, 2], 1)).toBe(0); // #1 runs
    expect(d.pick(2, [2, 1], 2)).toBe(1); // rank 0: #1 again, though #2 is the FIFO head
    expect(d.pick(3, [2, 3, 1], 3)).toBe(0); // rank 1: skip #1 once, the FIFO head #2
    expect([d.taken, d.counts]).toEqual([[0, 0, 1], [2, 2, 3]]);
  });
});

describe("shrinkSchedule", () => {
  it("drops every deviation the failure does not need and lowers the ones it does", async () => {
    // Fails exactly when decision 3 deviates from FIFO.
    const attempt = async (list: number[]) => ((list[3] ?? 0) > 0 ? list : null);
    const { choices, replays } = await shrinkSchedule([2, 1, 0, 3, 1, 2], attempt, 100);
    expect(choices).toEqual([0, 0, 0, 1]);
    expect(deviations(choices)).toBe(1);
    expect(replays).toBeLessThanOrEqual(100);
  });

  it("keeps the original when no smaller schedule fails, within its replay budget", async () => {
    let calls = 0;
    const { choices } = await shrinkSchedule([1, 1, 1], async () => (calls++, null), 5);
    expect(choices).toEqual([1, 1, 1]);
    expect(calls).toBeLessThanOrEqual(5);
  });
});

describe("explore options", () => {
  it("rejects bad strategy options, naming the value", async () => {
    const ok: Program = () => {};
    await expect(explore(ok, { strategy: "dfs" as never })).rejects.toThrow('explore: strategy must be "pct", "random" or "bounded", got "dfs" (string)');
    await expect(explore(ok, { depth: 0 })).rejects.toThrow("explore: depth must be an integer >= 1, got 0 (number)");
    await expect(explore(ok, { steps: 2.5 })).rejects.toThrow("explore: steps must be an integer >= 1 (PCT's k), got 2.5 (number)");
    await expect(explore(ok, { budget: -1 })).rejects.toThrow("explore: budget must be an integer number of steps >= 0, got -1 (number)");
    await expect(explore(ok, { bound: -1, strategy: "bounded" })).rejects.toThrow("explore: bound must be an integer >= 0, got -1 (number)");
    await expect(explore(ok, { shrink: 1.5 })).rejects.toThrow("explore: shrink must be false or a number of replays >= 0, got 1.5 (number)");
    await expect(explore(ok, { jitter: -5 })).rejects.toThrow("explore: jitter must be an integer number of ms >= 0, got -5 (number)");
    await expect(replay(ok, 3, { strategy: "bounded" })).rejects.toThrow('replay: a "bounded" run replays from its schedule string (failure.schedule), not from seed 3');
  });
});

describe("replay by schedule", () => {
  it("replays any decision list exactly, and the run's own schedule string gives the same run", async () => {
    const program = reorder(3, 2);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: 5 }), { maxLength: 30 }), async (list) => {
        const a = await replay(program, encodeSchedule(list));
        const b = await replay(program, a.schedule);
        expect(b.lines).toEqual(a.lines);
        expect(b.schedule).toBe(a.schedule);
        expect(String(b.error)).toBe(String(a.error));
      }),
      { numRuns: 60 },
    );
  });
});
