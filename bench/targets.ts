/**
 * The targets of issue #12, checked against the rows of one run. Each compares yieldos with a
 * baseline measured in the same run (or states a bound in bytes), so the list can be printed under
 * the table: a target whose rows were not measured (say, with `--only`) says so.
 */
import { fmt, type Row } from "./harness.js";

interface Goal {
  text: string;
  /** The measured value: a ratio or a number of bytes; `null` when its rows are missing. */
  value(rows: readonly Row[]): number | null;
  unit: "x" | "B";
  /** Higher values are better (`>=`) or lower ones (`<=`). */
  bound: ">=" | "<=";
  limit: number;
}

function median(rows: readonly Row[], workload: string, system: string): number | null {
  return rows.find((r) => r.workload === workload && r.system === system)?.median ?? null;
}

/** `a / b` of two medians of one workload, or `null` if either is missing. */
function ratio(workload: string, a: string, b: string): (rows: readonly Row[]) => number | null {
  return (rows) => {
    const x = median(rows, workload, a);
    const y = median(rows, workload, b);
    return x === null || y === null || y === 0 ? null : x / y;
  };
}

const W2S = "W2 spawn+join sequential";
const W2A = "W2 spawn all, then join";
const W3O = "W3 sleepers, real clock: overhead";
const W3D = "W3 sleepers, virtual clock, distinct deadlines";
const W3I = "W3 sleepers, virtual clock, 0-50 ms";
const W4 = "W4 memory per suspended task";

const GOALS: Goal[] = [
  { text: "W2 sequential, real clock: yieldos / native async", value: ratio(W2S, "yieldos", "native async"), unit: "x", bound: ">=", limit: 0.25 },
  { text: "W2 sequential, VirtualClock: yieldos / native async", value: ratio(W2S, "yieldos, VirtualClock", "native async"), unit: "x", bound: ">=", limit: 0.25 },
  { text: "W2 fork all then wait all, real clock: yieldos / native async", value: ratio(W2A, "yieldos", "native async"), unit: "x", bound: ">=", limit: 0.15 },
  { text: "W2 fork all then wait all, VirtualClock: yieldos / native async", value: ratio(W2A, "yieldos, VirtualClock", "native async"), unit: "x", bound: ">=", limit: 0.15 },
  { text: "W3 real: overhead, yieldos / async fns awaiting setTimeout", value: ratio(W3O, "yieldos", "async fns awaiting setTimeout"), unit: "x", bound: "<=", limit: 0.5 },
  { text: "W3 real: heap per sleeper", value: (rows) => median(rows, "W3 sleepers, real clock: heap per sleeper", "yieldos"), unit: "B", bound: "<=", limit: 300 },
  { text: "W4: heap per suspended task, yield* form", value: (rows) => median(rows, W4, "yieldos"), unit: "B", bound: "<=", limit: 250 },
  { text: "W4: heap per suspended task, PyOS form", value: (rows) => median(rows, W4, "yieldos, PyOS form"), unit: "B", bound: "<=", limit: 250 },
  // W1 and W3 are throughput and time: the raw loop's time over yieldos's is yieldos's speed ratio.
  { text: "W1: yieldos / raw generator loop (switches/s)", value: ratio("W1 switches", "yieldos", "raw generator loop"), unit: "x", bound: ">=", limit: 0.6 },
  { text: "W1: yieldos / native await null (switches/s)", value: ratio("W1 switches", "yieldos", "native await null"), unit: "x", bound: ">=", limit: 1.5 },
  { text: "W3 virtual 1M, distinct deadlines: yieldos time / raw generators + heap", value: ratio(W3D, "yieldos", "raw generators + binary heap"), unit: "x", bound: "<=", limit: 1.5 },
  { text: "W3 virtual 1M, 0-50 ms: yieldos time / raw generators + heap", value: ratio(W3I, "yieldos", "raw generators + binary heap"), unit: "x", bound: "<=", limit: 1.5 },
];

/** The issue #12 targets as a Markdown table: value, bound, and met or not. */
export function issue12Targets(rows: readonly Row[]): string {
  const lines = ["| issue #12 target | measured | target | met? |", "| --- | --- | --- | --- |"];
  for (const g of GOALS) {
    const v = g.value(rows);
    const shown = v === null ? "not measured" : g.unit === "x" ? `${v.toFixed(2)}x` : `${fmt(v)} B`;
    const met = v === null ? "" : (g.bound === ">=" ? v >= g.limit : v <= g.limit) ? "yes" : "**no**";
    lines.push(`| ${g.text} | ${shown} | ${g.bound} ${g.limit}${g.unit === "x" ? "x" : " B"} | ${met} |`);
  }
  return lines.join("\n");
}
