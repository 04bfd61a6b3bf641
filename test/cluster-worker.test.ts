import { Worker } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { IoRequest } from "../src/index.js";
import { DurableEngine, MemoryStore, type LeasedStore } from "../src/durable/index.js";
import { RedisStore, RedisUnavailableError, WorkflowClient, WorkflowWorker, type WorkflowWorkerOptions } from "../src/bullmq/index.js";
import { workflows } from "./fixtures/cluster-workflows.js";
import { SharedMemory } from "./leased-memory-store.js";
import { RedisServer, freePort, skipWithoutRedis } from "./redis-server.js";

const skip = skipWithoutRedis();
let redis: RedisServer;
let seq = 0;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  if (!skip) redis = await RedisServer.start();
});
afterEach(async () => {
  await Promise.allSettled(open.splice(0).reverse().map((c) => c.close()));
});
afterAll(async () => {
  await redis?.stop();
});

/** The `work` op served in-process: completes after `ms` with its key; counts runs per key. */
function serveWork(worker: WorkflowWorker, runs: Map<string, number>): void {
  worker.scheduler.ring.register("work", (requests: IoRequest[]) => {
    for (const r of requests) {
      const key = String(r.op["idempotencyKey"]);
      runs.set(key, (runs.get(key) ?? 0) + 1);
      const timer = setTimeout(() => r.complete({ key, by: worker.name }), Number(r.op["ms"] ?? 10));
      r.signal.addEventListener("abort", () => clearTimeout(timer));
    }
  });
}

interface Cluster {
  queue: string;
  shared: SharedMemory;
  client: WorkflowClient;
  runs: Map<string, number>;
  worker(name: string, options?: Partial<WorkflowWorkerOptions>): Promise<WorkflowWorker>;
}

/**
 * A workflow queue with a client; `worker()` adds workers. The journal is a RedisStore under a
 * fresh prefix, or (`memory`) a SharedMemory whose leases a test can take away.
 */
async function cluster(port = redis.port, memory = false): Promise<Cluster> {
  const queue = `wf-test-${++seq}`;
  const shared = new SharedMemory();
  const connection = { host: "127.0.0.1", port };
  const storeOf = (): LeasedStore => {
    if (memory) return shared.view();
    const store = new RedisStore({ connection, prefix: `yieldos:wf:${queue}`, onError: () => undefined });
    open.push({ close: async () => store.close() });
    return store;
  };
  const runs = new Map<string, number>();
  const client = new WorkflowClient({ connection, queue, store: storeOf(), pollMs: 100, onError: () => undefined });
  open.push(client);
  return {
    queue,
    shared,
    client,
    runs,
    async worker(name, options = {}) {
      const worker = new WorkflowWorker({
        connection,
        queue,
        workflows,
        name,
        store: storeOf(),
        lockDuration: 1_000,
        stalledInterval: 500,
        parkAfterMs: 300,
        onError: () => undefined,
        ...options,
      });
      serveWork(worker, runs);
      open.push(worker);
      await worker.ready();
      return worker;
    },
  };
}

/** The same workflows in one process on a MemoryStore: the results a cluster must reproduce. */
async function oneProcess(starts: { name: string; args: unknown[]; id: string }[]): Promise<unknown[]> {
  const engine = new DurableEngine({ store: new MemoryStore(), workflows });
  engine.sched.ring.register("work", (requests: IoRequest[]) => {
    for (const r of requests) setTimeout(() => r.complete({ key: String(r.op["idempotencyKey"]), by: "local" }), 5);
  });
  for (const s of starts) await engine.start(s.name, s.args, { id: s.id });
  const results = await Promise.all(starts.map((s) => engine.result(s.id)));
  await engine.close();
  return results;
}

