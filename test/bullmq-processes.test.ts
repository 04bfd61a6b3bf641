import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Scheduler, TimeoutError, fork, sleep, submitIO, wait } from "../src/index.js";
import { RedisUnavailableError, remoteOps } from "../src/bullmq/index.js";
import { tempDir } from "./helpers.js";
import { logEvents as events, startOpWorker, stopAll } from "./op-worker-process.js";
import { RedisServer, skipWithoutRedis } from "./redis-server.js";

const skip = skipWithoutRedis();
/** `npm run test:bullmq-sweep` sets this: more rounds, more ops. */
const SWEEP = Number(process.env["YIELDOS_BULLMQ_SWEEP"] ?? 0);
let dir: { path: string; remove: () => Promise<void> };
let seq = 0;

beforeAll(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await stopAll();
});
afterAll(async () => {
  await stopAll();
  await dir?.remove();
});

function count(log: string, kind: string, who?: string): number {
  return events(log).filter((e) => e[0] === kind && (who === undefined || e[2] === who)).length;
}

async function until(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Checks the once/at-most-twice rules; returns the keys that ran twice. */
function checkOnce(log: string, keys: string[]): string[] {
  const starts = new Map<string, number>();
  const effects = new Map<string, number>();
  for (const [kind, key] of events(log)) {
    const map = kind === "start" ? starts : kind === "effect" ? effects : null;
    map?.set(key!, (map.get(key!) ?? 0) + 1);
  }
  for (const key of keys) {
    expect(effects.get(key), `side effects of ${key}`).toBe(1);
    expect(starts.get(key) ?? 0, `runs of ${key}`).toBeGreaterThanOrEqual(1);
    expect(starts.get(key) ?? 0, `runs of ${key}`).toBeLessThanOrEqual(2);
  }
  return keys.filter((k) => starts.get(k) === 2);
}

/** Forks one task per op and returns each op's `{ key, by }`. */
function* runAll(ops: { type: string; ms: number; idempotencyKey: string }[], timeout?: number) {
  const kids: number[] = [];
  for (const op of ops) kids.push(yield* fork(function* () { return yield* submitIO(op, timeout === undefined ? {} : { timeout }); }));
  const out: { key: string; by: string }[] = [];
  for (const kid of kids) out.push((yield* wait(kid)) as { key: string; by: string });
  return out;
}

describe.skipIf(skip)("bullmq remote ops across processes", () => {
  it("re-runs the ops of a SIGKILLed worker on another worker after the stalled check, each side effect once", async () => {
    const rounds = SWEEP > 0 ? SWEEP : 1;
    const redis = await RedisServer.start();
    try {
      for (let round = 0; round < rounds; round++) {
        const queuePrefix = `kill${++seq}`;
        const log = join(dir.path, `${queuePrefix}.log`);
        writeFileSync(log, "");
        const common = { port: redis.port, queuePrefix, log, concurrency: 4 };
        const [a, b] = await Promise.all([startOpWorker({ ...common, name: "A" }), startOpWorker({ ...common, name: "B" })]);
        const sched = new Scheduler();
        const client = remoteOps(sched, { connection: redis.connection, types: ["work"], queuePrefix, reconcileMs: 2_000, onError: () => undefined });
        const n = SWEEP > 0 ? 80 : 24;
        const ops = Array.from({ length: n }, (_, i) => ({ type: "work", ms: 300, idempotencyKey: `r${round}-op${i}` }));
        const task = sched.spawn(() => runAll(ops));
        const running = sched.run();
        await until("A to run 4 ops", () => count(log, "start", "A") >= 4, 10_000);
        const inFlightAtKill = count(log, "start", "A") - count(log, "effect", "A");
        await a.kill("SIGKILL");
        await running;
        const results = await task.done;
        await client.close();
        await b.kill("SIGTERM");
        expect(results.map((r) => r.key)).toEqual(ops.map((o) => o.idempotencyKey));
        const twice = checkOnce(log, ops.map((o) => o.idempotencyKey));
        expect(inFlightAtKill).toBeGreaterThan(0);
        expect(twice.length).toBeGreaterThan(0);
        expect(twice.length).toBeLessThanOrEqual(inFlightAtKill);
        for (const key of twice) expect(results.find((r) => r.key === key)!.by).toBe("B");
      }
    } finally {
      await redis.stop();
    }
  }, 60_000 * Math.max(1, SWEEP));

  it("finishes every op when Redis restarts mid-run (append-only file on)", async () => {
    const redis = await RedisServer.start({ appendonly: true });
    try {
      const queuePrefix = `restart${++seq}`;
      const log = join(dir.path, `${queuePrefix}.log`);
      writeFileSync(log, "");
      const worker = await startOpWorker({ port: redis.port, queuePrefix, log, name: "W", concurrency: 8 });
      const sched = new Scheduler({ ring: { cqEntries: 8 } });
      const errors: Error[] = [];
      const client = remoteOps(sched, { connection: redis.connection, types: ["work"], queuePrefix, reconcileMs: 2_000, onError: (e) => errors.push(e) });
      const ops = Array.from({ length: SWEEP > 0 ? 200 : 40 }, (_, i) => ({ type: "work", ms: 50, idempotencyKey: `op${i}` }));
      const task = sched.spawn(() => runAll(ops));
      const running = sched.run();
      await until("some ops to finish", () => count(log, "effect") >= 8, 10_000);
      const before = count(log, "effect");
      await redis.restart(300);
      await running;
      const results = await task.done;
      await client.close();
      await worker.kill("SIGTERM");
      expect(before).toBeLessThan(ops.length);
      expect(errors.some((e) => e instanceof RedisUnavailableError && e.message.includes(`127.0.0.1:${redis.port} is unreachable`))).toBe(true);
      expect(results.map((r) => r.key)).toEqual(ops.map((o) => o.idempotencyKey));
      checkOnce(log, ops.map((o) => o.idempotencyKey));
    } finally {
      await redis.stop();
    }
  }, 60_000);

  it("reaches an op running in another process when its task is killed or its timeout runs out", async () => {
    const redis = await RedisServer.start();
    try {
      const queuePrefix = `cancel${++seq}`;
      const log = join(dir.path, `${queuePrefix}.log`);
      writeFileSync(log, "");
      const worker = await startOpWorker({ port: redis.port, queuePrefix, log, name: "W" });
      const sched = new Scheduler();
      const client = remoteOps(sched, { connection: redis.connection, types: ["hang"], queuePrefix, onError: () => undefined });
      const task = sched.spawn(function* () {
        const killed = yield* fork(function* () {
          yield* submitIO({ type: "hang", idempotencyKey: "killed" });
        });
        while (count(log, "start") < 1) yield* sleep(10);
        const t0 = Date.now();
        sched.kill(killed, "user pressed stop");
        while (count(log, "aborted") < 1) yield* sleep(10);
        const killToAbort = Date.now() - t0;
        let timedOut: unknown = null;
        try {
          yield* submitIO({ type: "hang", idempotencyKey: "slow" }, { timeout: 400 });
        } catch (e) {
          timedOut = e;
        }
        while (count(log, "aborted") < 2) yield* sleep(10);
        return { killToAbort, timedOut };
      });
      const guard = setTimeout(() => sched.kill(task.tid, "test guard"), 15_000);
      await sched.run();
      clearTimeout(guard);
      const { killToAbort, timedOut } = await task.done;
      await client.close();
      await worker.kill("SIGTERM");
      expect(timedOut).toBeInstanceOf(TimeoutError);
      expect(killToAbort).toBeLessThan(2_000);
      expect(events(log).filter((e) => e[0] === "aborted").map((e) => e[1])).toEqual(["killed", "slow"]);
    } finally {
      await redis.stop();
    }
  }, 30_000);
});
