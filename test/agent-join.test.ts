import { describe, expect, expectTypeOf, it } from "vitest";
import { NoSuchTaskError, TaskKilledError, fork, race, sleep, wait, waitAll, waitAny, type Tid } from "../src/index.js";
import { recorder, virtualScheduler } from "./helpers.js";

function* after<T>(ms: number, value: T, log?: string[]): Generator<unknown, T, unknown> {
  try {
    yield* sleep(ms);
    return value;
  } finally {
    log?.push(`finally ${String(value)}`);
  }
}

function* failAfter(ms: number, message: string): Generator<unknown, never, unknown> {
  yield* sleep(ms);
  throw new Error(message);
}

describe("waitAll", () => {
  it("returns results in the order of the tids, not the order they finish", async () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      const a = yield* fork(after(30, "slow"));
      const b = yield* fork(after(10, 42));
      const results = yield* waitAll([a, b] as const);
      expectTypeOf(results).toEqualTypeOf<[string, number]>();
      let collected = false;
      try {
        yield* wait(a);
      } catch (e) {
        collected = e instanceof NoSuchTaskError; // its exit record was already freed
      }
      return [results, sched.now(), collected];
    });
    await sched.run();
    expect(await t.done).toEqual([["slow", 42], 30, true]);
  });

  it("kills the rest on the first failure, runs their finally blocks, then throws it", async () => {
    const { sched } = virtualScheduler();
    const log: string[] = [];
    const t = sched.spawn(function* () {
      const tids = [yield* fork(after(100, "a", log)), yield* fork(failAfter(20, "tool crashed")), yield* fork(after(200, "c", log))];
      try {
        yield* waitAll(tids);
      } catch (e) {
        log.push(`caught ${(e as Error).message} at ${sched.now()}`);
      }
      return sched.ps().map((p) => p.name);
    });
    await sched.run();
    expect(log).toEqual(["finally a", "finally c", "caught tool crashed at 20"]);
    expect(await t.done).toEqual(["task"]); // only the caller: no watchers or killed tasks left behind
  });

  it("collects tasks that ended before it was called", async () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      const a = yield* fork(after(0, "done early"));
      const b = yield* fork(after(50, "later"));
      yield* sleep(10);
      return yield* waitAll([a, b]);
    });
    await sched.run();
    expect(await t.done).toEqual(["done early", "later"]);
  });

  it("returns [] for no tids and names a bad tid", async () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      const none = yield* waitAll([]);
      try {
        yield* waitAll(["3"] as never);
      } catch (e) {
        return [none, (e as Error).message];
      }
    });
    await sched.run();
    expect(await t.done).toEqual([[], 'waitAll: tids[0] must be an integer tid, got "3" (string)']);
  });
});

describe("waitAny", () => {
  it("returns the first to finish, after killing the rest and running their finally blocks", async () => {
    const { sched } = virtualScheduler();
    const { log, lines } = recorder(sched);
    const cleaned: string[] = [];
    const t = sched.spawn(function* () {
      const tids: Tid<string>[] = [yield* fork(after(50, "b", cleaned)), yield* fork(after(20, "a", cleaned)), yield* fork(after(90, "c", cleaned))];
      const winner = yield* waitAny(tids);
      log(`winner ${winner.index} ${winner.value} after ${cleaned.join(", ")}`);
      return winner;
    });
    await sched.run();
    expect(lines).toEqual(["t=20 winner 1 a after finally a, finally b, finally c"]);
    expect(await t.done).toMatchObject({ index: 1, tid: 3, value: "a" });
  });

  it("throws the error of the first to end when it failed", async () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      yield* waitAny([yield* fork(failAfter(5, "first and broken")), yield* fork(after(10, "ok"))]);
    });
    await sched.run().catch(() => {});
    await expect(t.done).rejects.toThrow("first and broken");
  });

  it("throws NoSuchTaskError for an unknown tid", async () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      yield* waitAny([99]);
    });
    await sched.run().catch(() => {});
    await expect(t.done).rejects.toBeInstanceOf(NoSuchTaskError);
  });
});

describe("race", () => {
  it("returns the fastest target's value; the losers' finally blocks ran before it returns", async () => {
    const { sched } = virtualScheduler();
    const cleaned: string[] = [];
    const t = sched.spawn(function* () {
      const value = yield* race([
        function* careful() {
          return yield* after(300, "careful", cleaned);
        },
        function* quick() {
          return yield* after(100, 7, cleaned);
        },
      ]);
      expectTypeOf(value).toEqualTypeOf<string | number>();
      return [value, [...cleaned], sched.now(), sched.ps().length];
    });
    await sched.run();
    expect(await t.done).toEqual([7, ["finally 7", "finally careful"], 100, 1]);
  });

  it("throws the first finisher's error after killing the rest", async () => {
    const { sched } = virtualScheduler();
    const t = sched.spawn(function* () {
      let killed: unknown = null;
      try {
        yield* race([failAfter(5, "bad tool"), after(100, "never")]);
      } catch (e) {
        killed = e;
      }
      return [(killed as Error).message, sched.ps().length];
    });
    await sched.run();
    expect(await t.done).toEqual(["bad tool", 1]);
  });

  it("kills the racers when the caller is killed", async () => {
    const { sched } = virtualScheduler();
    const cleaned: string[] = [];
    const t = sched.spawn(function* () {
      yield* race([after(100, "x", cleaned), after(200, "y", cleaned)]);
    }, { timeLimit: 50 });
    await sched.run();
    await expect(t.done).rejects.toBeInstanceOf(TaskKilledError);
    expect(cleaned).toEqual(["finally x", "finally y"]);
    expect(sched.now()).toBe(50);
  });
});