describe.skipIf(skip)("WorkflowWorker and WorkflowClient (in-process, real Redis)", () => {
  it("runs workflows started by a client on two workers, each once, with the results of a one-process run", async () => {
    const c = await cluster();
    const [a, b] = [await c.worker("A"), await c.worker("B")];
    const starts = Array.from({ length: 20 }, (_, i) => ({ name: "job", args: [i, 20], id: `job-${i}` }));
    for (const s of starts) await c.client.start(s.name, s.args, { id: s.id });
    const results = await Promise.all(starts.map((s) => c.client.result(s.id, { timeout: 15_000 })));
    expect(results).toEqual(await oneProcess(starts));
    expect(a.stats.finished + b.stats.finished).toBe(20);
    expect(a.stats.finished).toBeGreaterThan(0);
    expect(b.stats.finished).toBeGreaterThan(0);
    for (const [key, n] of c.runs) expect(n, `runs of ${key}`).toBe(1);
    expect(c.runs.size).toBe(60);
  });

  it("is idempotent on the id: a second start, from another client, returns the first run and runs nothing more", async () => {
    const c = await cluster();
    const other = new WorkflowClient({ connection: { host: "127.0.0.1", port: redis.port }, queue: c.queue, onError: () => undefined });
    open.push(other);
    const first = await c.client.start("job", [1, 10], { id: "same" });
    const second = await other.start("job", [99, 10], { id: "same" });
    expect(first.created).toBe(true);
    expect(second).toEqual({ ...first, created: false });
    const worker = await c.worker("A");
    expect(await c.client.result("same", { timeout: 10_000 })).toMatchObject({ i: 1 });
    await other.start("job", [1, 10], { id: "same" });
    await new Promise((r) => setTimeout(r, 300));
    expect(worker.stats.acquired).toBe(1);
    expect(c.runs.size).toBe(3);
  });

  it("parks a sleeping workflow as a delayed job, so it does not occupy the worker", async () => {
    const c = await cluster();
    const worker = await c.worker("A", { concurrency: 1 });
    const t0 = Date.now();
    for (let i = 0; i < 4; i++) await c.client.start("napper", [i, 1_500], { id: `nap-${i}` });
    await new Promise((r) => setTimeout(r, 700));
    expect((await c.client.status("nap-3"))?.job).toBe("delayed");
    const results = await Promise.all([0, 1, 2, 3].map((i) => c.client.result(`nap-${i}`, { timeout: 10_000 })));
    expect(results.map((r) => (r as { i: number }).i)).toEqual([0, 1, 2, 3]);
    // One slot, four 1.5 s sleeps: hosted through their sleeps they would take 6 s.
    expect(Date.now() - t0).toBeLessThan(4_500);
    expect(worker.stats.parked).toBeGreaterThanOrEqual(4);
  });

  it("wakes a parked workflow with a signal", async () => {
    const c = await cluster();
    const worker = await c.worker("A", { parkAfterMs: 300 });
    await c.client.start("waiter", [1], { id: "parked" });
    await waitFor(async () => (await c.client.status("parked"))?.job === "delayed", 5_000);
    expect(worker.stats.hosted).toBe(0);
    await c.client.signal("parked", "go", "now");
    expect(await c.client.result("parked", { timeout: 5_000 })).toMatchObject({ i: 1, go: "now" });
  });

  it("delivers a signal to a workflow that a worker hosts right now", async () => {
    const c = await cluster();
    const worker = await c.worker("B", { parkAfterMs: 3_600_000 });
    await c.client.start("waiter", [2], { id: "hosted" });
    await waitFor(async () => worker.stats.hosted === 1 && (await c.client.status("hosted"))?.job === "active", 5_000);
    await new Promise((r) => setTimeout(r, 200));
    await c.client.signal("hosted", "go", "here");
    expect(await c.client.result("hosted", { timeout: 5_000 })).toMatchObject({ i: 2, go: "here" });
    expect(worker.stats.parked).toBe(0);
  });

  it("reads the inbox of a hosted idle workflow now and then, so a signal whose wake-up event was missed still arrives", async () => {
    const c = await cluster();
    const worker = await c.worker("B", { parkAfterMs: 3_600_000 });
    await c.client.start("waiter", [3], { id: "missed" });
    await waitFor(async () => worker.stats.hosted === 1, 5_000);
    await new Promise((r) => setTimeout(r, 200));
    // Written to the store as WorkflowClient.signal does, but without the wake-up event.
    const store = new RedisStore({ connection: { host: "127.0.0.1", port: redis.port }, prefix: `yieldos:wf:${c.queue}` });
    open.push({ close: async () => store.close() });
    await store.write({ entries: [], finished: [], inbox: [{ id: "missed", name: "go", payload: '"quietly"' }], inboxTaken: [] });
    expect(await c.client.result("missed", { timeout: 5_000 })).toMatchObject({ i: 3, go: "quietly" });
  });

  it("cancels a parked workflow and a hosted one: each ends cancelled", async () => {
    const c = await cluster();
    await c.worker("A", { parkAfterMs: 300 });
    await c.client.start("waiter", [1], { id: "w1" });
    await waitFor(async () => (await c.client.status("w1"))?.job === "delayed", 5_000);
    await c.client.cancel("w1", "not needed");
    await expect(c.client.result("w1", { timeout: 5_000 })).rejects.toThrow(/not needed|cancel|killed/i);
    expect((await c.client.status("w1"))?.state).toBe("cancelled");
    await expect(c.client.signal("w1", "go", 1)).rejects.toThrow(/already cancelled/);
    const hosting = await c.worker("B", { parkAfterMs: 3_600_000 });
    for (const w of open) if (w instanceof WorkflowWorker && w !== hosting) await w.close();
    await c.client.start("waiter", [2], { id: "w2" });
    await waitFor(async () => hosting.stats.hosted === 1, 5_000);
    await c.client.cancel("w2", "changed my mind");
    await expect(c.client.result("w2", { timeout: 5_000 })).rejects.toThrow(/changed my mind|cancel|killed/i);
    expect((await c.client.status("w2"))?.state).toBe("cancelled");
    expect(hosting.stats.parked).toBe(0);
  });

  it("hands its workflows to another worker when it closes", async () => {
    const c = await cluster();
    const a = await c.worker("A");
    for (let i = 0; i < 10; i++) await c.client.start("job", [i, 200], { id: `h-${i}` });
    await waitFor(async () => a.stats.hosted >= 5, 5_000);
    const b = await c.worker("B");
    await a.close();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => c.client.result(`h-${i}`, { timeout: 15_000 })));
    expect(results).toHaveLength(10);
    expect(b.stats.acquired).toBeGreaterThan(0);
  });

  it("stops running a workflow whose lease another worker took, and only the new holder writes its journal", async () => {
    const c = await cluster(redis.port, true);
    const a = await c.worker("A", { lockDuration: 60_000, leaseMs: 60_000 });
    const lost: string[] = [];
    a.on("lost", (id) => lost.push(id));
    await c.client.start("job", [7, 400], { id: "stolen" });
    await waitFor(async () => a.stats.hosted === 1, 5_000);
    // Another owner takes the lease as if A's had run out (A stalled): A's token is fenced off.
    const thief = c.shared.view();
    c.shared.leases.get("stolen")!.expires = 0;
    const token = await thief.acquire("stolen", "thief", 60_000);
    expect(token).not.toBeNull();
    await waitFor(async () => lost.includes("stolen"), 25_000);
    const after = c.shared.writes.filter((w) => w.id === "stolen" && w.token !== token).length;
    await new Promise((r) => setTimeout(r, 800));
    expect(c.shared.writes.filter((w) => w.id === "stolen" && w.token !== token).length).toBe(after);
  });

  it("revives a job BullMQ gave up on when its unfinished workflow is started again", async () => {
    const c = await cluster();
    const other = new Worker(c.queue, async () => Promise.reject(new Error("not a WorkflowWorker")), { connection: { host: "127.0.0.1", port: redis.port } });
    await c.client.start("job", [5, 10], { id: "revive" });
    await waitFor(async () => (await c.client.status("revive"))?.job === "failed", 5_000);
    await other.close();
    expect((await c.client.start("job", [5, 10], { id: "revive" })).created).toBe(false);
    await c.worker("A");
    expect(await c.client.result("revive", { timeout: 10_000 })).toMatchObject({ i: 5 });
  });

  it("refuses arguments and payloads that are not JSON data before writing anything", async () => {
    const c = await cluster();
    await expect(c.client.start("job", [() => 1], { id: "bad" })).rejects.toThrow(/arguments of workflow "job" \(id "bad"\) cannot be stored: it\[0\] is a function/);
    expect(await c.client.status("bad")).toBeUndefined();
    await expect(c.client.start("job", [], { id: "a:b" })).rejects.toThrow(/contains ":"/);
    await expect(c.client.start("job", [], { id: "42" })).rejects.toThrow(/is an integer/);
    await c.client.start("waiter", [1], { id: "ok" });
    await expect(c.client.signal("ok", "go", new Map())).rejects.toThrow(/payload of signal "go" to workflow "ok" cannot be stored: it is a Map/);
    await expect(c.client.signal("nope", "go", 1)).rejects.toThrow(/no workflow "nope"/);
  });

  it("waits for Redis that is down at start, reports it, and runs the workflow once Redis is up", async () => {
    const port = await freePort();
    const errors: Error[] = [];
    const c = await cluster(port);
    const client = new WorkflowClient({ connection: { host: "127.0.0.1", port }, queue: c.queue, pollMs: 100, onError: (e) => errors.push(e) });
    open.push(client);
    const started = client.start("job", [3, 10], { id: "late" });
    await new Promise((r) => setTimeout(r, 800));
    expect(errors.some((e) => e instanceof RedisUnavailableError && e.message.includes(`127.0.0.1:${port} is unreachable`))).toBe(true);
    const late = await RedisServer.start({ port });
    try {
      await started;
      await c.worker("A");
      expect(await client.result("late", { timeout: 10_000 })).toMatchObject({ i: 3 });
    } finally {
      await Promise.allSettled(open.splice(0).reverse().map((x) => x.close()));
      await late.stop();
    }
  });
});

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

