import { createServer, connect, type Server, type Socket } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeaseLostError, StoreError, isLeasedStore } from "../src/durable/index.js";
import { RedisStore } from "../src/bullmq/index.js";
import { RedisServer, freePort, skipWithoutRedis } from "./redis-server.js";
import { batch, entry, record } from "./store-conformance.js";

const skip = skipWithoutRedis();
let redis: RedisServer;
let prefixSeq = 0;
const stores: RedisStore[] = [];

beforeAll(async () => {
  if (!skip) redis = await RedisServer.start();
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await redis?.stop();
});

/** Stores on one fresh prefix of the test Redis, closed after the suite. */
function storesOn(n: number, extra: { leases?: boolean; connection?: { host: string; port: number }; timeoutMs?: number } = {}): RedisStore[] {
  const prefix = `rs${process.pid}-${++prefixSeq}`;
  return Array.from({ length: n }, () => {
    const s = new RedisStore({ connection: extra.connection ?? redis.connection, prefix, leases: extra.leases, timeoutMs: extra.timeoutMs, onError: () => {} });
    stores.push(s);
    return s;
  });
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A TCP proxy in front of the test Redis that, once armed, passes the client's next command on to
 * Redis and then cuts the connection instead of passing the reply back: the client cannot know
 * whether Redis ran the command. While `loading`, it answers every command with LOADING.
 */
function lossyProxy(port: number): Promise<{ server: Server; port: number; dropNextReply: () => void; drops: number; loading: boolean }> {
  return new Promise((resolve) => {
    const state = { server: undefined as unknown as Server, port: 0, armed: false, drops: 0, loading: false, dropNextReply: () => (state.armed = true) };
    const server = createServer((client: Socket) => {
      const upstream = connect(port, "127.0.0.1");
      let cutting = false;
      client.on("data", (chunk) => {
        if (state.loading) {
          // Answer every command the way a Redis still loading its data does (commands here carry no "*<n>\r\n$" inside).
          const commands = chunk.toString().match(/\*\d+\r\n\$/g)?.length ?? 0;
          return void client.write("-LOADING Redis is loading the dataset in memory\r\n".repeat(commands));
        }
        if (state.armed) {
          state.armed = false;
          cutting = true;
        }
        upstream.write(chunk);
      });
      upstream.on("data", (chunk) => {
        if (!cutting) return void client.write(chunk);
        state.drops++;
        client.destroy();
        upstream.destroy();
      });
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
      client.on("close", () => upstream.destroy());
    });
    state.server = server;
    server.listen(0, "127.0.0.1", () => {
      state.port = (server.address() as { port: number }).port;
      resolve(state);
    });
  });
}

describe.skipIf(skip)("RedisStore leases and fencing", () => {
  it("is a LeasedStore: one store acquires a workflow's lease and another cannot while it is live", async () => {
    const [a, b] = storesOn(2);
    expect(isLeasedStore(a!)).toBe(true);
    await a!.create(record("w"));
    const t1 = await a!.acquire("w", "engine-a", 5_000);
    expect(t1).toBeTypeOf("number");
    expect(await b!.acquire("w", "engine-b", 5_000)).toBeNull();
    expect(await b!.renew("w", 5_000)).toBe(false); // never held
    expect(await a!.renew("w", 5_000)).toBe(true);
  });

  it("after the lease expires another store takes it with a larger token, and the first one's write is refused for that workflow only", async () => {
    const [a, b] = storesOn(2);
    for (const id of ["w1", "w2"]) await a!.create(record(id));
    const t1 = (await a!.acquire("w1", "engine-a", 150))!;
    await a!.acquire("w2", "engine-a", 10_000);
    await a!.write(batch({ entries: [{ id: "w1", entry: entry(0) }] }));
    await wait(250);
    const t2 = await b!.acquire("w1", "engine-b", 10_000);
    expect(t2).toBeGreaterThan(t1);
    const late = batch({
      entries: [{ id: "w1", entry: entry(1) }, { id: "w2", entry: entry(0) }],
      finished: [{ id: "w1", state: "completed", result: "1", error: "", updated: 5 }],
    });
    const error = await a!.write(late).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseLostError);
    expect((error as LeaseLostError).ids).toEqual(["w1"]);
    expect((error as Error).message).toContain('"w1"');
    expect(await b!.journal("w1")).toEqual([entry(0)]);
    expect((await b!.get("w1"))!.state).toBe("running");
    expect(await b!.journal("w2")).toEqual([entry(0)]);
    expect(await a!.renew("w1", 1_000)).toBe(false);
    await b!.write(batch({ entries: [{ id: "w1", entry: entry(1) }] }));
    expect(await b!.journal("w1")).toEqual([entry(0), entry(1)]);
  });

  it("renews a lease that expired while nobody took it, keeping the same token and fencing", async () => {
    const [a, b] = storesOn(2);
    await a!.create(record("w"));
    await a!.acquire("w", "engine-a", 100);
    await wait(200);
    expect(await a!.renew("w", 5_000)).toBe(true);
    expect(await b!.acquire("w", "engine-b", 5_000)).toBeNull();
    await a!.write(batch({ entries: [{ id: "w", entry: entry(0) }] }));
    expect(await a!.journal("w")).toEqual([entry(0)]);
  });

  it("release lets another store acquire at once; a store holding no lease may write only while nobody holds one", async () => {
    const [a, b] = storesOn(2);
    await a!.create(record("w"));
    await a!.acquire("w", "engine-a", 60_000);
    await expect(b!.write(batch({ entries: [{ id: "w", entry: entry(0) }] }))).rejects.toBeInstanceOf(LeaseLostError);
    await a!.release("w");
    await b!.write(batch({ entries: [{ id: "w", entry: entry(0) }] }));
    expect(await b!.acquire("w", "engine-b", 60_000)).toBeTypeOf("number");
    await expect(a!.write(batch({ entries: [{ id: "w", entry: entry(1) }] }))).rejects.toBeInstanceOf(LeaseLostError);
    expect(await a!.journal("w")).toEqual([entry(0)]);
  });

  it("writes signals to a workflow whose lease another store holds: the inbox is not fenced", async () => {
    const [a, b] = storesOn(2);
    await a!.create(record("w"));
    await a!.acquire("w", "engine-a", 60_000);
    await b!.write(batch({ inbox: [{ id: "w", name: "go", payload: "1" }] }));
    expect((await a!.inbox("w")).map((i) => i.name)).toEqual(["go"]);
  });

  it("with leases: false ignores leases, as a plain store for a single engine", async () => {
    const [a] = storesOn(1);
    const prefix = a!.prefix;
    const plain = new RedisStore({ connection: redis.connection, prefix, leases: false });
    stores.push(plain);
    await a!.create(record("w"));
    await a!.acquire("w", "engine-a", 60_000);
    await plain.write(batch({ entries: [{ id: "w", entry: entry(0) }] }));
    expect(await a!.journal("w")).toEqual([entry(0)]);
  });

  it("rejects a lease call with a bad ttl or owner, naming the value", async () => {
    const [a] = storesOn(1);
    await expect(a!.acquire("w", "x", 0)).rejects.toThrow(/ttlMs must be a finite number > 0, got 0/);
    await expect(a!.acquire("w", "", 10)).rejects.toThrow(/owner must be a non-empty string, got ""/);
  });
});

