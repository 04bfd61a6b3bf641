import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisStore } from "../src/bullmq/index.js";
import { bundleCrashWorker, checkEffects, runCrashWorker } from "./crash-harness.js";
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
  worker = await bundleCrashWorker("test/fixtures/redis-crash-worker.ts", ["better-sqlite3", "bullmq", "ioredis"]);
}, 60_000);
afterAll(async () => {
  await redis?.stop();
  await dir?.remove();
});

/** Runs the worker once; SIGKILLs it `killAfter` ms after it is ready (if it has not finished). */
function runWorker(prefix: string, effects: string, killAfter: number | null) {
  return runCrashWorker(worker, [String(redis.port), prefix, effects, String(WORKFLOWS)], killAfter);
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
  checkEffects(effects, journaledOps, kills);
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
