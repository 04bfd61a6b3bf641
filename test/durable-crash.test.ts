import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqliteStore } from "../src/sqlite/index.js";
import { bundleCrashWorker, checkEffects, runCrashWorker } from "./crash-harness.js";
import { tempDir } from "./helpers.js";

/** Kills across the sweep: a small run in `npm test`, `npm run test:crash` sets 200. */
const KILLS = Number(process.env.CRASH_RUNS ?? 8);
const WORKFLOWS = 6;

let dir: { path: string; remove: () => Promise<void> };
let worker: string;

beforeAll(async () => {
  dir = await tempDir();
  worker = await bundleCrashWorker("test/fixtures/durable-crash-worker.ts", ["better-sqlite3"]);
}, 60_000);
afterAll(async () => {
  await dir?.remove();
});

/** Runs the worker once; SIGKILLs it `killAfter` ms after it is ready (if it has not finished). */
function runWorker(journal: string, effects: string, killAfter: number | null) {
  return runCrashWorker(worker, [journal, effects, String(WORKFLOWS)], killAfter);
}

/** Checks one journal file and its effects after all its workflows finished. */
function check(journal: string, effects: string, kills: number): number {
  const db = new Database(journal, { readonly: true });
  expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
  const journaledOps = db.prepare("SELECT wf || ':' || step FROM yieldos_journal WHERE kind = 'io' AND at >= 0").pluck().all() as string[];
  const states = db.prepare("SELECT DISTINCT state FROM yieldos_workflows").pluck().all();
  db.close();
  expect(states).toEqual(["completed"]);
  const store = new SqliteStore(journal);
  for (const rec of store.list()) {
    const seqs = store.journal(rec.id).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i)); // no gap, no duplicate
  }
  store.close();

  return checkEffects(effects, journaledOps, kills);
}

describe("durable crash", () => {
  it(`finishes workflows SIGKILLed at random points (${KILLS} kills) with the results of an uninterrupted run, each op's effect once per process and never after it was journaled`, async () => {
    const reference = await runWorker(join(dir.path, "ref.db"), join(dir.path, "ref-fx.db"), null);
    expect(reference.results).toHaveLength(WORKFLOWS);
    check(join(dir.path, "ref.db"), join(dir.path, "ref-fx.db"), 0);

    let totalKills = 0;
    let round = 0;
    let again = 0;
    while (totalKills < KILLS) {
      const journal = join(dir.path, `crash-${round}.db`);
      const effects = join(dir.path, `crash-${round}-fx.db`);
      round++;
      let kills = 0;
      for (;;) {
        const delay = kills < 4 ? Math.floor(Math.random() * 60) : null; // then let it finish
        const o = await runWorker(journal, effects, delay);
        if (o.killed) {
          kills++;
          continue;
        }
        expect(o.results).toEqual(reference.results);
        break;
      }
      again += check(journal, effects, kills);
      totalKills += kills;
    }
    expect(totalKills).toBeGreaterThanOrEqual(KILLS);
    // How many ops were in flight at a kill and ran again (each bounded by the checks above).
    console.log(`durable crash: ${totalKills} kills in ${round} rounds; ${again} ops ran again with the same key`);
  }, 600_000);
});