describe.skipIf(skip)("RedisStore connections", () => {
  it("works on an ioredis instance passed in, and leaves it open on close()", async () => {
    const client = new Redis(redis.connection);
    try {
      const store = new RedisStore({ connection: client, prefix: `inst${process.pid}` });
      expect(store.address).toBe(`127.0.0.1:${redis.port}`);
      await store.create(record("w"));
      await store.write(batch({ entries: [{ id: "w", entry: entry(0) }] }));
      expect((await store.recoverable(["w"]))[0]!.journal).toEqual([entry(0)]);
      await store.close();
      expect(await client.ping()).toBe("PONG");
    } finally {
      client.disconnect();
    }
  });

  it("applies a batch once when its reply is lost and the store sends it again", async () => {
    const proxy = await lossyProxy(redis.port);
    try {
      const [s] = storesOn(1, { connection: { host: "127.0.0.1", port: proxy.port } });
      await s!.create(record("w"));
      await s!.write(batch({ entries: [{ id: "w", entry: entry(0) }] })); // Redis now knows the script: the next EVALSHA runs it
      proxy.dropNextReply();
      await s!.write(batch({ entries: [{ id: "w", entry: entry(1) }], inbox: [{ id: "w", name: "go", payload: "1" }] }));
      expect(proxy.drops).toBe(1);
      expect(await s!.journal("w")).toEqual([entry(0), entry(1)]);
      expect((await s!.inbox("w")).map((i) => i.name)).toEqual(["go"]);
    } finally {
      proxy.server.close();
    }
  });

  it("keeps pipelined batches in order, each applied once, when the connection drops under them", async () => {
    const proxy = await lossyProxy(redis.port);
    try {
      const [s] = storesOn(1, { connection: { host: "127.0.0.1", port: proxy.port } });
      await s!.create(record("w"));
      await s!.write(batch({ entries: [{ id: "w", entry: entry(0) }] }));
      proxy.dropNextReply();
      const writes = Array.from({ length: 20 }, (_, i) => s!.write(batch({ entries: [{ id: "w", entry: entry(i + 1) }] })));
      await Promise.all(writes);
      expect(proxy.drops).toBe(1);
      expect(await s!.journal("w")).toEqual(Array.from({ length: 21 }, (_, i) => entry(i)));
    } finally {
      proxy.server.close();
    }
  });

  it("does not let a later batch overtake one that waits to be resent while Redis answers LOADING", async () => {
    const proxy = await lossyProxy(redis.port);
    try {
      const [s] = storesOn(1, { connection: { host: "127.0.0.1", port: proxy.port } });
      await s!.create(record("w"));
      await s!.write(batch({ entries: [{ id: "w", entry: entry(0) }] }));
      proxy.loading = true;
      const first = s!.write(batch({ entries: [{ id: "w", entry: entry(1) }] })); // backs off 50, 100, 200, 400 ms
      await wait(400);
      const second = s!.write(batch({ entries: [{ id: "w", entry: entry(2) }] })); // backs off 50 ms
      await wait(20);
      proxy.loading = false;
      await Promise.all([first, second]);
      expect(await s!.journal("w")).toEqual([entry(0), entry(1), entry(2)]);
    } finally {
      proxy.server.close();
    }
  });

  it("fails a call with a StoreError naming host:port and what to check once Redis stays unreachable past timeoutMs", async () => {
    const port = await freePort();
    const reported: Error[] = [];
    const s = new RedisStore({ connection: { host: "127.0.0.1", port }, timeoutMs: 400, onError: (e) => reported.push(e) });
    stores.push(s);
    const started = Date.now();
    const error = await s.get("w").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(new RegExp(`Redis at 127\\.0\\.0\\.1:${port} is unreachable`));
    expect((error as Error).message).toMatch(/redis-cli -h 127\.0\.0\.1 -p \d+ ping.*timeoutMs/);
    expect(Date.now() - started).toBeLessThan(3_000);
    // The background reports: at most one a second, each naming the address.
    expect(reported.length).toBeGreaterThanOrEqual(1);
    expect(reported.length).toBeLessThanOrEqual(2);
    expect(reported[0]!.message).toContain(`Redis at 127.0.0.1:${port}`);
  });

  it("fails calls waiting for an unreachable Redis at once, as closed, when the store is closed", async () => {
    const port = await freePort();
    const [s] = storesOn(1, { connection: { host: "127.0.0.1", port }, timeoutMs: 30_000 });
    const started = Date.now();
    const pending = [s!.get("w").catch((e: unknown) => e), s!.write(batch({ inbox: [{ id: "w", name: "go", payload: "1" }] })).catch((e: unknown) => e)];
    await wait(100);
    await s!.close();
    for (const error of await Promise.all(pending)) {
      expect(error).toBeInstanceOf(StoreError);
      expect((error as Error).message).toMatch(/is closed/);
    }
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("keeps its data across a Redis restart with AOF, and a write during the outage succeeds once Redis is back", async () => {
    const aof = await RedisServer.start({ appendonly: true });
    try {
      const [s] = storesOn(1, { connection: aof.connection });
      await s!.create(record("w"));
      await s!.write(batch({ entries: [{ id: "w", entry: entry(0) }] }));
      await s!.acquire("w", "engine-a", 60_000);
      const restarting = aof.restart(300);
      await wait(100);
      const during = s!.write(batch({ entries: [{ id: "w", entry: entry(1) }] }));
      await restarting;
      await during;
      const [r] = await s!.recoverable(["w"]);
      expect(r!.journal).toEqual([entry(0), entry(1)]);
      const other = new RedisStore({ connection: aof.connection, prefix: s!.prefix });
      stores.push(other);
      expect(await other.acquire("w", "engine-b", 1_000)).toBeNull(); // the lease survived too
    } finally {
      await aof.stop();
    }
  });
});
