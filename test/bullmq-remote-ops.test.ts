import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Scheduler, TimeoutError, fork, kill, sleep, submitIO, wait } from "../src/index.js";
import { OpWorker, RemoteOpError, RemotePayloadError, RedisUnavailableError, remoteOps, type RemoteHandler } from "../src/bullmq/index.js";
import { RedisServer, freePort, skipWithoutRedis } from "./redis-server.js";

const skip = skipWithoutRedis();
let redis: RedisServer;
let queueSeq = 0;
/** A fresh queue prefix per test, so no test sees another's jobs. */
const fresh = (): string => `t${process.pid}-${++queueSeq}`;
const quick = { lockDuration: 1_000, stalledInterval: 500 };

beforeAll(async () => {
  if (!skip) redis = await RedisServer.start();
});
afterAll(async () => {
  await redis?.stop();
});

/** A scheduler with a remote-ops client and an in-process op worker on the test Redis. */
function setup(handlers: Record<string, RemoteHandler<never>>, extra: { cqEntries?: number; limiter?: Record<string, { max: number; duration: number }> } = {}) {
  const queuePrefix = fresh();
  const sched = new Scheduler({ ring: { cqEntries: extra.cqEntries ?? 128 } });
  const errors: Error[] = [];
  const client = remoteOps(sched, { connection: redis.connection, types: Object.keys(handlers).concat("orphan"), queuePrefix, onError: (e) => errors.push(e) });
  const worker = new OpWorker({ connection: redis.connection, handlers, queuePrefix, concurrency: 8, ...quick, ...(extra.limiter && { limiter: extra.limiter }) });
  const close = async () => {
    await client.close();
    await worker.close();
  };
  return { sched, client, worker, errors, close, queuePrefix };
}

const abortable = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    });
  });

