import { describe, expect, it } from "vitest";
import { BudgetExceededError, TaskKilledError, TimeoutError, fork, kill, retry, sleep, type RetryPolicy } from "../src/index.js";
import { recorder, virtualScheduler } from "./helpers.js";

/** A step that fails its first `failures` attempts after `ms` of work, logging each try. */
function flaky(failures: number, log: (text: string) => void, ms = 0) {
  return function* fetchData(attempt: number): Generator<unknown, string, unknown> {
    log(`try ${attempt}`);
    if (ms > 0) yield* sleep(ms);
    if (attempt <= failures) throw new Error(`boom ${attempt}`);
    return `data after ${attempt}`;
  };
}

describe("retry", () => {
  it("retries with exponential backoff on the scheduler clock, so a virtual clock jumps to exact times", async () => {
    const { sched } = virtualScheduler();
    const { log, lines } = recorder(sched);
    const t = sched.spawn(function* () {
      return yield* retry(flaky(3, log, 10), { maxAttempts: 5, baseMs: 100, factor: 2 });
    });
    await sched.run();
    expect(await t.done).toBe("data after 4");
    // each try works 10 ms, then waits 100, 200, 400
    expect(lines).toEqual(["t=0 try 1", "t=110 try 2", "t=320 try 3", "t=730 try 4"]);
    expect(sched.now()).toBe(740);
  });

  it("throws the last error once maxAttempts are used up", async () => {
    const { sched } = virtualScheduler();
    const { log, lines } = recorder(sched);
    const t = sched.spawn(function* () {
      yield* retry(flaky(10, log), { maxAttempts: 3, baseMs: 50, maxMs: 60 });
    });
    await sched.run().catch(() => {});
    await expect(t.done).rejects.toThrow("boom 3");
    expect(lines).toEqual(["t=0 try 1", "t=50 try 2", "t=110 try 3"]); // the second wait is capped at maxMs
  });

  it("stops at the first error retryIf rejects, and does not retry kills or budgets by default", async () => {
    const { sched } = virtualScheduler();
    const { log, lines } = recorder(sched);
    const picky = sched.spawn(function* () {
      yield* retry(flaky(10, log), { retryIf: (e) => !(e as Error).message.includes("2") });
    });
    const budgeted = sched.spawn(function* () {
      yield* retry(function* spender() {
        log("spend");
        throw new BudgetExceededError("maxTokens", 10, 0, "x");
      });
    });
    await sched.run().catch(() => {});
    await expect(picky.done).rejects.toThrow("boom 2");
    await expect(budgeted.done).rejects.toBeInstanceOf(BudgetExceededError);
    expect(lines.filter((l) => l.includes("spend"))).toHaveLength(1);
    expect(lines.filter((l) => l.includes("try"))).toEqual(["t=0 try 1", "t=100 try 2"]);
  });

  it("kills an attempt that overruns attemptTimeout and retries it", async () => {
    const { sched } = virtualScheduler();
    const { log, lines } = recorder(sched);
    const t = sched.spawn(function* () {
      return yield* retry(
        function* slowThenFast(attempt: number) {
          log(`try ${attempt}`);
          yield* sleep(attempt === 1 ? 1_000 : 10);
          return attempt;
        },
        { attemptTimeout: 50, baseMs: 5 },
      );
    });
    await sched.run();
    expect(await t.done).toBe(2);
    expect(lines).toEqual(["t=0 try 1", "t=55 try 2"]);
  });

  it("ends cleanly when the caller is killed during a backoff wait: no further attempt, nothing after it runs", async () => {
    const { sched } = virtualScheduler();
    const { log, lines } = recorder(sched);
    sched.spawn(function* () {
      const caller = yield* fork(function* caller() {
        yield* retry(flaky(10, log), { maxAttempts: 5, baseMs: 1_000 });
        log("after retry");
      });
      yield* sleep(500);
      yield* kill(caller, "user cancelled");
    });
    await sched.run();
    expect(lines).toEqual(["t=0 try 1"]);
    expect(sched.now()).toBe(500);
  });

  it("is safe to kill during an attempt whose finally yields: the cleanup runs, no attempt follows, the caller does not resume", async () => {
    const { sched } = virtualScheduler();
    const { log, lines } = recorder(sched);
    const caller = sched.spawn(function* caller() {
      const value = yield* retry(function* withCleanup(attempt: number) {
        try {
          log(`try ${attempt}`);
          yield* sleep(1_000);
          return "done";
        } finally {
          yield* sleep(20);
          log(`cleaned ${attempt}`);
        }
      });
      log(`caller resumed with ${String(value)}`);
    });
    sched.spawn(function* () {
      yield* sleep(100);
      sched.kill(caller.tid, "stop");
    });
    await sched.run().catch(() => {});
    await expect(caller.done).rejects.toBeInstanceOf(TaskKilledError);
    expect(lines).toEqual(["t=0 try 1", "t=120 cleaned 1"]);
  });

  it("spreads waits by a seeded jitter, the same for the same seed", async () => {
    const times = async (seed: number) => {
      const { sched } = virtualScheduler();
      const { log, lines } = recorder(sched);
      sched.spawn(function* () {
        yield* retry(flaky(3, log), { maxAttempts: 4, baseMs: 1_000, jitter: { seed } });
      });
      await sched.run();
      return lines.map((l) => Number(l.slice(2, l.indexOf(" "))));
    };
    const a = await times(7);
    expect(await times(7)).toEqual(a);
    expect(await times(8)).not.toEqual(a);
    const waits = a.slice(1).map((t, i) => t - a[i]);
    waits.forEach((w, i) => {
      const full = 1_000 * 2 ** i;
      expect(w).toBeGreaterThanOrEqual(full / 2);
      expect(w).toBeLessThanOrEqual(full);
    });
    expect(waits).not.toEqual([1_000, 2_000, 4_000]);
  });

  it("reports each retry to onRetry and retries a TimeoutError by default", async () => {
    const { sched } = virtualScheduler();
    const seen: string[] = [];
    const t = sched.spawn(function* () {
      return yield* retry(
        function* timesOut(attempt: number) {
          if (attempt === 1) throw new TimeoutError("op timed out", 10);
          return "ok";
        },
        { baseMs: 30, onRetry: ({ error, attempt, delayMs }) => seen.push(`${attempt} ${(error as Error).name} ${delayMs}`) },
      );
    });
    await sched.run();
    expect(await t.done).toBe("ok");
    expect(seen).toEqual(["1 TimeoutError 30"]);
  });

  it("rejects a bad step and bad policy values with errors naming them", () => {
    const run = (step: unknown, policy?: RetryPolicy) => retry(step as never, policy).next();
    expect(() => run(42)).toThrow("retry expects a generator function step(attempt), got 42 (number)");
    const step = function* () {};
    expect(() => run(step, { maxAttempts: 0 })).toThrow("`maxAttempts` must be an integer >= 1 (the first try included), got 0 (number)");
    expect(() => run(step, { baseMs: -5 })).toThrow("`baseMs` must be a finite number of ms >= 0, got -5 (number)");
    expect(() => run(step, { factor: 0.5 })).toThrow("`factor` must be a finite number >= 1, got 0.5 (number)");
    expect(() => run(step, { jitter: { seed: 1, ratio: 2 } })).toThrow("`jitter.ratio` must be in (0, 1], got 2 (number)");
    expect(() => run(step, { retries: 3 } as never)).toThrow('retry: unknown policy option "retries"');
  });
});
