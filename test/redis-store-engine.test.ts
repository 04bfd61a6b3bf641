import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Scheduler, VirtualClock, fork, sleep, wait } from "../src/index.js";
import { DurableEngine, call, random, waitSignal, type WorkflowFn } from "../src/durable/index.js";
import { RedisStore } from "../src/bullmq/index.js";
import { RedisServer, skipWithoutRedis } from "./redis-server.js";

const skip = skipWithoutRedis();
let redis: RedisServer;
let prefixSeq = 0;

beforeAll(async () => {
  if (!skip) redis = await RedisServer.start();
});
afterAll(async () => {
  await redis?.stop();
});

function engineOn(prefix: string, workflows: Record<string, WorkflowFn>): { engine: DurableEngine; store: RedisStore } {
  const store = new RedisStore({ connection: redis.connection, prefix, onError: () => {} });
  return { store, engine: new DurableEngine({ store, workflows, scheduler: new Scheduler({ clock: new VirtualClock() }) }) };
}

/** Polls `check` on the host's event loop until it holds (or fails after 5 s). */
async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not reached within 5 s");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.skipIf(skip)("DurableEngine over RedisStore", () => {
  it("runs workflows with ops, sleeps, children and signals to their results", async () => {
    function* order(item: string, n: number) {
      const price = yield* call(async (_s: AbortSignal, key: string) => ({ item, key, cents: 100 * n }));
      yield* sleep(50);
      const child = yield* fork(function* () {
        yield* sleep(10);
        return yield* call(async () => n * 2);
      });
      const doubled = yield* wait(child);
      const ok = yield* waitSignal<boolean>("approve");
      return `${ok ? "shipped" : "refused"} ${price.item} ${price.cents} ${doubled} (${price.key})`;
    }
    const { engine, store } = engineOn(`eng${++prefixSeq}`, { order });
    try {
      for (let i = 0; i < 10; i++) await engine.start("order", [`item${i}`, i], { id: `o${i}` });
      for (let i = 0; i < 10; i++) await engine.signal(`o${i}`, "approve", i % 2 === 0);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => engine.result(`o${i}`)));
      expect(results[3]).toBe("refused item3 300 6 (o3:0)");
      expect(results[4]).toBe("shipped item4 400 8 (o4:0)");
      expect((await store.journal("o4")).map((e) => e.kind)).toContain("signal");
      expect((await engine.list()).every((s) => s.state === "completed")).toBe(true);
      expect(await store.recoverable()).toEqual([]);
    } finally {
      await engine.close();
    }
  });

  it("recovers in a second engine on a second store after a crash, with the same result and no journaled op run again", async () => {
    const prefix = `eng${++prefixSeq}`;
    const effects: string[] = [];
    function* job(n: number) {
      const a = yield* call(async (_s: AbortSignal, key: string) => (effects.push(key), n + 1));
      const r = yield* random();
      yield* sleep(1_000);
      const b = yield* call(async (_s: AbortSignal, key: string) => (effects.push(key), a * 10));
      const go = yield* waitSignal<string>("go");
      return { a, b, r, go };
    }
    const first = engineOn(prefix, { job });
    for (let i = 0; i < 5; i++) await first.engine.start("job", [i], { id: `j${i}` });
    await until(async () => (await Promise.all([0, 1, 2, 3, 4].map((i) => first.store.journal(`j${i}`)))).every((j) => j.filter((e) => e.kind === "io").length === 2));
    const journaled = await first.store.journal("j3");
    await first.engine.close(); // as a crash: the workflows wait for "go", unfinished
    expect(effects.sort()).toEqual(["j0:0", "j0:3", "j1:0", "j1:3", "j2:0", "j2:3", "j3:0", "j3:3", "j4:0", "j4:3"]);

    const second = engineOn(prefix, { job });
    try {
      expect((await second.engine.recover()).sort()).toEqual(["j0", "j1", "j2", "j3", "j4"]);
      for (let i = 0; i < 5; i++) await second.engine.signal(`j${i}`, "go", `go${i}`);
      const r3 = JSON.parse(journaled.find((e) => e.kind === "random")!.value) as number;
      expect(await second.engine.result("j3")).toEqual({ a: 4, b: 40, r: r3, go: "go3" });
      for (let i = 0; i < 5; i++) expect(await second.engine.result(`j${i}`)).toMatchObject({ a: i + 1, b: (i + 1) * 10 });
      expect(effects).toHaveLength(10); // no op ran twice
      expect((await second.store.journal("j3")).slice(0, journaled.length)).toEqual(journaled);
    } finally {
      await second.engine.close();
    }
  });
  it("an engine whose lease was taken over writes nothing more for the workflow, and the engine that took it finishes it", async () => {
    const prefix = `eng${++prefixSeq}`;
    const effects: string[] = [];
    function* flow() {
      const a = yield* call(async (_s: AbortSignal, key: string) => (effects.push(key), "a"));
      const who = yield* waitSignal<string>("go");
      const b = yield* call(async (_s: AbortSignal, key: string) => (effects.push(key), "b"));
      return [a, who, b];
    }
    const first = engineOn(prefix, { flow });
    const second = engineOn(prefix, { flow });
    try {
      expect(await first.store.acquire("t1", "engine-a", 150)).toBe(1);
      await first.engine.start("flow", [], { id: "t1" });
      await until(async () => (await first.store.journal("t1")).length === 1);
      await new Promise((r) => setTimeout(r, 250)); // engine A stalls past its lease
      expect(await second.store.acquire("t1", "engine-b", 10_000)).toBe(2);
      expect(await second.engine.recover()).toEqual(["t1"]);
      // A's signal is refused for the lost lease: it goes to the store's inbox, for the engine that holds the lease.
      await first.engine.signal("t1", "go", "from A");
      expect((await second.store.recoverable(["t1"]))[0].inbox.map((i) => i.payload)).toEqual(['"from A"']);
      expect(first.engine.errors.map((e) => (e as Error).name)).toEqual(["LeaseLostError"]);
      expect((await second.store.journal("t1")).map((e) => e.kind)).toEqual(["io"]);
      expect((await second.store.inbox("t1")).map((i) => i.name)).toEqual(["go"]);
      await second.engine.signal("t1", "go", "from B");
      expect(await second.engine.result("t1")).toEqual(["a", "from B", "b"]);
      expect(effects).toEqual(["t1:0", "t1:2"]);
      expect((await second.store.journal("t1")).map((e) => e.kind)).toEqual(["io", "signal", "io"]);
    } finally {
      await first.engine.close();
      await second.engine.close();
    }
  });
});
