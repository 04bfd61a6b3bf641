/**
 * The benchmark harness: every system of a workload runs in this one process, alternating
 * (the order rotates each round so no system always runs first), after a warm-up round; the
 * median of the rounds is reported with its ratio to yieldos.
 */

/** A target, checked on the yieldos row (absolute) or on a peer row (the ratio). */
export interface Target {
  text: string;
  met(value: number, ratio: number | null): boolean;
}

/** One system measured in a workload. */
export interface Case {
  system: string;
  /** Runs the workload once and returns the measured value, in the workload's unit. */
  run(): Promise<number>;
  /**
   * Checks that the system really does what the workload measures (say, a real task switch);
   * returns `null` when it does, else why its numbers must not be reported.
   */
  verify?(): Promise<string | null>;
  target?: Target;
  /** Printed under the table: how this case differs from the others (scaled counts, method). */
  note?: string;
}

export interface Workload {
  id: string;
  title: string;
  unit: string;
  /** Whether a higher value is better (throughput) or a lower one (time, bytes). */
  better: "higher" | "lower";
  cases: Case[];
  /** Measured rounds after the warm-up; defaults to the harness's. */
  rounds?: number;
  /** Skip the warm-up round (for deterministic counts and memory). */
  noWarmup?: boolean;
}

export interface Row {
  workload: string;
  system: string;
  median: number | null;
  unit: string;
  samples: number[];
  ratio: number | null;
  target: string;
  met: boolean | null;
  note?: string;
}

export interface HarnessOptions {
  quick: boolean;
  rounds: number;
  /** Only these systems (for profiling one system); `null` runs all. */
  systems: Set<string> | null;
  log: (line: string) => void;
}

export const REFERENCE = "yieldos";

const gcFn = (globalThis as { gc?: () => void }).gc;

/** Full collection (twice, so weak and finalizable leftovers go too). No-op without --expose-gc. */
export function gc(): void {
  if (gcFn !== undefined) {
    gcFn();
    gcFn();
  }
}

export const hasGc = gcFn !== undefined;

/** Heap in use after a full collection. */
export function heapAfterGc(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `fn` and returns the elapsed wall time in ms. */
export async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** A small seeded PRNG, so every system and run sleeps the same random times. */
export { mulberry32 as rng } from "../src/testing/choices.js";

/** Lets pending timers, immediates and microtasks of a previous system drain. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}

export const atLeast = (x: number, unit = "x"): Target => ({
  text: `>= ${x}${unit}`,
  met: (v, r) => (unit === "x" ? r !== null && r >= x : v >= x),
});

export const atMost = (x: number, unit: string): Target => ({ text: `<= ${x} ${unit}`, met: (v) => v <= x });

export const below = (x: number, unit: string): Target => ({ text: `< ${x} ${unit}`, met: (v) => v < x });

export const exactly = (x: number): Target => ({ text: `= ${x}`, met: (v) => v === x });

/** Measures one workload: verify, warm up, alternate rounds, take medians and ratios. */
export async function measure(w: Workload, opts: HarnessOptions): Promise<Row[]> {
  const cases = opts.systems === null ? w.cases : w.cases.filter((c) => opts.systems!.has(c.system));
  const rows = new Map<Case, Row>();
  const live: Case[] = [];
  for (const c of cases) {
    const row: Row = { workload: w.id, system: c.system, median: null, unit: w.unit, samples: [], ratio: null, target: c.target?.text ?? "", met: null, note: c.note };
    rows.set(c, row);
    const refusal = c.verify === undefined ? null : await c.verify().catch((e: unknown) => `verification threw: ${String(e)}`);
    if (refusal !== null) {
      row.note = `REFUSED: ${refusal}`;
      opts.log(`  ${w.id} ${c.system}: refused (${refusal})`);
    } else {
      live.push(c);
    }
  }
  const rounds = w.rounds ?? opts.rounds;
  const total = rounds + (w.noWarmup === true ? 0 : 1);
  for (let r = 0; r < total; r++) {
    const warm = w.noWarmup !== true && r === 0;
    for (let i = 0; i < live.length; i++) {
      const c = live[(i + r) % live.length];
      await settle();
      gc();
      const value = await c.run();
      if (!warm) rows.get(c)!.samples.push(value);
      opts.log(`  ${w.id} ${warm ? "warm-up" : `round ${r + (w.noWarmup === true ? 1 : 0)}/${rounds}`} ${c.system}: ${fmt(value)} ${w.unit}`);
    }
  }
  for (const row of rows.values()) if (row.samples.length > 0) row.median = median(row.samples);
  const ref = [...rows.values()].find((r) => r.system === REFERENCE)?.median ?? null;
  for (const [c, row] of rows) {
    if (row.median === null) continue;
    if (ref !== null) {
      row.ratio = row.system === REFERENCE ? 1 : w.better === "higher" ? ref / row.median : row.median / ref;
    }
    if (c.target !== undefined) row.met = c.target.met(row.median, row.ratio);
  }
  return [...rows.values()];
}

/** Three significant digits, thousands separated. */
export function fmt(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return x === null ? "—" : String(x);
  if (x === 0) return "0";
  const abs = Math.abs(x);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** The one table: Markdown, so it pastes into BENCHMARKS.md as is. */
export function table(rows: readonly Row[]): string {
  const head = ["workload", "system", "median", "unit", "yieldos vs this", "target", "met?"];
  const body = rows.map((r) => [
    r.workload,
    r.system,
    r.median === null ? (r.note?.startsWith("REFUSED") === true ? "refused" : "—") : fmt(r.median),
    r.unit,
    r.ratio === null ? "—" : r.system === REFERENCE ? "1.00x" : r.ratio < 10 ? `${r.ratio.toFixed(2)}x` : `${fmt(r.ratio)}x`,
    r.target === "" ? "" : r.target,
    r.met === null ? "" : r.met ? "yes" : "**no**",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  const out = [line(head), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...body.map(line)];
  const notes = rows.filter((r) => r.note !== undefined).map((r) => `- ${r.workload} / ${r.system}: ${r.note}`);
  return [...out, "", ...(notes.length > 0 ? ["Notes:", ...notes] : [])].join("\n");
}