describe.skipIf(skip)("bullmq remote ops", () => {
  it("completes each op in its task with the result the op worker's handler returned", async () => {
    const { sched, close, worker } = setup({ double: async (op: { type: string; n: number }) => op.n * 2 });
    try {
      await worker.ready();
      const task = sched.spawn(function* () {
        const out: number[] = [];
        for (let i = 0; i < 5; i++) out.push((yield* submitIO({ type: "double", n: i })) as number);
        const batch = yield* submitIO([{ type: "double", n: 10 }, { type: "double", n: 11 }]);
        return [...out, ...(batch as number[])];
      });
      await sched.run();
      expect(await task.done).toEqual([0, 2, 4, 6, 8, 20, 22]);
    } finally {
      await close();
    }
  });

  it("fails the op with the handler's error name, message and code", async () => {
    const quota = async () => {
      const e = new Error("quota of model m1 used up") as Error & { code: string };
      e.name = "QuotaError";
      e.code = "E_QUOTA";
      throw e;
    };
    const { sched, close } = setup({ quota });
    try {
      const task = sched.spawn(function* () {
        try {
          yield* submitIO({ type: "quota" });
          return null;
        } catch (e) {
          return e;
        }
      });
      await sched.run();
      const error = (await task.done) as RemoteOpError;
      expect(error).toBeInstanceOf(RemoteOpError);
      expect([error.name, error.message, error.code, error.opType]).toEqual(["QuotaError", "quota of model m1 used up", "E_QUOTA", "quota"]);
    } finally {
      await close();
    }
  });

  it("fails only the op whose payload is not JSON data, with an error naming the op type and field", async () => {
    const { sched, close } = setup({ echo: async (op: { type: string; v: unknown }) => op.v });
    try {
      const task = sched.spawn(function* () {
        const bad = yield* fork(function* () {
          return yield* submitIO({ type: "echo", v: { when: new Date(0), fn: () => 1 } });
        });
        const good = (yield* submitIO({ type: "echo", v: "ok" })) as string;
        try {
          yield* wait(bad);
          return [good, null];
        } catch (e) {
          return [good, e];
        }
      });
      await sched.run();
      const [good, error] = (await task.done) as [string, Error];
      expect(good).toBe("ok");
      expect(error).toBeInstanceOf(RemotePayloadError);
      expect(error.message).toMatch(/^op "echo" \(seq \d+\) cannot be sent to BullMQ: op\.v\.when is a Date, not a plain object/);
    } finally {
      await close();
    }
  });

  it("times an op out as its timeout says when no worker serves its type, and removes the waiting job", async () => {
    const { sched, close, client, queuePrefix } = setup({ echo: async () => 1 });
    const orphans = new Queue(`${queuePrefix}-orphan`, { connection: redis.connection });
    try {
      const started = Date.now();
      const task = sched.spawn(function* () {
        try {
          yield* submitIO({ type: "orphan" }, { timeout: 300 });
          return null;
        } catch (e) {
          return e;
        }
      });
      await sched.run();
      expect(await task.done).toBeInstanceOf(TimeoutError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(client.stats.cancelled).toBe(1);
      await expect.poll(async () => (await orphans.getJobCounts("wait")).wait).toBe(0);
    } finally {
      await orphans.close();
      await close();
    }
  });

  it("aborts the handler's signal when the op's task is killed while the job runs", async () => {
    let aborted = false;
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const { sched, close } = setup({
      slow: async (_op: unknown, ctx) => {
        started();
        await abortable(10_000, ctx.signal).catch((e) => {
          aborted = true;
          throw e;
        });
      },
    });
    let runningSeen = false;
    void running.then(() => (runningSeen = true));
    try {
      sched.spawn(function* () {
        const op = yield* fork(function* () {
          yield* submitIO({ type: "slow" });
        });
        while (!runningSeen) yield* sleep(10);
        yield* kill(op);
      });
      const t0 = Date.now();
      await sched.run();
      await expect.poll(() => aborted, { timeout: 2_000 }).toBe(true);
      expect(Date.now() - t0).toBeLessThan(3_000);
    } finally {
      await close();
    }
  });

  it("keeps the jobs out at once within the ring's in-flight bound", async () => {
    let running = 0;
    let most = 0;
    const { sched, close } = setup(
      {
        work: async () => {
          most = Math.max(most, ++running);
          await new Promise((r) => setTimeout(r, 20));
          running--;
        },
      },
      { cqEntries: 3 },
    );
    try {
      const task = sched.spawn(function* () {
        const kids: number[] = [];
        for (let i = 0; i < 12; i++) kids.push(yield* fork(function* () { return yield* submitIO({ type: "work" }); }));
        const results: unknown[] = [];
        for (const k of kids) results.push(yield* wait(k));
        return results;
      });
      await sched.run();
      expect(await task.done).toEqual(Array(12).fill(null)); // a handler's `undefined` arrives as JSON's null
      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(3);
    } finally {
      await close();
    }
  });

  it("applies BullMQ's rate limiter per op type", async () => {
    const { sched, close, worker } = setup({ limited: async () => Date.now(), free: async () => Date.now() }, { limiter: { limited: { max: 2, duration: 400 } } });
    try {
      await worker.ready();
      const task = sched.spawn(function* () {
        const t0 = Date.now();
        const limited = (yield* submitIO(Array.from({ length: 6 }, () => ({ type: "limited" })))) as number[];
        const t1 = Date.now();
        yield* submitIO(Array.from({ length: 6 }, () => ({ type: "free" })));
        return [t1 - t0, Date.now() - t1, limited.length];
      });
      await sched.run();
      const [limitedMs, freeMs, n] = (await task.done) as number[];
      expect(n).toBe(6);
      expect(limitedMs).toBeGreaterThanOrEqual(700); // 6 jobs at 2 per 400 ms: 3 windows
      expect(freeMs).toBeLessThan(limitedMs!);
    } finally {
      await close();
    }
  });

  it("reports Redis unreachable at start and sends the waiting ops once it is up", async () => {
    const port = await freePort();
    const queuePrefix = fresh();
    const sched = new Scheduler();
    const errors: Error[] = [];
    const connection = { host: "127.0.0.1", port };
    const client = remoteOps(sched, { connection, types: ["echo"], queuePrefix, onError: (e) => errors.push(e) });
    const task = sched.spawn(function* () {
      return yield* submitIO([{ type: "echo", v: 1 }, { type: "echo", v: 2 }]);
    });
    const done = sched.run();
    await expect.poll(() => errors.length, { timeout: 3_000 }).toBeGreaterThan(0);
    expect(errors[0]).toBeInstanceOf(RedisUnavailableError);
    expect(errors[0]!.message).toContain(`Redis at 127.0.0.1:${port} is unreachable`);
    const late = await RedisServer.start({ port });
    const worker = new OpWorker({ connection, handlers: { echo: async (op: { v: number }) => op.v }, queuePrefix, ...quick });
    try {
      await done;
      expect(await task.done).toEqual([1, 2]);
    } finally {
      await client.close();
      await worker.close();
      await late.stop();
    }
  });
});

describe("bullmq remote ops options", () => {
  it("refuses an op type the ring already serves, or one that cannot name a queue, before opening any connection", () => {
    const sched = new Scheduler();
    const connection = { host: "127.0.0.1", port: 1 };
    expect(() => remoteOps(sched, { connection, types: ["call"] })).toThrow(/call/);
    expect(() => remoteOps(sched, { connection, types: ["a:b"] })).toThrow('op type "a:b" cannot name a BullMQ queue: use a non-empty type without ":"');
  });
});
