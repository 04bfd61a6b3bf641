import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { IoRequest } from "../src/index.js";
import { DurableEngine, MemoryStore } from "../src/durable/index.js";
import { RedisUnavailableError, WorkflowClient } from "../src/bullmq/index.js";
import { mulberry32 } from "../src/random.js";
import { workflows } from "./fixtures/cluster-workflows.js";
import { tempDir } from "./helpers.js";
import { logEvents as events, startOpWorker, stopAll, type OpWorkerProcess } from "./op-worker-process.js";
import { RedisServer, freePort, skipWithoutRedis } from "./redis-server.js";
import { startWorkflowWorker, stopWorkflowWorkers, type WorkflowWorkerProcess } from "./workflow-worker-process.js";

const skip = skipWithoutRedis();
/** `npm run test:cluster-sweep` sets this: the full run, 300 workflows. */
const SWEEP = Number(process.env["YIELDOS_CLUSTER_SWEEP"] ?? 0);
let dir: { path: string; remove: () => Promise<void> };
let seq = 0;

beforeAll(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await Promise.all([stopWorkflowWorkers(), stopAll()]);
});
afterAll(async () => {
  await dir?.remove();
});

const count = (log: string, kind: string): number => events(log).filter((e) => e[0] === kind).length;

async function until(what: string, check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A fresh queue, op-queue prefix and pair of logs (workflow workers, op workers). */
function setup(tag: string): { queue: string; opPrefix: string; wfLog: string; opLog: string } {
  const queue = `${tag}${++seq}`;
  const wfLog = join(dir.path, `${queue}-wf.log`);
  const opLog = join(dir.path, `${queue}-op.log`);
  writeFileSync(wfLog, "");
  writeFileSync(opLog, "");
  return { queue, opPrefix: `${queue}-op`, wfLog, opLog };
}

/** The workflows in one process on a MemoryStore, with `work` served locally: the reference results. */
async function oneProcess(starts: { name: string; args: unknown[]; id: string }[]): Promise<unknown[]> {
  const engine = new DurableEngine({ store: new MemoryStore(), workflows });
  engine.sched.ring.register("work", (requests: IoRequest[]) => {
    for (const r of requests) setTimeout(() => r.complete({ key: String(r.op["idempotencyKey"]), by: "local" }), 2);
  });
  for (const s of starts) await engine.start(s.name, s.args, { id: s.id });
  const results = await Promise.all(starts.map((s) => engine.result(s.id)));
  await engine.close();
  return results;
}

/**
 * No journal had two writers: in time order, the fencing tokens of each workflow's accepted
 * writes never go down (a write under an old token after one under a newer token would be a
 * second writer). Returns how many workflows were written under more than one token.
 */
function checkOneWriter(wfLog: string): number {
  const byId = new Map<string, { token: number; at: number }[]>();
  for (const [kind, id, token, , at] of events(wfLog)) {
    if (kind !== "write") continue;
    let list = byId.get(id!);
    if (list === undefined) byId.set(id!, (list = []));
    list.push({ token: Number(token), at: Number(at) });
  }
  let moved = 0;
  for (const [id, list] of byId) {
    list.sort((a, b) => a.at - b.at);
    for (let i = 1; i < list.length; i++) expect(list[i]!.token, `writes of ${id} in time order`).toBeGreaterThanOrEqual(list[i - 1]!.token);
    if (list[0]!.token !== list[list.length - 1]!.token) moved++;
  }
  return moved;
}

/** Each op key's side effect happened once; returns how many times each key ran. */
function checkEffects(opLog: string, keys: string[]): Map<string, number> {
  const starts = new Map<string, number>();
  const effects = new Map<string, number>();
  for (const [kind, key] of events(opLog)) {
    const map = kind === "start" ? starts : kind === "effect" ? effects : null;
    map?.set(key!, (map.get(key!) ?? 0) + 1);
  }
  for (const key of keys) expect(effects.get(key), `side effects of ${key}`).toBe(1);
  return starts;
}

describe.skipIf(skip)("distributed workflows across processes", () => {
  it("finishes every workflow once, as a one-process run does, while workflow workers are SIGKILLed and restarted", async () => {
    const n = SWEEP > 0 ? 300 : 30;
    const redis = await RedisServer.start();
    const { queue, opPrefix, wfLog, opLog } = setup("kill");
    const random = mulberry32(Number(process.env["YIELDOS_CLUSTER_SEED"] ?? 1));
    const opWorkers: OpWorkerProcess[] = [];
    const wfWorkers: WorkflowWorkerProcess[] = [];
    let incarnation = 0;
    const startWf = (slot: number) => startWorkflowWorker({ port: redis.port, queue, opPrefix, log: wfLog, name: `w${slot}.${++incarnation}`, concurrency: SWEEP > 0 ? 60 : 20, maxLifeMs: 900_000 });
    const client = new WorkflowClient({ connection: redis.connection, queue, pollMs: 500, onError: () => undefined });
    let kills = 0;
    let done = false;
    try {
      opWorkers.push(...(await Promise.all(["A", "B"].map((name) => startOpWorker({ port: redis.port, queuePrefix: opPrefix, log: opLog, name, concurrency: SWEEP > 0 ? 32 : 16, maxLifeMs: 900_000 })))));
      wfWorkers.push(...(await Promise.all([0, 1, 2].map(startWf))));
      // Ten rounds of three ops each: a workflow runs for seconds, so kills land mid-run.
      const starts = Array.from({ length: n }, (_, i) => ({ name: "job", args: [i, 100 + (i % 4) * 50, 10], id: `job-${i}` }));
      for (const s of starts) await client.start(s.name, s.args, { id: s.id });
      const killer = (async () => {
        while (!done) {
          // A kill every 1.2-2.4 s (2-4 s in the sweep, whose workers host more workflows each).
          await new Promise((r) => setTimeout(r, (SWEEP > 0 ? 2_000 : 1_200) * (1 + random())));
          if (done) return;
          const slot = Math.floor(random() * 3);
          await wfWorkers[slot]!.kill("SIGKILL");
          kills++;
          for (let tries = 0; ; tries++) {
            try {
              wfWorkers[slot] = await startWf(slot);
              break;
            } catch (error) {
              if (tries >= 2 || done) throw error;
            }
          }
        }
      })();
      killer.catch(() => undefined); // surfaces at `await killer` below
      const results = await Promise.all(starts.map((s) => client.result(s.id, { timeout: SWEEP > 0 ? 600_000 : 90_000 })));
      done = true;
      await killer;
      expect(results).toEqual(await oneProcess(starts));
      expect(kills).toBeGreaterThanOrEqual(2);
      const moved = checkOneWriter(wfLog);
      expect(moved).toBeGreaterThan(0); // some workflows did move between workers
      const keys = results.flatMap((r) => (r as { keys: string[] }).keys);
      const runs = checkEffects(opLog, keys);
      const again = keys.filter((k) => runs.get(k)! > 1);
      // An op in flight when its workflow's worker dies runs again on the next worker, once per
      // kill: at most as often as the workflow was taken up (twice after one kill).
      const turns = new Map<string, number>();
      for (const [kind, id] of events(wfLog)) if (kind === "acquired") turns.set(id!, (turns.get(id!) ?? 0) + 1);
      for (const key of again) expect(runs.get(key), `runs of ${key}`).toBeLessThanOrEqual(Math.max(2, turns.get(key.split(":")[0]!) ?? 0));
      const lost = events(wfLog).filter((e) => e[0] === "lost").length;
      console.info(`cluster kill run: ${n} workflows, ${kills} SIGKILLs, ${moved} moved between workers, ${lost} leases lost, ${again.length} of ${keys.length} ops ran again (${again.filter((k) => runs.get(k)! > 2).length} of them more than twice, after more than one kill)`);
      // A worker may die between finishing a workflow and saying so; none says it twice.
      const finished = events(wfLog).filter((e) => e[0] === "finished").map((e) => e[1]);
      expect(new Set(finished).size).toBe(finished.length);
      expect(finished.length).toBeGreaterThan(n / 2);
    } finally {
      done = true;
      await client.close();
      await Promise.all([stopWorkflowWorkers(), stopAll()]);
      await redis.stop();
    }
  }, SWEEP > 0 ? 900_000 : 120_000);

  it("finishes every workflow when Redis restarts mid-run (append-only file on)", async () => {
    const redis = await RedisServer.start({ appendonly: true });
    const { queue, opPrefix, wfLog, opLog } = setup("restart");
    const errors: Error[] = [];
    const client = new WorkflowClient({ connection: redis.connection, queue, pollMs: 500, onError: (e) => errors.push(e) });
    try {
      await startOpWorker({ port: redis.port, queuePrefix: opPrefix, log: opLog, name: "A", concurrency: 16 });
      await Promise.all([1, 2, 3].map((i) => startWorkflowWorker({ port: redis.port, queue, opPrefix, log: wfLog, name: `w${i}` })));
      const starts = Array.from({ length: 30 }, (_, i) => ({ name: "job", args: [i, 100], id: `r-${i}` }));
      for (const s of starts) await client.start(s.name, s.args, { id: s.id });
      const results = Promise.all(starts.map((s) => client.result(s.id, { timeout: 60_000 })));
      await until("a few workflows to finish", () => count(wfLog, "finished") >= 3, 20_000);
      const before = count(wfLog, "finished");
      await redis.restart(500);
      expect(await results).toEqual(await oneProcess(starts));
      expect(before).toBeLessThan(30);
      expect(errors.some((e) => e instanceof RedisUnavailableError && e.message.includes(`127.0.0.1:${redis.port} is unreachable`))).toBe(true);
      checkOneWriter(wfLog);
      checkEffects(opLog, (await results).flatMap((r) => (r as { keys: string[] }).keys));
    } finally {
      await client.close();
      await Promise.all([stopWorkflowWorkers(), stopAll()]);
      await redis.stop();
    }
  }, 90_000);

  it("reaches an op running in another process when its workflow is cancelled or its task is killed", async () => {
    const redis = await RedisServer.start();
    const { queue, opPrefix, wfLog, opLog } = setup("cancel");
    const client = new WorkflowClient({ connection: redis.connection, queue, pollMs: 100, onError: () => undefined });
    try {
      await startOpWorker({ port: redis.port, queuePrefix: opPrefix, log: opLog, name: "A" });
      await startWorkflowWorker({ port: redis.port, queue, opPrefix, log: wfLog, name: "w1" });
      await client.start("hanger", [], { id: "cancel-me" });
      await until("the hang op to start", () => count(opLog, "start") >= 1, 15_000);
      const t0 = Date.now();
      await client.cancel("cancel-me", "user pressed stop");
      await until("the hang op to be aborted", () => count(opLog, "aborted") >= 1, 10_000);
      const cancelToAbort = Date.now() - t0;
      await expect(client.result("cancel-me", { timeout: 10_000 })).rejects.toThrow(/user pressed stop|cancel|kill/i);
      expect((await client.status("cancel-me"))?.state).toBe("cancelled");
      expect(cancelToAbort).toBeLessThan(3_000);

      await client.start("taskKiller", [500], { id: "kill-task" });
      expect(await client.result("kill-task", { timeout: 15_000 })).toBe("child TaskKilledError");
      await until("the child's hang op to be aborted", () => count(opLog, "aborted") >= 2, 10_000);
      const aborted = events(opLog).filter((e) => e[0] === "aborted").map((e) => e[1]!);
      expect(aborted[0]).toMatch(/^cancel-me:/);
      expect(aborted[1]).toMatch(/^kill-task:/);
    } finally {
      await client.close();
      await Promise.all([stopWorkflowWorkers(), stopAll()]);
      await redis.stop();
    }
  }, 60_000);

  it("waits for Redis that is down at start (clear errors, backoff), then runs everything; an op type with no worker times out as its timeout says", async () => {
    const port = await freePort();
    const { queue, opPrefix, wfLog, opLog } = setup("late");
    const errors: Error[] = [];
    const client = new WorkflowClient({ connection: { host: "127.0.0.1", port }, queue, pollMs: 200, onError: (e) => errors.push(e) });
    let redis: RedisServer | null = null;
    try {
      const started = Promise.all([
        ...Array.from({ length: 5 }, (_, i) => client.start("job", [i, 20], { id: `late-${i}` })),
        client.start("orphan", [700], { id: "orphan" }),
      ]);
      // Workers started before Redis: they wait, reporting the outage on stderr.
      let wfStderr = "";
      const workers = Promise.all([
        startWorkflowWorker({ port, queue, opPrefix, log: wfLog, name: "w1", onStderr: (t) => (wfStderr += t) }),
        startOpWorker({ port, queuePrefix: opPrefix, log: opLog, name: "A" }),
      ]);
      await until("the workflow worker to report the outage", () => wfStderr.includes(`127.0.0.1:${port} is unreachable`), 20_000);
      expect(errors.some((e) => e instanceof RedisUnavailableError && e.message.includes(`127.0.0.1:${port} is unreachable`))).toBe(true);
      redis = await RedisServer.start({ port });
      await started;
      await workers;
      const results = await Promise.all([0, 1, 2, 3, 4].map((i) => client.result(`late-${i}`, { timeout: 20_000 })));
      expect(results.map((r) => (r as { i: number }).i)).toEqual([0, 1, 2, 3, 4]);
      const orphan = (await client.result("orphan", { timeout: 20_000 })) as string;
      expect(orphan).toMatch(/^TimeoutError: .*nobody.*700 ms/);
    } finally {
      await client.close();
      await Promise.all([stopWorkflowWorkers(), stopAll()]);
      await redis?.stop();
    }
  }, 60_000);
});
