/**
 * Durable workflows on SQLite (synchronous=FULL, WAL), against raw better-sqlite3 in the same run.
 *
 *   npm run bench:durable              full sizes
 *   npm run bench:durable -- --quick   small sizes (seconds)
 *   npm run bench:durable -- --only=D3 some rows only (D1, D2, D3; comma-separated)
 *   npm run bench:durable -- --steps=100  D1 with 100 call steps per workflow (default 20)
 *
 * D1 throughput: 1,000 concurrent workflows each run `call` steps; journal rows/s vs raw inserts
 *    of the same rows in one transaction (target >= 0.5x). Two runs in one process (the first
 *    also warms the JIT up); the ratio takes the better, as it does for the raw side.
 * D1r the raw floor of group commit: the same rows in one transaction per scheduler round (1,000
 *    rows each, as many commits as D1 makes), vs one transaction.
 * D2 latency: a lone workflow's `call` step vs one raw insert transaction (one commit each).
 * D3 recovery: N unfinished workflows of 100 journaled steps each, from opening the file to every
 *    one replayed and live again (target < 5 s for 10,000).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { DurableEngine, MemoryStore, call, waitSignal, type Batch, type Store } from "../src/durable/index.js";
import { loneStepMs, replayers } from "./durable-workloads.js";
import { SqliteStore } from "../src/sqlite/index.js";

const quick = process.argv.includes("--quick");
const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const wanted = (row: string) => only === undefined || only.includes(row);
const dir = mkdtempSync(join(os.tmpdir(), "yieldos-bench-durable-"));
let files = 0;
const file = () => join(dir, `b${files++}.db`);
const ms = (t0: number) => performance.now() - t0;
/** CPU ms of this process (user + system): less disturbed than wall time by other processes on a shared machine. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const fmt = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(1));

const JOURNAL = `CREATE TABLE j (wf TEXT NOT NULL, seq INTEGER NOT NULL, step INTEGER NOT NULL, at INTEGER NOT NULL,
  kind TEXT NOT NULL, ok INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (wf, seq)) WITHOUT ROWID`;

function rawDb(): Database.Database {
  const db = new Database(file());
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec(JOURNAL);
  return db;
}

/** Raw: `rows` journal-shaped rows in one transaction. Returns rows/s, by wall time and by CPU time. */
function rawOneTransaction(workflows: number, steps: number): { rate: number; cpuRate: number } {
  const db = rawDb();
  const ins = db.prepare("INSERT INTO j VALUES (?, ?, ?, ?, ?, ?, ?)");
  const t0 = performance.now();
  const c0 = cpuMs();
  db.transaction(() => {
    for (let s = 0; s < steps; s++) for (let w = 0; w < workflows; w++) ins.run(`wf-${w}`, s, s, s + 1, "io", 1, String(s));
  })();
  const t = ms(t0);
  const c = cpuMs() - c0;
  db.close();
  return { rate: (workflows * steps) / (t / 1000), cpuRate: (workflows * steps) / (c / 1000) };
}

/** Raw: the same rows in one transaction per round of `workflows` rows (what group commit costs at its best). Returns rows/s. */
function rawPerRound(workflows: number, steps: number): number {
  const db = rawDb();
  const ins = db.prepare("INSERT INTO j VALUES (?, ?, ?, ?, ?, ?, ?)");
  const round = db.transaction((s: number) => {
    for (let w = 0; w < workflows; w++) ins.run(`wf-${w}`, s, s, s + 1, "io", 1, String(s));
  });
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) round(s);
  const t = ms(t0);
  db.close();
  return (workflows * steps) / (t / 1000);
}

/** Raw: one insert transaction per row. Returns ms per commit. */
function rawCommitLatency(n: number): number {
  const db = rawDb();
  const ins = db.prepare("INSERT INTO j VALUES (?, ?, ?, ?, ?, ?, ?)");
  const one = db.transaction((i: number) => ins.run("wf", i, i, i + 1, "io", 1, String(i)));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) one(i);
  const t = ms(t0);
  db.close();
  return t / n;
}

/** D1: journaled call steps across `workflows` concurrent workflows. Returns journal rows/s of the call steps. */
async function engineThroughput(workflows: number, steps: number, memory = false): Promise<{ rate: number; cpuRate: number; batches: number }> {
  function* stepper(n: number) {
    yield* waitSignal("go");
    let sum = 0;
    for (let i = 0; i < n; i++) sum += yield* call(() => Promise.resolve(1));
    return sum;
  }
  const store: Store = memory ? new MemoryStore() : new SqliteStore(file());
  let batches = 0;
  const write = store.write.bind(store);
  store.write = (b: Batch) => (batches++, write(b));
  const engine = new DurableEngine({ store, workflows: { stepper } });
  const ids = Array.from({ length: workflows }, (_, i) => `w${i}`);
  for (const id of ids) await engine.start("stepper", [steps], { id });
  await new Promise((r) => setTimeout(r, 20));
  batches = 0;
  const t0 = performance.now();
  const c0 = cpuMs();
  await Promise.all(ids.map((id) => engine.signal(id, "go")));
  const results = await Promise.all(ids.map((id) => engine.result(id)));
  const t = ms(t0);
  const c = cpuMs() - c0;
  if (results.some((r) => r !== steps)) throw new Error("D1: a workflow returned a wrong sum");
  await engine.close();
  return { rate: (workflows * steps) / (t / 1000), cpuRate: (workflows * steps) / (c / 1000), batches };
}

