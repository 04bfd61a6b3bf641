import fc from "fast-check";
import { describe, expect, expectTypeOf, it } from "vitest";
import { OpCancelledError, RingFullError, TimeoutError } from "../src/errors.js";
import { VirtualClock } from "../src/time/clock.js";
import { Timers } from "../src/time/timers.js";
import { IoRing } from "../src/io/io-ring.js";
import type { Completion, IoHandler, IoOp, IoRequest } from "../src/io/types.js";
import { holding, ownedRing } from "./helpers.js";

/** Timers on `clock` that fire by themselves (a scheduler's are fired by its loop). */
function newTimers(clock: VirtualClock): Timers {
  return new Timers(clock, (error) => {
    throw error;
  });
}

interface EchoOp extends IoOp {
  type: "echo";
  value: unknown;
}

/** Completes every request at once with its op's `value`. */
const echo: IoHandler<EchoOp> = (requests) => {
  for (const r of requests) r.complete(r.op.value);
};


const flushMicrotasks = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe("IoRing", () => {
  it("completes an op with its userData, value and clock times", async () => {
    const clock = new VirtualClock(100);
    const slow = holding();
    const ring = new IoRing({ clock, handlers: { slow: slow.handler } });
    const seq = ring.submit({ type: "slow" }, { userData: { id: "a" } });
    expect(seq).toBe(1);
    expect(ring.reap()).toEqual([]);
    clock.advance(5);
    expect(ring.enter()).toBe(1);
    clock.advance(20);
    slow.pending[0].complete(42);
    await ring.wait();
    const [c] = ring.reap();
    expect(c).toMatchObject({ seq: 1, userData: { id: "a" }, type: "slow", ok: true, value: 42, error: undefined });
    expect([c.submittedAt, c.startedAt, c.completedAt]).toEqual([100, 105, 125]);
    expect(ring.reap()).toEqual([]);
  });


  it("times ops on the real clock from a reading of the same run of JavaScript, in order", async () => {
    const ring = new IoRing();
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const before = performance.now();
    ring.submit({ type: "call", fn: () => pause(20) });
    ring.submit({ type: "nop" });
    ring.enter();
    await pause(15);
    const later = performance.now();
    ring.submit({ type: "nop" }); // a later run: not the reading of the first enter()
    ring.enter();
    await pause(30);
    const [nop, lateNop, slowCall] = ring.reap();
    expect([nop.seq, lateNop.seq, slowCall.seq]).toEqual([2, 3, 1]);
    for (const c of [nop, slowCall, lateNop]) {
      expect(c.submittedAt).toBeLessThanOrEqual(c.startedAt);
      expect(c.startedAt).toBeLessThanOrEqual(c.completedAt);
    }
    expect(slowCall.submittedAt).toBeGreaterThanOrEqual(before);
    expect(slowCall.completedAt - slowCall.startedAt).toBeGreaterThanOrEqual(15); // a fresh reading, not the enter() one
    expect(lateNop.submittedAt).toBeGreaterThanOrEqual(later);
  });
  it("calls each handler once per enter with every request of its type, in submit order", () => {
    const a = holding();
    const b = holding();
    const ring = new IoRing({ handlers: { a: a.handler, b: b.handler } });
    for (const type of ["a", "b", "a", "a", "b"]) ring.submit({ type });
    expect(ring.enter()).toBe(5);
    expect(a.batches).toEqual([[1, 3, 4]]);
    expect(b.batches).toEqual([[2, 5]]);
    expect(ring.enter()).toBe(0);
    expect(a.batches.length + b.batches.length).toBe(2);
  });

  it("gives each handler call a batch array of its own to keep, between enters of built-in ops", () => {
    const batches: IoRequest[][] = [];
    const ring = new IoRing({ handlers: { keep: (requests) => void batches.push(requests) } });
    const round = (type: string, n: number) => {
      for (let i = 0; i < n; i++) ring.submit({ type });
      ring.enter();
    };
    round("nop", 3);
    round("keep", 2);
    round("nop", 1);
    round("keep", 1);
    round("nop", 4);
    expect(batches.map((b) => b.map((r) => r.seq))).toEqual([[4, 5], [7]]);
  });

  it("runs ops that a call op's fn submits and enters from inside the handler, then the rest of the batch", () => {
    const ring = new IoRing();
    const fn = () => {
      ring.submit({ type: "nop" });
      ring.submit({ type: "nop" });
      ring.enter();
      return "outer";
    };
    ring.submit({ type: "call", fn });
    ring.submit({ type: "call", fn: () => "second" });
    ring.submit({ type: "nop" });
    expect(ring.enter()).toBe(3);
    const reaped = ring.reap();
    expect(reaped.map((c) => [c.seq, c.ok, c.value])).toEqual([
      [4, true, undefined],
      [5, true, undefined],
      [1, true, "outer"],
      [2, true, "second"],
      [3, true, undefined],
    ]);
  });

  it("lets a batch handler answer N requests with one backend call", async () => {
    const backendCalls: string[][] = [];
    const mget = async (keys: string[]) => {
      backendCalls.push(keys);
      return keys.map((k) => k.toUpperCase());
    };
    const get: IoHandler<{ type: "get"; key: string }> = async (requests) => {
      const values = await mget(requests.map((r) => r.op.key));
      requests.forEach((r, i) => r.complete(values[i]));
    };
    const ring = new IoRing({ handlers: { get } });
    for (const key of ["x", "y", "z"]) ring.submit({ type: "get", key }, { userData: key });
    ring.enter();
    await ring.wait();
    await flushMicrotasks();
    expect(backendCalls).toEqual([["x", "y", "z"]]);
    expect(ring.reap().map((c) => [c.userData, c.value])).toEqual([["x", "X"], ["y", "Y"], ["z", "Z"]]);
  });

  it("never has more ops in flight than cqEntries while 100 ops flow through a small ring", async () => {
    const work = holding();
    const ring = new IoRing({ entries: 4, cqEntries: 8, handlers: { work: work.handler } });
    const results = new Map<unknown, unknown>();
    let submitted = 0;
    let maxInFlight = 0;
    for (let turn = 0; results.size < 100; turn++) {
      expect(turn).toBeLessThan(1000);
      while (submitted < 100 && ring.counters.queued < ring.entries) {
        ring.submit({ type: "work", n: submitted }, { userData: submitted });
        submitted++;
      }
      ring.enter();
      const { inFlight, unreaped } = ring.counters;
      maxInFlight = Math.max(maxInFlight, inFlight);
      expect(inFlight + unreaped).toBeLessThanOrEqual(8);
      // Settle a few, newest first, and reap fewer than all: unreaped completions hold CQ room too.
      for (const r of work.pending.splice(-3).reverse()) r.complete((r.op.n as number) * 2);
      if (ring.counters.unreaped === 0 && ring.counters.inFlight + ring.counters.queued === 0) break;
      await ring.wait();
      for (const c of ring.reap(5)) results.set(c.userData, c.value);
    }
    expect(maxInFlight).toBe(8);
    expect(results.size).toBe(100);
    for (let i = 0; i < 100; i++) expect(results.get(i)).toBe(i * 2);
    expect(ring.counters).toMatchObject({ submitted: 100, completed: 100, queued: 0, inFlight: 0 });
  });

  it("counts the linked ops held behind a chain head against the CQ bound", () => {
    const work = holding();
    const { ring } = ownedRing({ entries: 8, cqEntries: 4 }, newTimers(new VirtualClock()));
    ring.register("work", work.handler);
    ring.submitBatch([
      { op: { type: "work" }, link: true },
      { op: { type: "work" }, link: true },
      { type: "work" },
      { type: "work" },
      { type: "work" },
    ]);
    expect(ring.enter()).toBe(2); // chain head #1 (with #2, #3 held) and #4: 4 CQ slots spoken for
    expect(work.batches).toEqual([[1, 4]]);
    work.pending[0].complete();
    expect(ring.enter()).toBe(1); // #2 starts; #5 still has no room (#1 is unreaped)
    expect(work.batches).toEqual([[1, 4], [2]]);
    ring.reap();
    expect(ring.enter()).toBe(1);
    expect(work.batches).toEqual([[1, 4], [2], [5]]);
  });

  it("throws RingFullError naming the capacity and op type when the SQ is full", () => {
    const ring = new IoRing({ entries: 2 });
    ring.submit({ type: "nop" });
    ring.submit({ type: "nop" });
    let error: unknown;
    try {
      ring.submit({ type: "call", fn: () => 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RingFullError);
    expect((error as RingFullError).message).toMatch(/\(2 entries\).*"call"/);
    expect((error as RingFullError).capacity).toBe(2);
    expect(ring.counters.submitted).toBe(2);
    ring.enter();
    expect(ring.submit({ type: "nop" })).toBe(3);
  });

  it("submits a whole batch or none of it", () => {
    const ring = new IoRing({ entries: 4, handlers: { echo } });
    ring.submit({ type: "nop" });
    ring.submit({ type: "nop" });
    expect(() => ring.submitBatch([{ type: "nop" }, { type: "nop" }, { type: "echo", value: 3 }])).toThrow(
      RingFullError,
    );
    expect(() => ring.submitBatch([{ type: "nop" }, { op: { type: "timeout", ms: -1 } }])).toThrow(
      /submitBatch item 1: .*-1/,
    );
    expect(ring.counters.submitted).toBe(2);
    expect(ring.status(3)).toBe("unknown");
    const seqs = ring.submitBatch([
      { op: { type: "echo", value: "x" }, userData: "first" },
      { type: "echo", value: "y" },
    ]);
    expect(seqs).toEqual([3, 4]);
    ring.enter();
    expect(ring.reap().map((c) => [c.seq, c.userData, c.value])).toEqual([
      [1, undefined, undefined],
      [2, undefined, undefined],
      [3, "first", "x"],
      [4, undefined, "y"],
    ]);
  });

  it("cancels the rest of a link chain without dispatching it when a link fails", async () => {
    const batches: number[][] = [];
    const step: IoHandler = (requests) => {
      batches.push(requests.map((r) => r.seq));
      for (const r of requests) {
        if (r.op.fail) r.fail(new Error(`step ${r.seq} broke`));
        else r.complete(r.seq);
      }
    };
    const ring = new IoRing({ handlers: { step } });
    ring.submit({ type: "step" }, { link: true });
    ring.submit({ type: "step", fail: true }, { link: true });
    ring.submit({ type: "step" });
    ring.submit({ type: "nop" }); // after the chain ended: independent
    expect(ring.enter()).toBe(2);
    expect(batches).toEqual([[1]]);
    expect(ring.status(2)).toBe("queued"); // held until #1's success is seen
    await flushMicrotasks(); // a standalone ring starts the next link by itself
    expect(batches).toEqual([[1], [2]]);
    const cs = ring.reap();
    expect(cs.map((c) => [c.seq, c.ok])).toEqual([[1, true], [4, true], [2, false], [3, false]]);
    const third = cs[3];
    expect(third.error).toBeInstanceOf(OpCancelledError);
    expect((third.error as Error).message).toMatch(/op #3 "step" was cancelled: linked op #2 "step" before it failed/);
    expect(third.startedAt).toBeNaN();
    expect(ring.counters).toMatchObject({ completed: 2, failed: 1, cancelled: 1 });
  });

  it("starts the next link only at the next enter on a scheduler's ring", () => {
    const clock = new VirtualClock();
    let completions = 0;
    const { ring, engine } = ownedRing({}, newTimers(clock), () => completions++);
    ring.submitBatch([{ op: { type: "nop" }, link: true }, { op: { type: "nop" }, link: true }, { type: "nop" }]);
    expect(ring.enter()).toBe(1);
    expect(completions).toBe(1);
    expect(ring.status(2)).toBe("queued");
    expect(engine.dispatchable).toBe(true);
    expect(ring.enter()).toBe(1);
    expect(ring.enter()).toBe(1);
    expect(completions).toBe(3);
    expect(ring.reap().map((c) => c.seq)).toEqual([1, 2, 3]);
    expect(engine.dispatchable).toBe(false);
  });

  it("rejects a link chain longer than cqEntries at submit", () => {
    const ring = new IoRing({ entries: 8, cqEntries: 2 });
    ring.submit({ type: "nop" }, { link: true });
    ring.submit({ type: "nop" }, { link: true });
    expect(() => ring.submit({ type: "nop" })).toThrow(/link chain of 3 ops .*cqEntries 2/);
    expect(() => ring.submitBatch([{ type: "nop" }])).toThrow(RangeError);
    expect(ring.counters.submitted).toBe(2);
  });

  it("ends a link chain at the last op enter takes, so a later op is not linked", () => {
    const work = holding();
    const ring = new IoRing({ handlers: { work: work.handler } });
    ring.submit({ type: "work" }, { link: true });
    ring.enter();
    ring.submit({ type: "work" });
    ring.enter();
    expect(work.batches).toEqual([[1], [2]]);
    work.pending[0].fail(new Error("no"));
    expect(ring.status(2)).toBe("in-flight");
  });

  it("cancels the ops linked after a cancelled one, held or queued, naming it", () => {
    const work = holding();
    const ring = new IoRing({ handlers: { work: work.handler } });
    ring.submitBatch([0, 1, 2].map(() => ({ op: { type: "work" }, link: true })));
    ring.submit({ type: "work" });
    ring.enter();
    expect([1, 2, 3, 4].map((seq) => ring.status(seq))).toEqual(["in-flight", "queued", "queued", "queued"]);
    expect(ring.cancel(3)).toBe(true);
    const cs = ring.reap();
    expect(cs.map((c) => c.seq)).toEqual([3, 4]);
    expect((cs[1].error as Error).message).toMatch(/op #4 "work" was cancelled: linked op #3 "work" before it was cancelled/);
    work.pending[0].complete();
    expect(ring.enter()).toBe(1); // #2 still runs: only what follows #3 was cancelled
    expect(work.batches).toEqual([[1], [2]]);

    ring.submit({ type: "work" }, { link: true });
    ring.cancel(5);
    ring.submit({ type: "work" }); // joins a chain whose op was cancelled while queued
    expect(ring.status(6)).toBe("completed");
    expect(ring.counters.cancelled).toBe(4);
  });

  it("cancels the rest of a chain when its op times out", () => {
    const clock = new VirtualClock();
    const work = holding();
    const ring = new IoRing({ clock, handlers: { work: work.handler } });
    ring.submit({ type: "work" }, { link: true, timeout: 10 });
    ring.submit({ type: "work" });
    ring.enter();
    clock.advance(10);
    const [first, second] = ring.reap();
    expect(first.error).toBeInstanceOf(TimeoutError);
    expect((second.error as Error).message).toMatch(/linked op #1 "work" before it timed out/);
    expect(work.batches).toEqual([[1]]);
  });

  it("fails an op with TimeoutError when its timeout passes, aborting its signal", () => {
    const clock = new VirtualClock();
    const slow = holding();
    const ring = new IoRing({ clock, handlers: { slow: slow.handler } });
    ring.submit({ type: "slow" }, { timeout: 50 });
    clock.advance(10); // the timeout starts at dispatch, not at submit
    ring.enter();
    const request = slow.pending[0];
    const signal = request.signal;
    clock.advance(49);
    expect(ring.status(1)).toBe("in-flight");
    expect(signal.aborted).toBe(false);
    clock.advance(1);
    const [c] = ring.reap();
    expect(c.error).toBeInstanceOf(TimeoutError);
    expect((c.error as Error).message).toBe('op #1 "slow" timed out after 50 ms');
    expect(c.completedAt).toBe(60);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(c.error);
    expect(request.complete("late")).toBe(false);
    expect(ring.counters).toMatchObject({ failed: 1, ignored: 1, completed: 0 });
  });

  it("hands out an already-aborted signal when first read after the op timed out", () => {
    const clock = new VirtualClock();
    const slow = holding();
    const ring = new IoRing({ clock, handlers: { slow: slow.handler } });
    ring.submit({ type: "slow" }, { timeout: 5 });
    ring.enter();
    clock.advance(5);
    expect(slow.pending[0].signal.aborted).toBe(true);
    expect(slow.pending[0].signal.reason).toBeInstanceOf(TimeoutError);
  });

  it("cancels a queued op at once and skips its slot at the next enter", () => {
    const work = holding();
    const ring = new IoRing({ handlers: { work: work.handler } });
    ring.submit({ type: "work" });
    ring.submit({ type: "work" });
    expect(ring.cancel(1, "not needed")).toBe(true);
    const [c] = ring.reap();
    expect(c.seq).toBe(1);
    expect(c.error).toBeInstanceOf(OpCancelledError);
    expect((c.error as Error).message).toBe('op #1 "work" was cancelled: not needed');
    expect(ring.status(1)).toBe("completed");
    expect(ring.enter()).toBe(1);
    expect(work.batches).toEqual([[2]]);
    expect(ring.cancel(1)).toBe(false);
    expect(ring.cancel(99)).toBe(false);
    expect(ring.counters.cancelled).toBe(1);
  });

  it("cancels an in-flight op, aborting its signal and ignoring its late result", () => {
    const work = holding();
    const ring = new IoRing({ handlers: { work: work.handler } });
    ring.submit({ type: "work" });
    ring.enter();
    const request = work.pending[0];
    const signal = request.signal;
    expect(ring.cancel(1)).toBe(true);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(OpCancelledError);
    expect(request.settled).toBe(true);
    expect(request.complete(1)).toBe(false);
    expect(ring.reap()[0].error).toBe(signal.reason);
    expect(ring.counters).toMatchObject({ cancelled: 1, ignored: 1, inFlight: 0 });
  });

  it("fails the unsettled ops of a handler that throws, and enter does not throw", async () => {
    const boom = new Error("backend down");
    const ring = new IoRing({
      handlers: {
        flaky: (requests) => {
          requests[0].complete("done");
          throw boom;
        },
        rejects: async () => {
          throw boom;
        },
      },
    });
    ring.submitBatch([{ type: "flaky" }, { type: "flaky" }, { type: "rejects" }]);
    expect(() => ring.enter()).not.toThrow();
    await flushMicrotasks();
    const cs = ring.reap();
    expect(cs.map((c) => [c.seq, c.ok, c.value ?? c.error])).toEqual([
      [1, true, "done"],
      [2, false, boom],
      [3, false, boom],
    ]);
    expect(ring.counters).toMatchObject({ completed: 1, failed: 2, ignored: 1 });
  });

  it("completes an op of an unregistered type with a TypeError that says how to register it", () => {
    const ring = new IoRing();
    ring.submit({ type: "mystery" });
    ring.enter();
    const [c] = ring.reap();
    expect(c.ok).toBe(false);
    expect(c.error).toBeInstanceOf(TypeError);
    expect((c.error as Error).message).toMatch(/"mystery".*register/);
  });

  it("keeps the first outcome when a request is settled twice", () => {
    const work = holding();
    const ring = new IoRing({ handlers: { work: work.handler } });
    ring.submit({ type: "work" });
    ring.enter();
    expect(work.pending[0].complete("first")).toBe(true);
    expect(work.pending[0].complete("second")).toBe(false);
    expect(work.pending[0].fail(new Error("third"))).toBe(false);
    const [c] = ring.reap();
    expect(c.value).toBe("first");
    expect(ring.counters.ignored).toBe(2);
  });

  it("cancels an op when the caller's signal aborts, before or after submit", () => {
    const work = holding();
    const ring = new IoRing({ handlers: { work: work.handler } });
    const early = new AbortController();
    early.abort("too late");
    ring.submit({ type: "work" }, { signal: early.signal });
    expect(ring.status(1)).toBe("completed");
    expect((ring.reap()[0].error as Error).message).toMatch(/#1 "work" was cancelled: too late/);

    const ac = new AbortController();
    ring.submit({ type: "work" }, { signal: ac.signal });
    ring.enter();
    expect(work.batches).toEqual([[2]]);
    const signal = work.pending[0].signal;
    ac.abort(new Error("user left"));
    expect(signal.aborted).toBe(true);
    expect((ring.reap()[0].error as Error).message).toMatch(/#2 "work" was cancelled: user left/);

    const done = new AbortController();
    ring.submit({ type: "nop" }, { signal: done.signal });
    ring.enter();
    done.abort(); // listener removed when the op completed
    expect(ring.reap().map((c) => c.ok)).toEqual([true]);
    expect(ring.counters).toMatchObject({ cancelled: 2, ignored: 0 });
  });

  it("completes a timeout op on the ring's virtual clock, counting it as waiting on the clock", () => {
    const clock = new VirtualClock();
    const { ring, engine } = ownedRing({ handlers: { work: holding().handler } }, newTimers(clock));
    ring.submit({ type: "timeout", ms: 100 }, { userData: "tick" });
    ring.submit({ type: "work" });
    ring.enter();
    expect(ring.counters.inFlight).toBe(2);
    expect(engine.externalPending).toBe(1);
    clock.advance(99);
    expect(ring.reap()).toEqual([]);
    clock.advance(1);
    const [c] = ring.reap();
    expect(c).toMatchObject({ userData: "tick", ok: true, value: undefined, startedAt: 0, completedAt: 100 });
  });

  it("reports status through queued, in-flight and completed, and unknown for other seqs", () => {
    const work = holding();
    const ring = new IoRing({ handlers: { work: work.handler } });
    const seq = ring.submit({ type: "work" });
    expect(ring.status(seq)).toBe("queued");
    ring.enter();
    expect(ring.status(seq)).toBe("in-flight");
    work.pending[0].complete();
    expect(ring.status(seq)).toBe("completed");
    ring.reap();
    expect(ring.status(seq)).toBe("completed");
    for (const other of [0, -1, 1.5, 2, Number.NaN]) expect(ring.status(other)).toBe("unknown");
  });

  it("runs call ops sync or async, failing on a throw or rejection, creating a signal only if asked", async () => {
    const seen: unknown[] = [];
    const ring = new IoRing();
    ring.submitBatch([
      { type: "call", fn: () => 1 },
      { type: "call", fn: async () => 2 },
      {
        type: "call",
        fn: () => {
          throw new Error("sync");
        },
      },
      { type: "call", fn: () => Promise.reject(new Error("async")) },
      { type: "call", fn: (signal: AbortSignal) => seen.push(signal) },
    ]);
    ring.enter();
    await flushMicrotasks();
    const cs = ring.reap().sort((a, b) => a.seq - b.seq);
    expect(cs.map((c) => (c.ok ? c.value : (c.error as Error).message))).toEqual([1, 2, "sync", "async", 1]);
    expect(seen[0]).toBeInstanceOf(AbortSignal);
  });

  it("creates no AbortController for an op whose signal is never read", async () => {
    const Original = globalThis.AbortController;
    let created = 0;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        created++;
      }
    };
    try {
      const ring = new IoRing();
      ring.submitBatch([{ type: "nop" }, { type: "call", fn: () => 1 }, { type: "call", fn: async () => 2 }]);
      ring.submit({ type: "nop" }, { timeout: 10 });
      ring.enter();
      await flushMicrotasks();
      expect(ring.reap()).toHaveLength(4);
      expect(created).toBe(0);
      ring.submit({ type: "call", fn: (signal: AbortSignal) => signal.aborted });
      ring.enter();
      expect(created).toBe(1);
    } finally {
      globalThis.AbortController = Original;
    }
  });

  it("leaves no deadline armed once its op settles", () => {
    const clock = new VirtualClock();
    const timers = newTimers(clock);
    const work = holding();
    const { ring, engine } = ownedRing({ handlers: { work: work.handler } }, timers);
    ring.submit({ type: "work" }, { timeout: 100 });
    ring.submit({ type: "timeout", ms: 50 }, { timeout: 100 });
    ring.enter();
    expect(timers.deadlines.size).toBe(3);
    work.pending[0].complete();
    ring.cancel(2);
    expect(timers.deadlines.size).toBe(0);
    expect(clock.nextTimer()).toBeUndefined();
    expect(engine.externalPending).toBe(0);
  });

  it("never drops a completion when queued ops are cancelled while the CQ is full", () => {
    const { ring, engine } = ownedRing({ entries: 4, cqEntries: 4 }, newTimers(new VirtualClock()));
    ring.submitBatch([{ type: "nop" }, { type: "nop" }, { type: "nop" }, { type: "nop" }]);
    ring.enter();
    ring.submitBatch([{ type: "nop" }, { type: "nop" }, { type: "nop" }, { type: "nop" }]);
    for (let seq = 5; seq <= 8; seq++) ring.cancel(seq);
    expect(ring.enter()).toBe(0); // no room: the dead slots stay until reaped
    expect(engine.sqSpace).toBe(0);
    expect(ring.reap().map((c) => c.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ring.enter()).toBe(0);
    expect(engine.sqSpace).toBe(4);
  });

  it("resolves wait at once when a completion is already there", async () => {
    const ring = new IoRing();
    ring.submit({ type: "nop" });
    ring.enter();
    await ring.wait();
    expect(ring.counters.unreaped).toBe(1);
    const pending = ring.wait();
    ring.reap();
    await pending;
  });

  it("calls onCompletion for every completion on a scheduler's ring and uses its timers", () => {
    const clock = new VirtualClock();
    let calls = 0;
    const { ring } = ownedRing({ entries: 8 }, newTimers(clock), () => calls++);
    ring.submitBatch([{ type: "nop" }, { type: "timeout", ms: 30 }]);
    ring.enter();
    expect(calls).toBe(1);
    clock.advance(30);
    expect(calls).toBe(2);
    expect(() => ownedRing({ clock }, newTimers(clock))).toThrow(/clock/);
  });

  it("rejects bad options, ops and registrations with errors naming the value", () => {
    expect(() => new IoRing({ entries: 3 })).toThrow(/entries.*got 3/);
    expect(() => new IoRing({ cqEntries: 0 })).toThrow(/cqEntries.*got 0/);
    expect(() => new IoRing({ cqEntries: 2.5 })).toThrow(RangeError);
    expect(() => new IoRing({ entires: 8 } as never)).toThrow(/Unknown IoRing option "entires"/);
    expect(() => new IoRing({ handlers: { x: 1 as never } })).toThrow(/"x" must be a function, got 1/);
    expect(() => new IoRing({ handlers: { nop: echo as IoHandler } })).toThrow(/built-in/);
    const ring = new IoRing({ handlers: { echo } });
    expect(() => ring.register("call", echo as IoHandler)).toThrow(/built-in/);
    expect(() => ring.register("echo", echo)).toThrow(/already registered/);
    expect(() => ring.register("other", "nope" as never)).toThrow(TypeError);
    expect(() => ring.submit(null as never)).toThrow(/got null/);
    expect(() => ring.submit({ type: 7 } as never)).toThrow(/type 7 \(number\)/);
    expect(() => ring.submit({ type: "call" })).toThrow(/fn/);
    expect(() => ring.submit({ type: "timeout", ms: Number.POSITIVE_INFINITY })).toThrow(/Infinity/);
    expect(() => ring.submit({ type: "nop" }, { timeout: -1 })).toThrow(/timeout.*-1/);
    expect(() => ring.reap(-1)).toThrow(RangeError);
    expect(ring.counters.submitted).toBe(0);
  });

  it("returns a fresh counters object each time", () => {
    const ring = new IoRing();
    const before = ring.counters;
    ring.submit({ type: "nop" });
    expect(before.submitted).toBe(0);
    expect(ring.counters).not.toBe(ring.counters);
    expect(ring.counters).toEqual({
      queued: 1, inFlight: 0, unreaped: 0, submitted: 1, completed: 0, failed: 0, cancelled: 0, ignored: 0,
    });
  });

  it("completes every op exactly once, within the CQ bound, under random use", () => {
    const command = fc.oneof(
      fc.record({
        kind: fc.constant("submit" as const),
        type: fc.constantFrom("work", "nop", "timeout", "boom"),
        link: fc.boolean(),
        timeout: fc.option(fc.integer({ min: 0, max: 15 }), { nil: undefined }),
        signal: fc.boolean(),
      }),
      fc.record({ kind: fc.constant("batch" as const), n: fc.integer({ min: 0, max: 5 }), link: fc.boolean() }),
      fc.record({ kind: fc.constantFrom("cancel" as const, "abort" as const, "settle" as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant("enter" as const) }),
      fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ kind: fc.constant("reap" as const), max: fc.integer({ min: 0, max: 10 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(command, { maxLength: 120 }),
        fc.constantFrom(1, 2, 4, 8),
        fc.integer({ min: 1, max: 6 }),
        (commands, entries, cqEntries) => {
          const clock = new VirtualClock();
          const work = holding();
          const boom: IoHandler = () => {
            throw new Error("boom");
          };
          const { ring, engine } = ownedRing({ entries, cqEntries, handlers: { work: work.handler, boom } }, newTimers(clock));
          const controllers: AbortController[] = [];
          const seen = new Map<number, number>();
          const collect = (max?: number) => {
            for (const c of ring.reap(max)) {
              seen.set(c.seq, (seen.get(c.seq) ?? 0) + 1);
              expect(ring.status(c.seq)).toBe("completed");
            }
          };
          const submitOne = (type: string, options: { link?: boolean; timeout?: number; signal?: AbortSignal }) => {
            try {
              ring.submit(type === "timeout" ? { type, ms: 5 } : { type }, options);
            } catch (error) {
              if (!(error instanceof RingFullError || error instanceof RangeError)) throw error;
            }
          };
          for (const cmd of commands) {
            switch (cmd.kind) {
              case "submit": {
                const ac = new AbortController();
                controllers.push(ac);
                submitOne(cmd.type, { link: cmd.link, timeout: cmd.timeout, signal: cmd.signal ? ac.signal : undefined });
                break;
              }
              case "batch":
                try {
                  ring.submitBatch(Array.from({ length: cmd.n }, () => ({ op: { type: "work" }, link: cmd.link })));
                } catch (error) {
                  if (!(error instanceof RingFullError || error instanceof RangeError)) throw error;
                }
                break;
              case "cancel":
                ring.cancel(cmd.pick % (ring.counters.submitted + 2));
                break;
              case "abort":
                controllers[cmd.pick % (controllers.length || 1)]?.abort();
                break;
              case "settle": {
                const r = work.pending.splice(cmd.pick % (work.pending.length || 1), 1)[0];
                if (cmd.pick % 3 === 0) r?.fail(new Error("no"));
                else r?.complete(cmd.pick);
                break;
              }
              case "enter":
                ring.enter();
                break;
              case "advance":
                clock.advance(cmd.ms);
                break;
              case "reap":
                collect(cmd.max);
                break;
            }
            const c = ring.counters;
            expect(c.inFlight).toBeLessThanOrEqual(cqEntries);
            expect(c.inFlight + c.unreaped).toBeLessThanOrEqual(cqEntries + entries);
            expect(c.completed + c.failed + c.cancelled + c.queued + c.inFlight).toBe(c.submitted);
          }
          for (let round = 0; round < 20 && seen.size < ring.counters.submitted; round++) {
            for (let seq = 1; seq <= ring.counters.submitted; seq++) ring.cancel(seq);
            ring.enter();
            collect();
          }
          expect(seen.size).toBe(ring.counters.submitted);
          expect([...seen.values()].every((n) => n === 1)).toBe(true);
          expect(ring.counters).toMatchObject({ queued: 0, inFlight: 0, unreaped: 0 });
          expect(engine.externalPending).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("types handlers by their op and completions by their value", () => {
    const ring = new IoRing();
    ring.register<EchoOp>("echo", (requests) => {
      expectTypeOf(requests[0].op.value).toEqualTypeOf<unknown>();
      expectTypeOf(requests[0].op.type).toEqualTypeOf<"echo">();
    });
    expectTypeOf(ring.reap()).toEqualTypeOf<Completion[]>();
    expectTypeOf(ring.status(1)).toEqualTypeOf<"queued" | "in-flight" | "completed" | "unknown">();
    const neverRun = () => {
      // @ts-expect-error the type must be the handler's op type
      ring.register<EchoOp>("other", echo);
      // @ts-expect-error an op needs a type
      ring.submit({ value: 1 });
      // @ts-expect-error link is a boolean
      ring.submit({ type: "nop" }, { link: "yes" });
    };
    expect(typeof neverRun).toBe("function");
  });
});
