import { describe, expect, it } from "vitest";
import { Scheduler, VirtualClock, fork, sleep } from "../src/index.js";
import { DurableEngine, MemoryStore, call, now, waitSignal, type WorkflowFn } from "../src/durable/index.js";
import { recordTrace, timeline } from "../src/testing/index.js";

function engineOn(store: MemoryStore, workflows: Record<string, WorkflowFn>): DurableEngine {
  return new DurableEngine({ store, workflows, scheduler: new Scheduler({ clock: new VirtualClock() }) });
}

async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setTimeout(r, 0));
}

function* order() {
  const a = yield* call(async () => "a");
  const t = yield* now();
  yield* sleep(100);
  const go = yield* waitSignal<string>("go");
  const b = yield* call(async () => "b");
  return [a, t, go, b];
}

/** `order` with a child task alive, so the replay goes through the scheduler (no direct replay). */
function* orderWithChild() {
  yield* fork(function* helper() {
    yield* sleep(10_000);
  });
  return yield* order();
}

/** Runs `name` until it waits for "go", crashes the engine, and recovers it in a traced engine. */
async function recovered(name: string, workflows: Record<string, WorkflowFn>) {
  const store = new MemoryStore();
  const e1 = engineOn(store, workflows);
  await e1.start(name, [], { id: "o1" });
  await settle();
  await e1.close();
  const e2 = engineOn(store, workflows);
  const trace = recordTrace(e2.sched);
  await e2.recover();
  await settle();
  return { e2, trace };
}

describe("durable observability", () => {
  it("a recovered workflow's trace shows the steps replayed directly from the journal, marked (replayed), then its live steps", async () => {
    const { e2, trace } = await recovered("order", { order });
    const status = await e2.status("o1");
    expect(status).toMatchObject({ live: true, replaying: false, replayedSteps: 3, steps: 4 });
    await e2.signal("o1", "go", "yes");
    expect(await e2.result("o1")).toEqual(["a", 0, "yes", "b"]);
    trace.stop();
    const lines = trace.lines({ task: "workflow order o1", kind: "syscall" }).map((l) => l.replace(/^t=\d+ #\d+ workflow order o1 /, ""));
    expect(lines).toEqual(['submitIO call (replayed)', "now (replayed)", "sleep 100 (replayed)", 'waitSignal "go"', "submitIO call", "commit step 4"]);
  });

  it("steps replayed through the scheduler (a workflow with a second task) are marked the same way", async () => {
    const { e2, trace } = await recovered("orderWithChild", { orderWithChild });
    expect((await e2.status("o1"))?.replayedSteps).toBe(5);
    await e2.signal("o1", "go", "yes");
    expect(await e2.result("o1")).toEqual(["a", 0, "yes", "b"]);
    trace.stop();
    const root = trace.lines({ task: "workflow orderWithChild o1", kind: "syscall" }).map((l) => l.replace(/^t=\d+ #\d+ \S+ \S+ \S+ /, ""));
    expect(root.slice(0, 5)).toEqual(["fork #3 helper", 'submitIO call (replayed)', "now (replayed)", "sleep 100 (replayed)", 'waitSignal "go"']);
    const helper = trace.lines({ task: "helper", kind: "syscall" }).map((l) => l.replace(/^t=\d+ #\d+ helper /, ""));
    expect(helper).toEqual(["sleep 10000 (replayed)"]);
  });

  it("the timeline marks replayed steps with r and says so in its legend", async () => {
    const { e2, trace } = await recovered("order", { order });
    await e2.signal("o1", "go", "yes");
    await e2.result("o1");
    trace.stop();
    const drawn = timeline(trace, { width: 20 });
    const lane = drawn.split("\n").find((l) => l.includes("workflow order o1"))!;
    expect(lane).toMatch(/\|r/);
    expect(drawn).toMatch(/r replayed from a journal/);
    // A trace with no replay keeps the old legend.
    const sched = new Scheduler({ clock: new VirtualClock() });
    const plain = recordTrace(sched);
    sched.spawn(function* worker() {
      yield* sleep(5);
    });
    await sched.run();
    expect(timeline(plain, { width: 20 })).not.toMatch(/replayed/);
  });

  it("a trace listener that throws on a replayed step lands in engine.errors, not in the workflow", async () => {
    const store = new MemoryStore();
    const e1 = engineOn(store, { order });
    await e1.start("order", [], { id: "o1" });
    await settle();
    await e1.close();
    const e2 = engineOn(store, { order });
    e2.sched.on("replayed", () => {
      throw new Error("listener boom");
    });
    await e2.recover();
    await e2.signal("o1", "go", "yes");
    expect(await e2.result("o1")).toEqual(["a", 0, "yes", "b"]);
    expect(e2.errors.map((e) => (e as Error).message)).toEqual(["listener boom", "listener boom", "listener boom"]);
  });
});
