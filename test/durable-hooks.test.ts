import { describe, expect, it } from "vitest";
import { Scheduler, VirtualClock, fork, sleep, wait } from "../src/index.js";
import {
  DurableEngine,
  LeaseLostError,
  MemoryStore,
  WorkflowAbandonedError,
  call,
  waitSignal,
  type Batch,
  type LeasedStore,
  type WorkflowFn,
} from "../src/durable/index.js";

function engineOn(store: MemoryStore | LeasedStore, workflows: Record<string, WorkflowFn>, hooks: Partial<ConstructorParameters<typeof DurableEngine>[0]> = {}): DurableEngine {
  return new DurableEngine({ store, workflows, scheduler: new Scheduler({ clock: new VirtualClock() }), ...hooks });
}

async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setTimeout(r, 0));
}

/** A workflow of `n` ops that waits for signal "go" after the second; counts how often each op (by idempotency key) runs. */
function counted(effects: Map<string, number>) {
  return function* wf(n: number) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum += yield* call(async (_s: AbortSignal, key: string) => (effects.set(key, (effects.get(key) ?? 0) + 1), i));
      if (i === 1) yield* waitSignal("go");
    }
    return sum;
  };
}

/** A MemoryStore that is a LeasedStore whose leases on `lost` ids are gone: their parts of a write are refused. */
class LeasedMemoryStore extends MemoryStore implements LeasedStore {
  readonly lost = new Set<string>();
  acquire(): number {
    return 1;
  }
  renew(id: string): boolean {
    return !this.lost.has(id);
  }
  release(): void {}
  override write(batch: Batch): void {
    const refused = new Set<string>();
    const keep = (part: { id: string }): boolean => (this.lost.has(part.id) ? (refused.add(part.id), false) : true);
    super.write({
      entries: batch.entries.filter(keep),
      finished: batch.finished.filter(keep),
      inbox: batch.inbox, // signals need no lease
      inboxTaken: batch.inboxTaken.filter(keep),
    });
    if (refused.size > 0) throw new LeaseLostError([...refused]);
  }
}

