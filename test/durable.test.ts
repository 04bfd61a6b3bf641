import { describe, expect, it } from "vitest";
import { Scheduler, VirtualClock, channel, fork, kill, sleep, submitIO, wait } from "../src/index.js";
import { DurableEngine, call, MemoryStore, NonDeterminismError, WorkflowNotFoundError, now, patched, random, uuid, waitSignal, type WorkflowFn } from "../src/durable/index.js";

function engineOn(store: MemoryStore, workflows: Record<string, WorkflowFn>): DurableEngine {
  return new DurableEngine({ store, workflows, scheduler: new Scheduler({ clock: new VirtualClock() }) });
}

/** Lets the engine run until nothing changes for a few host turns. */
async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setTimeout(r, 0));
}

describe("durable", () => {
  it("runs a workflow to its result and journals every outside outcome", async () => {
    const store = new MemoryStore();
    function* wf(x: number) {
      const t = yield* now();
      const a = yield* call(async () => x + 1);
      yield* sleep(100);
      return { t, a };
    }
    const engine = engineOn(store, { wf });
    const run = await engine.start("wf", [5], { id: "a" });
    expect(run).toMatchObject({ id: "a", name: "wf", created: true });
    expect(await engine.result("a")).toEqual({ t: 0, a: 6 });
    expect(store.journal("a").map((e) => e.kind)).toEqual(["now", "io", "sleep", "sleep"]);
    expect((await engine.status("a"))?.state).toBe("completed");
  });

  it("start is idempotent on the id, also when called twice at once", async () => {
    let runs = 0;
    function* wf() {
      runs++;
      yield* sleep(5);
      return runs;
    }
    const engine = engineOn(new MemoryStore(), { wf });
    const [a, b] = await Promise.all([engine.start("wf", [], { id: "x" }), engine.start("wf", [], { id: "x" })]);
    expect(a.runId).toBe(b.runId);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    const c = await engine.start("wf", [], { id: "x" });
    expect(c).toMatchObject({ runId: a.runId, created: false });
    expect(await engine.result("x")).toBe(1);
    expect(runs).toBe(1);
  });

  it("keeps signals sent before the workflow waits, in order, and times out a wait", async () => {
    function* wf() {
      yield* sleep(50);
      const a = yield* waitSignal<string>("s");
      const b = yield* waitSignal<string>("s");
      const c = yield* waitSignal<string>("never", { timeout: 1000 });
      return [a, b, c];
    }
    const engine = engineOn(new MemoryStore(), { wf });
    await engine.start("wf", [], { id: "s" });
    await engine.signal("s", "s", "one");
    await engine.signal("s", "s", "two");
    expect(await engine.result("s")).toEqual(["one", "two", null]); // undefined in an array is null, as in JSON
  });

  it("recovers after close() without running journaled ops again", async () => {
    const store = new MemoryStore();
    const effects: string[] = [];
    function* wf() {
      const a = yield* call(async (_signal: AbortSignal, key: string) => (effects.push(key), "a"));
      const r = yield* random();
      yield* sleep(1000);
      const s = yield* waitSignal<string>("go");
      return [a, r, s];
    }
    const e1 = engineOn(store, { wf });
    await e1.start("wf", [], { id: "w" });
    await settle();
    const r1 = store.journal("w").find((e) => e.kind === "random")!.value;
    await e1.close();
    expect(effects).toEqual(["w:0"]);
    const e2 = engineOn(store, { wf });
    expect(await e2.recover()).toEqual(["w"]);
    await settle();
    expect((await e2.status("w"))?.replayedSteps).toBe(3);
    await e2.signal("w", "go", "now");
    expect(await e2.result("w")).toEqual(["a", Number(r1), "now"]);
    expect(effects).toEqual(["w:0"]);
  });

  it("keeps a sleep's absolute deadline across a restart (real clock)", async () => {
    const store = new MemoryStore();
    function* wf() {
      yield* sleep(1000);
      return "woke";
    }
    const t0 = Date.now();
    const e1 = new DurableEngine({ store, workflows: { wf } });
    await e1.start("wf", [], { id: "d" });
    await new Promise((r) => setTimeout(r, 400));
    await e1.close();
    const closed = Date.now();
    const e2 = new DurableEngine({ store, workflows: { wf } });
    await e2.recover();
    expect(await e2.result("d")).toBe("woke");
    const end = Date.now();
    expect(end - t0).toBeGreaterThanOrEqual(995);
    expect(end).toBeLessThan(closed + 1000); // a fresh 1 s sleep after the restart would end later
  });

  it("replays forked children talking through a channel to the same interleaving", async () => {
    const store = new MemoryStore();
    const trace: string[][] = [[], []];
    let round = 0;
    function* wf() {
      const ch = channel<number>();
      const producer = yield* fork(function* () {
        for (let i = 0; i < 3; i++) {
          const v = yield* call(async () => i * 10);
          trace[round].push(`send ${v}`);
          yield* ch.send(v);
        }
        ch.close();
      });
      const sum: number[] = [];
      for (;;) {
        const got = yield* ch.receive();
        if (got.done) break;
        trace[round].push(`recv ${got.value}`);
        sum.push(got.value + (yield* random()));
      }
      yield* wait(producer);
      yield* waitSignal("end");
      return sum;
    }
    const e1 = engineOn(store, { wf });
    await e1.start("wf", [], { id: "c" });
    await settle();
    await e1.close();
    round = 1;
    const e2 = engineOn(store, { wf });
    await e2.recover();
    await e2.signal("c", "end");
    const result = await e2.result("c");
    expect(trace[1]).toEqual(trace[0]);
    expect((result as number[]).length).toBe(3);
  });

  it("cancel kills the workflow's tasks, runs their finally blocks, and ends it cancelled", async () => {
    const cleaned: string[] = [];
    function* wf() {
      try {
        yield* waitSignal("never");
      } finally {
        yield* call(async () => cleaned.push("cleanup"));
      }
    }
    const engine = engineOn(new MemoryStore(), { wf });
    await engine.start("wf", [], { id: "k" });
    await settle();
    await engine.cancel("k", "user");
    await expect(engine.result("k")).rejects.toThrow(/killed/);
    expect(cleaned).toEqual(["cleanup"]);
    expect((await engine.status("k"))?.state).toBe("cancelled");
  });

  it("fails a workflow whose code changed with NonDeterminismError naming the step", async () => {
    const store = new MemoryStore();
    let changed = false;
    function* wf() {
      yield* call(async () => 1);
      if (changed) yield* sleep(5);
      else yield* now();
      yield* waitSignal("end");
    }
    const e1 = engineOn(store, { wf });
    await e1.start("wf", [], { id: "n" });
    await settle();
    await e1.close();
    changed = true;
    const e2 = engineOn(store, { wf });
    await e2.recover();
    const error = (await e2.result("n").catch((e) => e)) as NonDeterminismError;
    expect(error).toBeInstanceOf(NonDeterminismError);
    expect(error.step).toBe(1);
    expect(error.message).toMatch(/now.*sleep/);
  });

  it("patched() gates new code: old runs replay the old path, new runs take the new one", async () => {
    const store = new MemoryStore();
    let version = 1;
    function* wf() {
      yield* call(async () => 1);
      let path = "old";
      if (version === 2 && (yield* patched("v2"))) path = "new";
      yield* now();
      yield* waitSignal("end");
      return path;
    }
    const e1 = engineOn(store, { wf });
    await e1.start("wf", [], { id: "old" });
    await settle();
    await e1.close();
    version = 2;
    const e2 = engineOn(store, { wf });
    await e2.recover();
    await e2.start("wf", [], { id: "new" });
    await settle();
    await e2.signal("old", "end");
    await e2.signal("new", "end");
    expect(await e2.result("old")).toBe("old");
    expect(await e2.result("new")).toBe("new");
  });

  it("rejects an unknown workflow name and non-serializable arguments before storing anything", async () => {
    const store = new MemoryStore();
    const engine = engineOn(store, { wf: function* () {} });
    await expect(engine.start("nope", [])).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(engine.start("wf", [() => 1], { id: "f" })).rejects.toThrow(/not JSON-serializable.*\[0\]/);
    await expect(engine.start("wf", [{ big: 1n }], { id: "f" })).rejects.toThrow(/at \[0\]\.big/);
    expect(store.list()).toEqual([]);
  });

  it("fails the step, not the journal, when an op result is not serializable", async () => {
    const store = new MemoryStore();
    function* wf() {
      try {
        yield* call(async () => new Map());
      } catch (e) {
        return (e as Error).message;
      }
    }
    const engine = engineOn(store, { wf });
    await engine.start("wf", [], { id: "m" });
    expect(await engine.result("m")).toMatch(/result of step 0 \(io\).*not JSON-serializable.*Map/);
    expect(store.journal("m")[0]).toMatchObject({ step: 0, ok: false });
  });

  it("hands the idempotency key to ring handlers and call functions", async () => {
    const keys: string[] = [];
    const sched = new Scheduler({ clock: new VirtualClock() });
    sched.ring.register("effect", (requests) => {
      for (const r of requests) {
        keys.push((r.op as { idempotencyKey?: string }).idempotencyKey!);
        r.complete(1);
      }
    });
    function* wf() {
      yield* submitIO({ type: "effect" });
      yield* call(async (_s: AbortSignal, key: string) => keys.push(key));
    }
    const engine = new DurableEngine({ store: new MemoryStore(), workflows: { wf }, scheduler: sched });
    await engine.start("wf", [], { id: "i" });
    await engine.result("i");
    expect(keys).toEqual(["i:0", "i:1"]);
  });

  it("kills and waits between the workflow's own tasks work as in any task", async () => {
    function* wf() {
      const sleeper = yield* fork(function* () {
        yield* sleep(10_000);
      });
      yield* sleep(10);
      const killed = yield* kill(sleeper);
      let err = "";
      try {
        yield* wait(sleeper);
      } catch (e) {
        err = (e as Error).name;
      }
      return { killed, err, at: yield* now() };
    }
    const engine = engineOn(new MemoryStore(), { wf });
    await engine.start("wf", [], { id: "t" });
    expect(await engine.result("t")).toEqual({ killed: true, err: "TaskKilledError", at: 10 });
  });
});

