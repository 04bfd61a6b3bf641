import { describe, expect, expectTypeOf, it } from "vitest";
import { OpCancelledError, TimeoutError, submitIO, type Completion, type IoHandler, type IoItem, type IoRequest, type TypedOp } from "../src/index.js";
import { holding, nextTurn, virtualScheduler } from "./helpers.js";

/** Completes each request with its op's `value` after `op.ms` of clock time (default 10), counting how many are in flight. */
function timed(): { handler: IoHandler; max: () => number; calls: number[] } {
  let now = 0;
  let max = 0;
  const calls: number[] = [];
  const handler: IoHandler = (requests) => {
    calls.push(requests.length);
    for (const r of requests) {
      max = Math.max(max, ++now);
      r.after((r.op.ms as number | undefined) ?? 10, () => {
        now--;
        if (r.op.fail === true) r.fail(new Error(`op ${String(r.op.value)} failed`));
        else r.complete(r.op.value);
      });
    }
  };
  return { handler, max: () => max, calls };
}

describe("Scheduler ring", () => {
  it("runs 100 tasks through a 4/8 ring with at most 8 in flight, all results arriving", async () => {
    // Regression: a handler that completes everything outstanding at once left the SQ stranded
    // (the bridge reaped but did not enter again), and run() rejected with a DeadlockError.
    const { sched } = virtualScheduler({ ring: { entries: 4, cqEntries: 8 } });
    let outstanding: IoRequest[] = [];
    let max = 0;
    sched.ring.register("work", (requests) => {
      outstanding.push(...requests);
      max = Math.max(max, outstanding.length);
      if (outstanding.length === requests.length) {
        setTimeout(() => {
          const all = outstanding;
          outstanding = [];
          for (const r of all) r.complete((r.op.n as number) * 2);
        }, 1);
      }
    });
    const results: number[] = [];
    for (let i = 0; i < 100; i++) {
      sched.spawn(function* () {
        results.push((yield* submitIO({ type: "work", n: i })) as number);
      });
    }
    await sched.run();
    expect(max).toBe(8);
    expect(results.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
  });

  it("refills the ring as soon as completions are reaped, so 100 ops of 10 ms take 13 rounds", async () => {
    const { sched } = virtualScheduler({ ring: { entries: 4, cqEntries: 8 } });
    const work = timed();
    sched.ring.register("work", work.handler);
    for (let i = 0; i < 100; i++) sched.spawn(function* () { yield* submitIO({ type: "work", value: i }); });
    await sched.run();
    expect(work.max()).toBe(8);
    expect(sched.now()).toBe(130);
  });

  it("parks a task whose submission finds the SQ full, with status io, and admits parked tasks in FIFO order", async () => {
    const { sched } = virtualScheduler({ ring: { entries: 2, cqEntries: 2 } });
    const held = holding();
    sched.ring.register("work", held.handler);
    const submitted: number[] = [];
    sched.on("io:submit", (tid) => submitted.push(tid));
    const sizes = [2, 2, 2, 1, 1];
    const tasks = sizes.map((n) => sched.spawn(function* () {
      return yield* submitIO(Array.from({ length: n }, () => ({ type: "work" })));
    }));
    const running = sched.run();
    await nextTurn();
    // #1 in flight, #2 in the SQ (the CQ is full), #3 to #5 parked, #4 and #5 behind #3 though smaller.
    expect(sched.ps().map((t) => t.status)).toEqual(["io", "io", "io", "io", "io"]);
    expect(sched.ps().map((t) => t.waitingOn)).toEqual([
      "io: work, work",
      "io: work, work",
      "io: waiting for room to submit work, work",
      "io: waiting for room to submit work",
      "io: waiting for room to submit work",
    ]);
    expect(submitted).toEqual([1, 1, 2, 2]);
    sched.kill(tasks[3].tid); // a parked task that is killed never submits
    held.pending.shift()!.complete(); // one CQ slot: one of #2's ops dispatched, one SQ slot free
    await nextTurn();
    expect(submitted).toEqual([1, 1, 2, 2]); // #3 needs two slots; #5 waits its turn behind it
    held.pending.shift()!.complete();
    await nextTurn();
    expect(submitted).toEqual([1, 1, 2, 2, 3, 3]);
    while (held.pending.length > 0) {
      held.pending.shift()!.complete();
      await nextTurn();
    }
    await running;
    expect(submitted).toEqual([1, 1, 2, 2, 3, 3, 5]);
    expect(tasks.map((t) => t.status)).toEqual(["exited", "exited", "exited", "killed", "exited"]);
  });

  it("dispatches the ops that tasks submit during one turn with one handler call per op type", async () => {
    const { sched } = virtualScheduler();
    const batches: Record<string, number[][]> = { a: [], b: [] };
    for (const type of ["a", "b"] as const) {
      sched.ring.register(type, (requests) => {
        batches[type].push(requests.map((r) => r.op.n as number));
        for (const r of requests) r.complete();
      });
    }
    for (let i = 1; i <= 5; i++) sched.spawn(function* () { yield* submitIO({ type: i % 2 === 1 ? "a" : "b", n: i }); });
    await sched.run();
    expect(batches).toEqual({ a: [[1, 3, 5]], b: [[2, 4]] });
  });

  it("returns batch results in order, whatever order the ops complete in", async () => {
    const { sched } = virtualScheduler();
    sched.ring.register("work", timed().handler);
    const t = sched.spawn(function* () {
      return yield* submitIO([{ type: "work", value: "slow", ms: 30 }, { type: "work", value: "fast", ms: 5 }, { type: "nop" }]);
    });
    await sched.run();
    expect(await t.done).toEqual(["slow", "fast", undefined]);
  });

  it("throws a batch's first failure into the task and cancels the rest, aborting their signals", async () => {
    const { sched } = virtualScheduler();
    const work = timed();
    const aborted: string[] = [];
    sched.ring.register("work", (requests) => {
      for (const r of requests) r.signal.addEventListener("abort", () => aborted.push(`${String(r.op.value)}@${sched.now()}`));
      work.handler(requests);
    });
    const t = sched.spawn(function* () {
      try {
        yield* submitIO([{ type: "work", value: "a", ms: 30 }, { type: "work", value: "b", ms: 10, fail: true }, { type: "work", value: "c", ms: 50 }]);
      } catch (e) {
        return `${(e as Error).message}@${sched.now()}`;
      }
    });
    await sched.run();
    expect(await t.done).toBe("op b failed@10");
    expect(aborted).toEqual(["a@10", "c@10"]);
  });

  it("cancels a killed task's in-flight op: the handler sees its signal abort", async () => {
    const { sched } = virtualScheduler();
    const held = holding();
    sched.ring.register("work", held.handler);
    const log: string[] = [];
    const t = sched.spawn(function* () {
      try {
        yield* submitIO({ type: "work" });
      } finally {
        log.push("finally");
      }
    });
    const running = sched.run();
    await nextTurn();
    const signal = held.pending[0].signal;
    signal.addEventListener("abort", () => log.push("abort"));
    sched.kill(t.tid, "user gave up");
    await running;
    expect(log).toEqual(["abort", "finally"]);
    expect(signal.reason).toBeInstanceOf(OpCancelledError);
    expect((signal.reason as Error).message).toMatch(/op #1 "work" was cancelled: task #1 .* was killed: user gave up/);
    expect(held.pending[0].complete("late")).toBe(false);
  });

  it("cancels the in-flight op when a task's timeLimit runs out, at the limit's virtual time", async () => {
    const { sched } = virtualScheduler();
    let abortedAt = -1;
    sched.ring.register("watched", (requests) => {
      requests[0].signal.addEventListener("abort", () => (abortedAt = sched.now()));
      requests[0].after(1_000, (r) => r.complete());
    });
    const t = sched.spawn(function* () { yield* submitIO({ type: "watched" }); }, { timeLimit: 100 });
    await sched.run();
    await expect(t.done).rejects.toBeInstanceOf(TimeoutError);
    expect(abortedAt).toBe(100);
    expect(sched.now()).toBe(100);
  });

  it("makes timeout ops and op timeouts deadlines on the virtual clock", async () => {
    const { sched } = virtualScheduler();
    sched.ring.register("work", timed().handler);
    const seen: string[] = [];
    const started = performance.now();
    sched.spawn(function* () {
      yield* submitIO({ type: "timeout", ms: 250 });
      seen.push(`timeout op@${sched.now()}`);
      try {
        yield* submitIO({ type: "work", ms: 60_000 }, { timeout: 40 });
      } catch (e) {
        seen.push(`${(e as Error).name} ${(e as TimeoutError).ms}@${sched.now()}`);
      }
    });
    sched.spawn(function* () {
      try {
        yield* submitIO([{ type: "timeout", ms: 100 }, { op: { type: "timeout", ms: 3_600_000 }, timeout: 1_000 }]);
      } catch (e) {
        seen.push(`batch ${(e as Error).message}@${sched.now()}`);
      }
    });
    await sched.run();
    expect(seen).toEqual(["timeout op@250", "TimeoutError 40@290", 'batch op #3 "timeout" timed out after 1000 ms@1000']);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("emits io:submit and io:complete with the submitting task's tid", async () => {
    const { sched } = virtualScheduler();
    const events: string[] = [];
    sched.on("io:submit", (tid, e) => events.push(`submit tid=${tid} ${e.tid} #${e.seq} ${e.op.type}@${e.time}`));
    sched.on("io:complete", (tid, c: Completion) => events.push(`complete tid=${tid} #${c.seq} ${c.type} ok=${c.ok}@${c.completedAt}`));
    sched.spawn(function* () { yield* submitIO({ type: "timeout", ms: 5 }); });
    sched.spawn(function* () {
      try {
        yield* submitIO([{ type: "nop" }, { type: "bogus" }]);
      } catch {
        // no handler for "bogus": the batch fails
      }
    });
    await sched.run();
    expect(events).toEqual([
      "submit tid=1 1 #1 timeout@0",
      "submit tid=2 2 #2 nop@0",
      "submit tid=2 2 #3 bogus@0",
      "complete tid=2 #2 nop ok=true@0",
      "complete tid=2 #3 bogus ok=false@0",
      "complete tid=1 #1 timeout ok=true@5",
    ]);
  });

  it("runs a linked chain one op at a time; when the 2nd fails the 3rd is never dispatched", async () => {
    const { sched } = virtualScheduler();
    const work = timed();
    const dispatched: string[] = [];
    sched.ring.register("work", (requests) => {
      for (const r of requests) dispatched.push(`${String(r.op.value)}@${sched.now()}`);
      work.handler(requests);
    });
    const completions: Completion[] = [];
    sched.on("io:complete", (_tid, c) => completions.push(c));
    const t = sched.spawn(function* () {
      return yield* submitIO([
        { op: { type: "work", value: "mkdir" }, link: true },
        { op: { type: "work", value: "write", fail: true }, link: true },
        { type: "work", value: "rename" },
      ]);
    });
    await sched.run().catch(() => {});
    await expect(t.done).rejects.toThrow("op write failed");
    expect(dispatched).toEqual(["mkdir@0", "write@10"]);
    expect(completions.map((c) => [c.seq, c.ok])).toEqual([[1, true], [2, false], [3, false]]);
    expect(completions[2].error).toBeInstanceOf(OpCancelledError);
    expect((completions[2].error as Error).message).toBe('op #3 "work" was cancelled: linked op #2 "work" before it failed');
  });

  it("ends a link chain with its task's submission, so it never chains another task's op", async () => {
    // Regression: a trailing `link: true` joined the next task's op to the chain and cancelled it.
    const { sched } = virtualScheduler();
    sched.ring.register("boom", (requests) => { for (const r of requests) r.fail(new Error("boom")); });
    const a = sched.spawn(function* () { yield* submitIO({ op: { type: "boom" }, link: true }); });
    const b = sched.spawn(function* () { return yield* submitIO({ type: "nop" }); });
    await sched.run().catch(() => {});
    await expect(a.done).rejects.toThrow("boom");
    await expect(b.done).resolves.toBeUndefined();
  });

  it("types submitIO from typed ops: a value for one op, a tuple in order for a batch", async () => {
    interface Upper extends TypedOp<string> { type: "upper"; text: string }
    interface Maybe extends TypedOp<number | undefined> { type: "maybe" }
    const upper = (text: string): Upper => ({ type: "upper", text });
    const { sched } = virtualScheduler();
    sched.ring.register<Upper>("upper", (requests) => { for (const r of requests) r.complete(r.op.text.toUpperCase()); });
    sched.ring.register<Maybe>("maybe", (requests) => { for (const r of requests) r.complete(undefined); });
    const t = sched.spawn(function* () {
      const one = yield* submitIO(upper("a"));
      expectTypeOf(one).toEqualTypeOf<string>();
      const linked = yield* submitIO({ op: upper("b"), timeout: 100 });
      expectTypeOf(linked).toEqualTypeOf<string>();
      const batch = yield* submitIO([upper("c"), { op: { type: "maybe" } as Maybe, link: true }, { type: "nop" }]);
      expectTypeOf(batch).toEqualTypeOf<[string, number | undefined, unknown]>();
      const list: IoItem[] = [upper("d")];
      expectTypeOf(yield* submitIO(list)).toEqualTypeOf<unknown[]>();
      expectTypeOf(yield* submitIO<[string]>([{ type: "upper", text: "e" }])).toEqualTypeOf<[string]>();
      // @ts-expect-error a number is not an op
      expectTypeOf(() => submitIO(42)).toBeFunction();
      return [one, linked, ...batch];
    });
    await sched.run();
    expect(await t.done).toEqual(["A", "B", "C", undefined, undefined]);
  });
});
