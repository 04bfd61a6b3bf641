import type { Scheduler } from "../kernel/scheduler.js";
import { deviations, encodeSchedule, listDecider } from "./choices.js";
import { DEFAULT_DEPTH, DEFAULT_STRATEGY, type ExploreOptions, type ReplayOptions, type Strategy } from "./explore-options.js";
import { formatReport } from "./explore-report.js";
import { errorKind, runOnce, type Program, type RunRecord, type RunSetup } from "./explore-run.js";
import { shrinkSchedule } from "./shrink.js";
import type { Trace } from "./trace.js";

/** The outcome of one run of a program. */
export interface RunOutcome {
  /** The seed (`NaN` for a run replayed from a schedule string). */
  seed: number;
  ok: boolean;
  /** What the run threw, or `undefined`. */
  error: unknown;
  /** The run's trace lines (see `Trace.lines`), formatted when first read. */
  readonly lines: string[];
  trace: Trace;
  sched: Scheduler;
  /** The run's decisions as a schedule string: `replay(program, schedule)` runs it again. */
  schedule: string;
  /** Scheduling steps the run took. */
  steps: number;
}

/** A failing schedule after shrinking. */
export interface ShrunkFailure {
  /** `replay(program, schedule)` reproduces it. */
  schedule: string;
  /** Decisions that were not the FIFO choice. */
  deviations: number;
  error: unknown;
  lines: string[];
  /** Replays the shrinking took. */
  replays: number;
}

/** The first failing run {@link explore} found. `report` is a readable summary with the trace. */
export interface ExploreFailure {
  seed: number;
  /** 0-based index of the failing run. */
  run: number;
  error: unknown;
  /** The failing run's trace lines, as `replay(program, seed, options)` reproduces them. */
  lines: string[];
  report: string;
  /** The strategy of the failing run (`"fifo"` when the FIFO run that measures k for PCT failed). */
  strategy: Strategy | "fifo";
  /** PCT's depth and k for this run. */
  depth?: number;
  steps?: number;
  /** The failing run's decisions: `replay(program, schedule)` reproduces it too. */
  schedule: string;
  /** The shrunk schedule, or `null` when shrinking was off. */
  shrunk: ShrunkFailure | null;
}

/** What {@link explore} found: `failure` is `null` when every run passed. */
export interface ExploreResult {
  ok: boolean;
  /** Runs made (stops at the first failure). */
  runs: number;
  failure: ExploreFailure | null;
  /** `"bounded"` only: whether every schedule within `bound` delays ran. */
  complete?: boolean;
  /** `"bounded"` only: the largest bound whose every schedule ran (-1: none). */
  bound?: number;
}

/** What {@link failureOf} reports on. */
export interface Found {
  seed: number;
  run: number;
  runs: number;
  record: RunRecord;
  strategy: Strategy | "fifo";
  steps?: number;
}

function replayCall(f: Found, options: ReplayOptions): string {
  const schedule = `replay(program, ${JSON.stringify(encodeSchedule(f.record.choices))})`;
  if (f.strategy === "bounded" || f.strategy === "fifo") return schedule;
  const depth = options.depth ?? DEFAULT_DEPTH;
  const explicit = f.strategy === "pct" ? `{ strategy: "pct", depth: ${depth}, steps: ${f.steps} }` : `{ strategy: "random" }`;
  const plain = f.strategy === DEFAULT_STRATEGY && options.steps === undefined && depth === DEFAULT_DEPTH;
  return plain ? `replay(program, ${f.seed}) (= replay(program, ${f.seed}, ${explicit}))` : `replay(program, ${f.seed}, ${explicit})`;
}

/** Shrinks a failing run and builds its {@link ExploreFailure} with the report. */
export async function failureOf(program: Program, options: ExploreOptions, setup: RunSetup, f: Found): Promise<ExploreFailure> {
  const { record, seed, run } = f;
  const lines = record.t.trace.lines();
  const kind = errorKind(record.error);
  const budget = options.shrink === false ? 0 : (options.shrink ?? 300);
  let shrunk: ExploreFailure["shrunk"] = null;
  let shown: Parameters<typeof formatReport>[0]["shrunk"] = null;
  if (budget > 0) {
    const small = await shrinkSchedule(
      record.choices,
      async (list) => {
        const r = await runOnce(program, listDecider(list), setup);
        return !r.ok && errorKind(r.error) === kind ? r.choices : null;
      },
      budget,
    );
    const names = new Map<number, string>();
    const final = await runOnce(program, listDecider(small.choices), setup, true, names);
    if (!final.ok) {
      const schedule = encodeSchedule(final.choices);
      const smallLines = final.t.trace.lines();
      shrunk = { schedule, deviations: deviations(final.choices), error: final.error, lines: smallLines, replays: small.replays };
      const steps = final.recorder.detail ?? [];
      shown = { ...shrunk, steps: final.failedAt < 0 ? steps : steps.slice(0, final.failedAt), names };
    }
  }
  const strategy = f.strategy === "pct" ? `"pct", depth ${options.depth ?? DEFAULT_DEPTH}, steps (k) ${f.steps}` : `"${f.strategy}"`;
  const report = formatReport({ seed, run, runs: f.runs, error: record.error, replay: replayCall(f, options), strategy, shrunk: shown, lines });
  const failure: ExploreFailure = { seed, run, error: record.error, lines, report, strategy: f.strategy, schedule: encodeSchedule(record.choices), shrunk };
  if (f.strategy === "pct") {
    failure.depth = options.depth ?? DEFAULT_DEPTH;
    failure.steps = f.steps;
  }
  return failure;
}