describe("durable time limits", () => {
  it("a child's time limit is a durable timer: it fires at its journaled deadline, also after a restart", async () => {
    const store = new MemoryStore();
    function* wf() {
      const slow = yield* fork(
        function* () {
          yield* sleep(10_000);
          return "finished";
        },
        { timeLimit: 500 },
      );
      const first = yield* waitSignal<string>("first");
      let outcome = "";
      try {
        outcome = yield* wait(slow);
      } catch (e) {
        outcome = (e as Error).message;
      }
      return { first, outcome, at: yield* now() };
    }
    const e1 = engineOn(store, { wf });
    await e1.start("wf", [], { id: "tl" });
    await settle();
    await e1.close();
    const e2 = engineOn(store, { wf });
    await e2.recover();
    await e2.signal("tl", "first", "x");
    const result = (await e2.result("tl")) as { first: string; outcome: string; at: number };
    expect(result.first).toBe("x");
    expect(result.outcome).toMatch(/time limit of 500 ms/);
    expect(result.at).toBe(500);
    expect(store.journal("tl").filter((e) => e.kind === "Fork").map((e) => e.at < 0 ? "deadline" : "fired")).toEqual(["deadline", "fired"]);
  });
});

describe("durable async stores", () => {
  it("works on a store whose methods return promises that settle late and out of order", async () => {
    const inner = new MemoryStore();
    let flip = false;
    const later = <T>(fn: () => T): Promise<T> =>
      new Promise((resolve, reject) => setTimeout(() => { try { resolve(fn()); } catch (e) { reject(e); } }, (flip = !flip) ? 3 : 0));
    const store = {
      create: (r: Parameters<MemoryStore["create"]>[0]) => later(() => inner.create(r)),
      get: (id: string) => later(() => inner.get(id)),
      list: () => later(() => inner.list()),
      recoverable: (ids?: readonly string[]) => later(() => inner.recoverable(ids)),
      write: (b: Parameters<MemoryStore["write"]>[0]) => { inner.write(b); return later(() => undefined); },
      compact: (id: string) => later(() => inner.compact(id)),
      close: () => later(() => undefined),
    };
    const trace: string[] = [];
    function* wf() {
      const ch = channel<number>();
      const kid = yield* fork(function* () {
        for (let i = 0; i < 3; i++) yield* ch.send(yield* call(async () => i));
        ch.close();
      });
      for (;;) {
        const m = yield* ch.receive();
        if (m.done) break;
        trace.push(`got ${m.value} r=${(yield* random()) < 1}`);
      }
      yield* wait(kid);
      return trace.length;
    }
    const engine = new DurableEngine({ store, workflows: { wf }, scheduler: new Scheduler({ clock: new VirtualClock() }) });
    await engine.start("wf", [], { id: "async" });
    expect(await engine.result("async")).toBe(3);
    const live = [...trace];
    // The journal replays to the same trace.
    trace.length = 0;
    const copy = new MemoryStore();
    copy.create({ ...inner.get("async")!, state: "running" });
    copy.write({ entries: inner.journal("async").map((entry) => ({ id: "async", entry })), finished: [], inbox: [], inboxTaken: [] });
    const e2 = engineOn(copy, { wf });
    await e2.recover();
    await e2.result("async");
    expect(trace).toEqual(live);
  });
});

describe("durable signals across a crash", () => {
  it("delivers signals sent before, during and after a crash once each, in order", async () => {
    const store = new MemoryStore();
    function* wf() {
      const got: number[] = [];
      for (let i = 0; i < 6; i++) {
        got.push(yield* waitSignal<number>("n"));
        yield* sleep(1);
      }
      return got;
    }
    const e1 = engineOn(store, { wf });
    await e1.start("wf", [], { id: "sig" });
    await e1.signal("sig", "n", 1);
    await e1.signal("sig", "n", 2);
    await settle();
    await e1.close();
    const e2 = engineOn(store, { wf });
    await e2.signal("sig", "n", 3); // no engine runs it: kept in the store
    await e2.signal("sig", "n", 4);
    await e2.recover();
    await e2.signal("sig", "n", 5);
    await e2.signal("sig", "n", 6);
    expect(await e2.result("sig")).toEqual([1, 2, 3, 4, 5, 6]);
    expect(store.journal("sig").filter((e) => e.kind === "signal")).toHaveLength(6);
  });
});