describe("durable host hooks", () => {
  it("abandon stops a workflow as a crash would; a second engine on the store recovers it to the same result without re-running journaled ops", async () => {
    const store = new MemoryStore();
    const effects = new Map<string, number>();
    const wf = counted(effects);
    const e1 = engineOn(store, { wf });
    await e1.start("wf", [4], { id: "a" });
    const waiting = e1.result("a");
    await settle();
    const journaled = store.journal("a").length;
    expect(store.journal("a").filter((e) => e.kind === "io")).toHaveLength(2);
    expect(await e1.abandon("a", "parked")).toBe(true);
    expect(await e1.abandon("a")).toBe(false);
    await expect(waiting).rejects.toBeInstanceOf(WorkflowAbandonedError);
    await expect(waiting).rejects.toThrow(/"a" stopped running in this engine \(parked\)/);
    expect((await e1.status("a"))?.live).toBe(false);
    await settle();
    expect(store.journal("a")).toHaveLength(journaled); // nothing written after the abandon
    expect(store.get("a")?.state).toBe("running");

    const e2 = engineOn(store, { wf });
    expect(await e2.recover(["a"])).toEqual(["a"]);
    await e2.signal("a", "go");
    expect(await e2.result("a")).toBe(0 + 1 + 2 + 3);
    expect([...effects.entries()]).toEqual([["a:0", 1], ["a:1", 1], ["a:3", 1], ["a:4", 1]]);
  });

  it("recover(ids) launches only those ids, and never a workflow this engine already runs, also when calls overlap", async () => {
    const store = new MemoryStore();
    const effects = new Map<string, number>();
    const wf = counted(effects);
    const e1 = engineOn(store, { wf });
    for (const id of ["x", "y", "z"]) await e1.start("wf", [3], { id });
    await settle();
    await e1.close();
    const e2 = engineOn(store, { wf });
    const [first, second] = await Promise.all([e2.recover(["x", "nope"]), e2.recover(["x"])]);
    expect([...first, ...second]).toEqual(["x"]);
    expect(await e2.recover(["x", "y"])).toEqual(["y"]);
    expect(await e2.recover()).toEqual(["z"]);
    for (const id of ["x", "y", "z"]) await e2.signal(id, "go");
    expect(await Promise.all(["x", "y", "z"].map((id) => e2.result(id)))).toEqual([3, 3, 3]);
    expect([...effects.values()].every((n) => n === 1)).toBe(true);
    await expect(e2.recover("x" as never)).rejects.toThrow(/array of non-empty strings, got "x"/);
  });

  it("onIdle reports a sleeping workflow with its wake time, and a signal wait with a timeout with the timeout's deadline", async () => {
    const idle: [string, number | null][] = [];
    function* sleeper() {
      yield* call(async () => 1);
      yield* sleep(1000);
      return "woke";
    }
    function* waiter() {
      yield* sleep(100);
      return yield* waitSignal<string>("go", { timeout: 500 });
    }
    function* forever() {
      return yield* waitSignal<string>("go");
    }
    const workflows = { sleeper, waiter, forever };
    const onIdle = (id: string, wakeAt: number | null): number => idle.push([id, wakeAt]);
    // One engine (and virtual clock) each: a clock jump for one workflow would shift the others' deadlines.
    const [s, w, f] = [engineOn(new MemoryStore(), workflows, { onIdle }), engineOn(new MemoryStore(), workflows, { onIdle }), engineOn(new MemoryStore(), workflows, { onIdle })];
    await s.start("sleeper", [], { id: "s" });
    await w.start("waiter", [], { id: "w" });
    await f.start("forever", [], { id: "f" });
    expect(await s.result("s")).toBe("woke");
    expect(await w.result("w")).toBe(undefined);
    await settle();
    expect(idle.filter(([id]) => id === "s")).toEqual([["s", 1000]]);
    expect(idle.filter(([id]) => id === "w")).toEqual([["w", 100], ["w", 600]]);
    expect(idle.filter(([id]) => id === "f")).toEqual([["f", null]]);
    await f.signal("f", "go", "now");
    expect(await f.result("f")).toBe("now");
    expect(idle).toHaveLength(4);
  });

  it("onIdle waits for every task of the workflow: an op in flight in a child keeps it busy", async () => {
    const log: string[] = [];
    function* wf() {
      const child = yield* fork(function* () {
        yield* call(() => new Promise((r) => setTimeout(() => r(log.push("op done")), 20)));
      });
      const got = yield* waitSignal<string>("go");
      yield* wait(child);
      return got;
    }
    const engine = engineOn(new MemoryStore(), { wf }, { onIdle: (id, wakeAt) => log.push(`idle ${id} ${wakeAt}`) });
    await engine.start("wf", [], { id: "p" });
    await new Promise((r) => setTimeout(r, 60));
    expect(log).toEqual(["op done", "idle p null"]);
    await engine.signal("p", "go", "ok");
    expect(await engine.result("p")).toBe("ok");
  });

  it("a host parks an idle workflow with abandon and wakes it with recover: it ends at its original deadline", async () => {
    const store = new MemoryStore();
    const parked: [string, number | null][] = [];
    function* wf() {
      const t = yield* call(async () => "a");
      yield* sleep(5000);
      return t + "b";
    }
    const e1 = engineOn(store, { wf }, { onIdle: (id, wakeAt) => (parked.push([id, wakeAt]), void e1.abandon(id, "parked")) });
    await e1.start("wf", [], { id: "k" });
    await settle();
    expect(parked).toEqual([["k", 5000]]);
    const clock = new VirtualClock();
    clock.advanceTo(4000);
    const e2 = new DurableEngine({ store, workflows: { wf }, scheduler: new Scheduler({ clock }) });
    await e2.recover(["k"]);
    expect(await e2.result("k")).toBe("ab");
    expect(e2.sched.now()).toBe(5000);
  });

  it("refreshInbox hands signals sent through the store to the running workflow once each, in order, across abandon and recover", async () => {
    const store = new MemoryStore();
    function* wf() {
      const got: number[] = [];
      for (let i = 0; i < 5; i++) got.push(yield* waitSignal<number>("n"));
      return got;
    }
    const runner = engineOn(store, { wf });
    const sender = engineOn(store, { wf }); // does not run "r": its signals go to the store's inbox
    await runner.start("wf", [], { id: "r" });
    await sender.signal("r", "n", 1);
    await sender.signal("r", "n", 2);
    expect(store.inbox("r").map((i) => i.payload)).toEqual(["1", "2"]);
    const [a, b] = await Promise.all([runner.refreshInbox("r"), runner.refreshInbox("r")]);
    expect(a + b).toBe(2);
    expect(await runner.refreshInbox("r")).toBe(0);
    await settle();
    expect(store.inbox("r")).toEqual([]);
    await sender.signal("r", "n", 3);
    await runner.abandon("r");
    const next = engineOn(store, { wf });
    await next.recover(["r"]);
    await sender.signal("r", "n", 4);
    expect(await next.refreshInbox("r")).toBe(1);
    await next.signal("r", "n", 5);
    expect(await next.result("r")).toEqual([1, 2, 3, 4, 5]);
    expect(store.journal("r").filter((e) => e.kind === "signal")).toHaveLength(5);
    expect(await next.refreshInbox("nope")).toBe(0);
  });

  it("a signal the engine accepted during a replay moves to the inbox when the workflow is abandoned, and reaches the next engine once", async () => {
    const store = new MemoryStore();
    function* wf() {
      // A second task keeps the replay on the scheduler (no direct replay), and 3,000 steps make it
      // longer than one host turn.
      yield* fork(function* () {
        yield* waitSignal("never");
      });
      for (let i = 0; i < 3000; i++) yield* call(async () => i);
      return yield* waitSignal<string>("s");
    }
    const e1 = engineOn(store, { wf });
    await e1.start("wf", [], { id: "h" });
    await settle();
    await e1.close();
    const e2 = engineOn(store, { wf });
    await e2.recover();
    expect((await e2.status("h"))?.replaying).toBe(true);
    await e2.signal("h", "s", "kept");
    await e2.abandon("h");
    expect(store.inbox("h").map((i) => i.name)).toEqual(["s"]);
    const e3 = engineOn(store, { wf });
    await e3.recover();
    expect(await e3.result("h")).toBe("kept");
    expect(store.journal("h").filter((e) => e.kind === "signal")).toHaveLength(1);
  });

  it("a LeaseLostError from the store abandons exactly the refused workflows and tells the host; the others go on", async () => {
    const store = new LeasedMemoryStore();
    const effects = new Map<string, number>();
    const wf = counted(effects);
    const lost: string[][] = [];
    const e1 = engineOn(store, { wf }, { onLeaseLost: (ids, error) => lost.push([...ids, error.name]) });
    for (const id of ["l1", "l2", "l3"]) await e1.start("wf", [6], { id });
    const l2 = e1.result("l2");
    await settle(); // all wait for "go"
    store.lost.add("l2");
    const before = store.journal("l2").length;
    for (const id of ["l1", "l2", "l3"]) await e1.signal(id, "go").catch(() => {});
    expect(await e1.result("l1")).toBe(15);
    expect(await e1.result("l3")).toBe(15);
    await expect(l2).rejects.toThrow(/"l2" stopped running in this engine \(its lease was taken by another engine\)/);
    expect(lost).toEqual([["l2", "LeaseLostError"]]);
    expect(store.journal("l2")).toHaveLength(before);
    expect(store.inbox("l2").map((i) => i.name)).toEqual(["go"]); // the refused signal, moved to the inbox
    expect((await e1.status("l2"))?.live).toBe(false);
    expect(e1.errors).toEqual([]);

    store.lost.clear();
    const e2 = engineOn(store, { wf });
    expect(await e2.recover(["l2"])).toEqual(["l2"]);
    expect(await e2.result("l2")).toBe(15);
    expect([...effects.values()].every((n) => n === 1)).toBe(true); // l2's ops 0 and 1 were journaled: not run again
    expect(effects.get("l2:0")).toBe(1);
  });

  it("without onLeaseLost the error goes to engine.errors", async () => {
    const store = new LeasedMemoryStore();
    const wf = counted(new Map());
    const engine = engineOn(store, { wf });
    await engine.start("wf", [3], { id: "q" });
    store.lost.add("q");
    await expect(engine.result("q")).rejects.toBeInstanceOf(WorkflowAbandonedError);
    expect(engine.errors.map((e) => (e as Error).name)).toEqual(["LeaseLostError"]);
    expect(store.journal("q")).toEqual([]);
  });
});
