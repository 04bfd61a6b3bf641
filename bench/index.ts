/**
 * yieldos benchmarks against the systems a user would pick instead (issue #7).
 *
 *   npm run bench                       full run (a few minutes), one table at the end
 *   npm run bench -- --quick            seconds-long smoke run, same table
 *   npm run bench -- --only=W1,W5       only these workloads
 *   npm run bench -- --system=yieldos   only these systems (for profiling; ratios then show "—")
 *   npm run bench -- --rounds=7         measured rounds per workload (default 5; quick: 1)
 *
 * Profile one workload: node --cpu-prof --expose-gc --import tsx bench/index.ts --only=W1 --system=yieldos
 */
import { execSync } from "node:child_process";
import os from "node:os";
import { hasGc, measure, table, type HarnessOptions, type Row, type Workload } from "./harness.js";
import { issue12Targets } from "./targets.js";
import { w1 } from "./w1-switches.js";
import { w2 } from "./w2-spawn-join.js";
import { w3RealHeap, w3RealOverhead, w3RealTimers, w3Virtual } from "./w3-sleepers.js";
import { w4 } from "./w4-memory.js";
import { w5 } from "./w5-ring-call.js";
import { w6 } from "./w6-ring-nop.js";

function arg(name: string): string | undefined {
  const hit = process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  return hit === undefined ? undefined : (hit.split("=")[1] ?? "");
}

function list(name: string): string[] | null {
  const v = arg(name);
  return v === undefined || v === "" ? null : v.split(",").map((s) => s.trim());
}

function git(cmd: string): string {
  try {
    return execSync(`git ${cmd}`, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

const quick = arg("quick") !== undefined;
const only = list("only");
const systems = list("system");
const opts: HarnessOptions = {
  quick,
  rounds: Number(arg("rounds") ?? (quick ? 1 : 5)),
  systems: systems === null ? null : new Set(systems),
  log: (line) => process.stderr.write(`${line}\n`),
};

/** Each workload is built only if selected: some precompute a million random sleeps. */
const workloads: [code: string, make: () => Workload][] = [
  ["W1", () => w1(quick)],
  ["W2", () => w2(quick, "sequential")],
  ["W2", () => w2(quick, "all")],
  ["W3", () => w3Virtual(quick, "distinct")],
  ["W3", () => w3Virtual(quick, "integer")],
  ["W3", () => w3RealOverhead(quick)],
  ["W3", () => w3RealTimers(quick)],
  ["W3", () => w3RealHeap(quick)],
  ["W4", () => w4(quick)],
  ["W5", () => w5(quick)],
  ["W6", () => w6(quick)],
];

const dirty = git("status --porcelain -- src");
const header = [
  `yieldos benchmarks${quick ? " (--quick: scaled down, 1 round; not for quoting)" : ""}`,
  `date: ${new Date().toISOString()}`,
  `node: ${process.version} (${process.platform} ${process.arch})`,
  `machine: ${os.availableParallelism()} CPUs, ${os.cpus()[0]?.model ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
  `commit: ${git("rev-parse --short HEAD") || "unknown"}${dirty === "" ? "" : " + uncommitted changes in src/"}`,
  `load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")} (other processes on the machine skew absolute numbers; ratios within a round less so)`,
  `rounds: ${opts.rounds} measured after 1 warm-up (memory and timer counts: no warm-up), systems alternating; medians`,
];
if (!hasGc) header.push("WARNING: run with --expose-gc (npm run bench does): without it, memory numbers are meaningless");

const started = performance.now();
const rows: Row[] = [];
let failed = false;
for (const [code, make] of workloads) {
  if (only !== null && !only.includes(code)) continue;
  const w = make();
  process.stderr.write(`${w.id}: ${w.title}\n`);
  try {
    rows.push(...(await measure(w, opts)));
  } catch (error) {
    failed = true;
    process.stderr.write(`${w.id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    rows.push({ workload: w.id, system: "(error)", median: null, unit: w.unit, samples: [], ratio: null, target: "", met: null, note: `ERROR: ${String(error)}` });
  }
}

console.log(`\n${header.join("\n")}\n`);
console.log(table(rows));
console.log(`\n${issue12Targets(rows)}`);
console.log(`\nload average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log(`total time: ${((performance.now() - started) / 1e3).toFixed(1)} s`);
process.exitCode = failed ? 1 : 0;
