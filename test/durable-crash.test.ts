import { spawn } from "node:child_process";
import { join } from "node:path";
import Database from "better-sqlite3";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqliteStore } from "../src/sqlite/index.js";
import { tempDir } from "./helpers.js";

/** Kills across the sweep: a small run in `npm test`, `npm run test:crash` sets 200. */
const KILLS = Number(process.env.CRASH_RUNS ?? 8);
const WORKFLOWS = 6;

let dir: { path: string; remove: () => Promise<void> };
let worker: string;

beforeAll(async () => {
  dir = await tempDir();
  // Bundled once, so each start costs ~0.1 s instead of tsx's ~1 s.
  worker = join(process.cwd(), "node_modules/.cache/yieldos-durable/crash-worker.mjs");
  await build({
    entryPoints: ["test/fixtures/durable-crash-worker.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["better-sqlite3"],
    outfile: worker,
    logLevel: "error",
  });
}, 60_000);
afterAll(async () => {
  await dir?.remove();
});

interface Outcome {
  results: unknown[] | null;
  pid: number;
  killed: boolean;
}

/** Runs the worker once; SIGKILLs it `killAfter` ms after it is ready (if it has not finished). */
function runWorker(journal: string, effects: string, killAfter: number | null): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, journal, effects, String(WORKFLOWS)], { stdio: ["ignore", "pipe", "pipe"] });
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
      if (done !== undefined) return resolve({ results: JSON.parse(done.slice(5)) as unknown[], pid: child.pid!, killed: false });
      if (signal === "SIGKILL") return resolve({ results: null, pid: child.pid!, killed: true });
      reject(new Error(`crash worker exited with ${code ?? signal}: ${err || out}`));
    });
  });
}

/** Checks one journal file and its effects after all its workflows finished. */
function check(journal: string, effects: string, kills: number): void {
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
  // Runs again only for ops in flight at a kill: at most once more per kill.
  for (const [, n] of perKey) expect(n).toBeLessThanOrEqual(1 + kills);
}

describe("durable crash", () => {
  it(`finishes workflows SIGKILLed at random points (${KILLS} kills) with the results of an uninterrupted run, each op's effect once per process and never after it was journaled`, async () => {
    const reference = await runWorker(join(dir.path, "ref.db"), join(dir.path, "ref-fx.db"), null);
    expect(reference.results).toHaveLength(WORKFLOWS);
    check(join(dir.path, "ref.db"), join(dir.path, "ref-fx.db"), 0);

    let totalKills = 0;
    let round = 0;
    let twice = 0;
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
      check(journal, effects, kills);
      const fx = new Database(effects, { readonly: true });
      twice += (fx.prepare("SELECT count(*) FROM (SELECT key FROM effects GROUP BY key HAVING count(*) > 1)").pluck().get() as number) ?? 0;
      fx.close();
      totalKills += kills;
    }
    expect(totalKills).toBeGreaterThanOrEqual(KILLS);
    // How many ops were in flight at a kill and ran again (informative; bounded by the checks above).
    expect(twice).toBeGreaterThanOrEqual(0);
  }, 600_000);
});
