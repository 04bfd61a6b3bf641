import { spawn } from "node:child_process";
import { join } from "node:path";
import Database from "better-sqlite3";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisStore } from "../src/bullmq/index.js";
import { tempDir } from "./helpers.js";
import { RedisServer, skipWithoutRedis } from "./redis-server.js";

/** Kills across the sweep: a small run in `npm test`; CRASH_RUNS raises it. */
const KILLS = Number(process.env.CRASH_RUNS ?? 6);
const WORKFLOWS = 6;

const skip = skipWithoutRedis();
let dir: { path: string; remove: () => Promise<void> };
let worker: string;
let redis: RedisServer;

beforeAll(async () => {
  if (skip) return;
  dir = await tempDir();
  redis = await RedisServer.start({ appendonly: true });
  // Bundled once, so each start costs ~0.1 s instead of tsx's ~1 s.
  worker = join(process.cwd(), "node_modules/.cache/yieldos-durable/redis-crash-worker.mjs");
  await build({
    entryPoints: ["test/fixtures/redis-crash-worker.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["better-sqlite3", "bullmq", "ioredis"],
    outfile: worker,
    logLevel: "error",
  });
}, 60_000);
afterAll(async () => {
  await redis?.stop();
  await dir?.remove();
});

interface Outcome {
  results: unknown[] | null;
  killed: boolean;
}

/** Runs the worker once; SIGKILLs it `killAfter` ms after it is ready (if it has not finished). */
function runWorker(prefix: string, effects: string, killAfter: number | null): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, String(redis.port), prefix, effects, String(WORKFLOWS)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let killed = false;
    const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (killAfter !== null && out.includes("ready\n") && !killed) {
        killed = true;
        setTimeout(() => child.kill("SIGKILL"), killAfter);
      }
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(guard);
      const done = out.split("\n").find((l) => l.startsWith("done "));
      if (done !== undefined) return resolve({ results: JSON.parse(done.slice(5)) as unknown[], killed: false });
      if (signal === "SIGKILL") return resolve({ results: null, killed: true });
      reject(new Error(`redis crash worker exited with ${code ?? signal}: ${err || out}`));
    });
  });
}

/** Checks one prefix's journals and its effects after all its workflows finished. */
async function check(prefix: string, effects: string, kills: number): Promise<void> {
  const store = new RedisStore({ connection: redis.connection, prefix });
  const journaledOps: string[] = [];
  try {
    const records = await store.list();
    expect(records).toHaveLength(WORKFLOWS);
    expect([...new Set(records.map((r) => r.state))]).toEqual(["completed"]);
    for (const rec of records) {
      const journal = await store.journal(rec.id);
      expect(journal.map((e) => e.seq)).toEqual(journal.map((_, i) => i)); // no gap, no duplicate
      for (const e of journal) if (e.kind === "io" && e.at >= 0) journaledOps.push(`${rec.id}:${e.step}`);
    }
  } finally {
    await store.close();
  }
  const fx = new Database(effects, { readonly: true });
  const runs = fx.prepare("SELECT key, pid, count(*) AS n FROM effects GROUP BY key, pid").all() as { key: string; pid: number; n: number }[];
  const forbidden = fx.prepare("SELECT e.key, e.pid FROM effects e JOIN journaled_at_start j ON j.key = e.key AND j.pid = e.pid").all();
  fx.close();
  // Never twice in one process; never again once journaled; each completed op ran at least once.
  expect(runs.filter((r) => r.n > 1)).toEqual([]);
  expect(forbidden).toEqual([]);
  const perKey = new Map<string, number>();
  for (const r of runs) perKey.set(r.key, (perKey.get(r.key) ?? 0) + 1);
  for (const key of journaledOps) expect(perKey.get(key) ?? 0).toBeGreaterThanOrEqual(1);
  for (const [, n] of perKey) expect(n).toBeLessThanOrEqual(1 + kills);
}

describe.skipIf(skip)("RedisStore crash", () => {
  it(`finishes leased workflows whose process was SIGKILLed at random points (${KILLS} kills): the next process waits out the leases, recovers, and gets the results of an uninterrupted run, each op's effect never after it was journaled`, async () => {
    const reference = await runWorker("ref", join(dir.path, "ref-fx.db"), null);
    expect(reference.results).toHaveLength(WORKFLOWS);
    await check("ref", join(dir.path, "ref-fx.db"), 0);

    let totalKills = 0;
    let round = 0;
    while (totalKills < KILLS) {
      const prefix = `crash-${round}`;
      const effects = join(dir.path, `crash-${round}-fx.db`);
      round++;
      let kills = 0;
      for (;;) {
        const delay = kills < 3 ? Math.floor(Math.random() * 60) : null; // then let it finish
        const o = await runWorker(prefix, effects, delay);
        if (o.killed) {
          kills++;
          continue;
        }
        expect(o.results).toEqual(reference.results);
        break;
      }
      await check(prefix, effects, kills);
      totalKills += kills;
    }
    expect(totalKills).toBeGreaterThanOrEqual(KILLS);
  }, 600_000);
});