/** D3: recovery of `workflows` unfinished workflows with `steps` journaled call steps each. Returns ms in total and to load + launch. */
async function recovery(workflows: number, steps: number): Promise<{ total: number; load: number; cpu: number }> {
  const path = file();
  new SqliteStore(path).close(); // the schema
  const db = new Database(path);
  const wf = db.prepare("INSERT INTO yieldos_workflows VALUES (?, ?, 'replayer', '[]', 'running', '', '', 0, 0)");
  const j = db.prepare("INSERT INTO yieldos_journal VALUES (?, ?, ?, ?, 'io', 1, ?)");
  db.transaction(() => {
    for (let w = 0; w < workflows; w++) {
      wf.run(`r${w}`, `run${w}`);
      for (let s = 0; s < steps; s++) j.run(`r${w}`, s, s, s + 1, String(s));
    }
  })();
  db.close();
  const { replayer, all } = replayers(workflows, steps);
  const t0 = performance.now();
  const c0 = cpuMs();
  const engine = new DurableEngine({ store: new SqliteStore(path), workflows: { replayer } });
  const ids = await engine.recover();
  const load = ms(t0);
  if (ids.length !== workflows) throw new Error(`D3: recovered ${ids.length} of ${workflows}`);
  await all;
  const t = ms(t0);
  const cpu = cpuMs() - c0;
  await engine.close();
  return { total: t, load, cpu };
}

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
console.log(`durable bench${quick ? " (quick)" : ""}: ${new Date().toISOString()}, ${os.cpus().length} CPUs (${cpu}), node ${process.version}`);
try {
  const W = 1000;
  const S = Number(process.argv.find((a) => a.startsWith("--steps="))?.slice(8) ?? (quick ? 5 : 20));
  if (wanted("D1")) {
    const raw = rawOneTransaction(W, S);
    const d1a = await engineThroughput(W, S);
    const raw2 = rawOneTransaction(W, S);
    const d1 = await engineThroughput(W, S);
    const rawBest = Math.max(raw.rate, raw2.rate);
    const best = Math.max(d1a.rate, d1.rate);
    console.log(
      `D1 ${W} workflows x ${S} call steps: ${fmt(d1a.rate)} then ${fmt(d1.rate)} steps/s in ${d1.batches} commits; raw one-transaction inserts ${fmt(raw.rate)} / ${fmt(raw2.rate)} rows/s -> ${(best / rawBest).toFixed(2)}x (target >= 0.5x)`,
    );
    const cpuBest = Math.max(d1a.cpuRate, d1.cpuRate);
    const rawCpu = Math.max(raw.cpuRate, raw2.cpuRate);
    console.log(`D1 by CPU time (what other processes disturb less): ${fmt(cpuBest)} steps per CPU-s; raw ${fmt(rawCpu)} rows per CPU-s -> ${(cpuBest / rawCpu).toFixed(2)}x`);
    const floorA = rawPerRound(W, S + 1);
    const floorB = rawPerRound(W, S + 1);
    const floor = Math.max(floorA, floorB);
    console.log(`D1r raw, one transaction per round (${S + 1} commits of ${W} rows): ${fmt(floorA)} / ${fmt(floorB)} rows/s -> ${(floor / rawBest).toFixed(2)}x of one transaction; D1 is ${(best / floor).toFixed(2)}x of this floor`);
    const d1m = await engineThroughput(W, S, true);
    console.log(`D1m the same on a MemoryStore (the engine without SQLite): ${fmt(d1m.rate)} steps/s (${fmt(d1m.cpuRate)} per CPU-s) in ${d1m.batches} batches`);
  }

  const L = quick ? 50 : 300;
  if (wanted("D2")) {
    const stepMs = await loneStepMs(new SqliteStore(file()), L);
    const commitMs = rawCommitLatency(L);
    console.log(`D2 lone workflow: ${stepMs.toFixed(3)} ms per call step; raw one-row transaction ${commitMs.toFixed(3)} ms per commit -> ${(stepMs / commitMs).toFixed(2)} commits per step`);
  }

  const R = quick ? 1000 : 10_000;
  if (wanted("D3")) {
    const rec = await recovery(R, 100);
    console.log(`D3 recovery of ${R} unfinished workflows x 100 steps: ${(rec.total / 1000).toFixed(2)} s, of which ${(rec.load / 1000).toFixed(2)} s until recover() resolved (journals read, workflows launched, direct replays run); ${(rec.cpu / 1000).toFixed(2)} s of CPU (target < 5 s for 10,000)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
