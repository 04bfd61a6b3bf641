/**
 * How many runs each `explore` strategy needs to find each ported bug (issue #15): for every
 * program of test/explore-programs.ts and every strategy, `explore` from 20 starting seeds, with a
 * run cap; prints the median and worst runs-to-bug, how many seeds found it within the cap, and
 * the time per run. `"bounded"` is deterministic (it enumerates schedules in one order), so its
 * one result stands for every seed.
 *
 *   npm run bench:explore                         full run (minutes)
 *   npm run bench:explore -- --quick              5 seeds, small caps (seconds)
 *   npm run bench:explore -- --only=reorder_20,twostage_100 --strategy=pct --depth=2
 */
import os from "node:os";
import { explore, replay, type Strategy } from "../src/testing/index.js";
import { bugPrograms, twostage } from "../test/explore-programs.js";
import { median } from "./harness.js";

function arg(name: string): string | undefined {
  const hit = process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  return hit === undefined ? undefined : (hit.split("=")[1] ?? "");
}

const quick = arg("quick") !== undefined;
const only = arg("only")?.split(",") ?? null;
const strategies = (arg("strategy")?.split(",") ?? ["pct", "random", "bounded"]) as Strategy[];
const seeds = Number(arg("seeds") ?? (quick ? 5 : 20));
const depth = arg("depth") === undefined ? undefined : Number(arg("depth"));
const classes = arg("classes") === undefined ? undefined : arg("classes") !== "false";
/** The issue's targets: 1,000 runs for every bug; 10,000 for twostage_50 and twostage_100. */
const deep = new Set(["twostage_50", "twostage_100"]);
const cap = (name: string, strategy: Strategy) => {
  const full = deep.has(name) && strategy === "pct" ? 10_000 : 1_000;
  return quick ? Math.min(full, deep.has(name) ? 2_000 : 300) : full;
};

interface Result {
  program: string;
  strategy: Strategy;
  found: number;
  seeds: number;
  cap: number;
  median: number;
  worst: number;
  msPerRun: number;
}

const results: Result[] = [];
const log = (line: string) => process.stderr.write(`${line}\n`);
for (const b of bugPrograms()) {
  if (only !== null && !only.includes(b.name)) continue;
  for (const strategy of strategies) {
    const runs = cap(b.name, strategy);
    const needed: number[] = [];
    let total = 0;
    const t0 = performance.now();
    const n = strategy === "bounded" ? 1 : seeds;
    for (let s = 0; s < n; s++) {
      const r = await explore(b.program, { ...b.options, strategy, depth, classes, runs, seed: 1 + s * 100_003, shrink: false });
      total += r.runs;
      needed.push(r.ok ? Infinity : r.runs);
    }
    const ms = (performance.now() - t0) / total;
    const all = strategy === "bounded" ? Array<number>(seeds).fill(needed[0]) : needed;
    const row: Result = {
      program: b.name,
      strategy,
      found: all.filter((x) => x !== Infinity).length,
      seeds,
      cap: runs,
      median: median(all),
      worst: Math.max(...all),
      msPerRun: ms,
    };
    results.push(row);
    log(`${b.name} ${strategy}: found ${row.found}/${seeds} within ${runs}, median ${show(row.median)}, worst ${show(row.worst)}, ${ms.toFixed(3)} ms/run`);
  }
}

function show(x: number): string {
  return x === Infinity ? "—" : String(Math.round(x));
}

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
console.log(`\nexplore bench${quick ? " (quick)" : ""}: ${seeds} starting seeds; node ${process.version}, ${os.cpus().length} CPUs (${cpu})`);
console.log(`depth ${depth ?? "default"}, classes ${classes ?? "default"}; "—" = not found within the cap; bounded is deterministic (one search for all seeds)\n`);
const names = [...new Set(results.map((r) => r.program))];
const head = ["bug", ...strategies.map((s) => `${s}: found / median / worst`), ...strategies.map((s) => `${s} ms/run`)];
console.log(`| ${head.join(" | ")} |`);
console.log(`|${head.map(() => " --- ").join("|")}|`);
for (const name of names) {
  const cells = [name];
  for (const s of strategies) {
    const r = results.find((x) => x.program === name && x.strategy === s)!;
    cells.push(`${r.found}/${r.seeds} ≤${r.cap} / ${show(r.median)} / ${show(r.worst)}`);
  }
  for (const s of strategies) cells.push(results.find((x) => x.program === name && x.strategy === s)!.msPerRun.toFixed(2));
  console.log(`| ${cells.join(" | ")} |`);
}
const def = results.filter((r) => r.strategy === "pct");
if (def.length > 0 && quick) {
  console.log("\n(quick: 5 seeds and smaller caps than the targets, so no verdict on them)");
} else if (def.length > 0) {
  const missed = def.filter((r) => r.found < (r.seeds >= 20 ? r.seeds - 1 : r.seeds));
  console.log(`\ntarget (pct finds every bug from all but one of 20 seeds, or all of fewer, within its cap): ${missed.length === 0 ? "met" : `missed by ${missed.map((r) => r.program).join(", ")}`}`);
}

// What formatting every passing run's trace would cost: explore's runs record the trace but never
// format it; replay(...).lines formats it. Same programs, same random schedules (all pass).
if (arg("no-trace-cost") === undefined) {
  console.log("\n| program | explore ms/run (trace not formatted) | replay + .lines ms/run | ratio |\n| --- | --- | --- | --- |");
  for (const n of [20, 100]) {
    const program = twostage(n);
    const runs = quick ? 50 : 300;
    await explore(program, { strategy: "random", runs: 20 }); // warm-up
    const t0 = performance.now();
    const r = await explore(program, { strategy: "random", runs, seed: 7 });
    const plain = (performance.now() - t0) / runs;
    const t1 = performance.now();
    for (let i = 0; i < runs; i++) (await replay(program, 7 + i, { strategy: "random" })).lines;
    const formatted = (performance.now() - t1) / runs;
    if (!r.ok) throw new Error("the trace-cost runs must all pass");
    console.log(`| twostage_${n} | ${plain.toFixed(2)} | ${formatted.toFixed(2)} | ${(formatted / plain).toFixed(2)}x |`);
  }
}
