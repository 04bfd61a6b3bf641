import { describeValue } from "../errors.js";
import type { Scheduler } from "../kernel/scheduler.js";
import { brief } from "./describe.js";
import { createTestScheduler, type TestScheduler, type TestSchedulerOptions } from "./test-scheduler.js";
import type { Trace } from "./trace.js";

/**
 * A program to explore: it gets a fresh test scheduler, spawns its tasks, and may return a
 * check to run after `sched.run()`. It fails by throwing (here, in a task, or in the check) or
 * by `run()` rejecting (an unobserved task failure, a deadlock).
 *
 * @example
 * ```ts
 * const program: Program = ({ sched }) => {
 *   let n = 0;
 *   sched.spawn(function* () { n++; });
 *   return () => expect(n).toBe(1);
 * };
 * ```
 */
export type Program = (t: TestScheduler) => void | (() => unknown) | Promise<void | (() => unknown)>;

/** Options of {@link explore} and {@link replay}: test-scheduler options (but not `seed`/`policy`). */
export interface ReplayOptions {
  scheduler?: Omit<TestSchedulerOptions, "seed" | "policy">;
}

/**
 * Options of {@link explore}.
 *
 * @example
 * ```ts
 * await explore(program, { runs: 500, seed: 1000, scheduler: { ring: { entries: 4 } } });
 * ```
 */
export interface ExploreOptions extends ReplayOptions {
  /** How many seeds to try. Default 100. */
  runs?: number;
  /** The first seed; run `i` uses `seed + i`. Default 1. */
  seed?: number;
}

/** The outcome of one run of a program under one seed. */
export interface RunOutcome {
  seed: number;
  ok: boolean;
  /** What the run threw, or `undefined`. */
  error: unknown;
  /** The run's trace lines (see `Trace.lines`). */
  lines: string[];
  trace: Trace;
  sched: Scheduler;
}

/** The first failing run {@link explore} found. `report` is a readable summary with the trace. */
export interface ExploreFailure {
  seed: number;
  /** 0-based index of the failing run. */
  run: number;
  error: unknown;
  lines: string[];
  report: string;
}

/** What {@link explore} found: `failure` is `null` when every run passed. */
export interface ExploreResult {
  ok: boolean;
  /** Runs made (stops at the first failure). */
  runs: number;
  failure: ExploreFailure | null;
}

/**
 * Runs `program` once on a test scheduler whose ready-task choices come from `seededPolicy(seed)`.
 * The same seed replays the same schedule, so a failure {@link explore} reports reproduces
 * exactly, trace line for trace line.
 *
 * @example
 * ```ts
 * const { failure } = await explore(program, { runs: 200 });
 * const again = await replay(program, failure!.seed);
 * expect(again.lines).toEqual(failure!.lines);
 * ```
 */
export async function replay(program: Program, seed: number, options: ReplayOptions = {}): Promise<RunOutcome> {
  if (typeof program !== "function") {
    throw new TypeError(`replay/explore expects a program function ({ sched }) => ..., got ${describeValue(program)}`);
  }
  const t = createTestScheduler({ ...options.scheduler, seed });
  let error: unknown;
  let ok = true;
  try {
    const check = await program(t);
    await t.sched.run();
    if (typeof check === "function") await check();
  } catch (e) {
    ok = false;
    error = e;
  } finally {
    t.trace.stop();
  }
  return { seed, ok, error, lines: t.trace.lines(), trace: t.trace, sched: t.sched };
}

/**
 * Seeded interleaving exploration: runs `program` under `runs` seeds, each on a fresh test
 * scheduler whose policy picks among ready tasks at random (same seed, same schedule), and
 * reports the first failing seed with its trace, so `replay(program, seed)` reproduces it.
 * Races that FIFO order happens to hide, like a lost update across a `yield`, show up here.
 *
 * @example
 * ```ts
 * it("never loses an update", async () => {
 *   const result = await explore(({ sched }) => {
 *     let counter = 0;
 *     sched.spawn(function* main() {
 *       const kids = [];
 *       for (let i = 0; i < 3; i++) kids.push(yield* fork(function* () { const v = counter; yield; counter = v + 1; }));
 *       for (const kid of kids) yield* wait(kid);
 *     });
 *     return () => expect(counter).toBe(3);
 *   }, { runs: 200 });
 *   expect(result.failure?.report).toBeUndefined(); // fails, printing the seed and its trace
 * });
 * ```
 */
export async function explore(program: Program, options: ExploreOptions = {}): Promise<ExploreResult> {
  const runs = options.runs ?? 100;
  const first = options.seed ?? 1;
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`explore: runs must be an integer >= 1, got ${describeValue(runs)}`);
  if (!Number.isInteger(first)) throw new TypeError(`explore: seed must be an integer, got ${describeValue(first)}`);
  for (let run = 0; run < runs; run++) {
    const outcome = await replay(program, first + run, options);
    if (!outcome.ok) {
      const { seed, error, lines } = outcome;
      return { ok: false, runs: run + 1, failure: { seed, run, error, lines, report: report(seed, run, runs, error, lines) } };
    }
  }
  return { ok: true, runs, failure: null };
}

/** The last lines of a failing trace shown in a report; the full trace is in `failure.lines`. */
const TAIL = 40;

function report(seed: number, run: number, runs: number, error: unknown, lines: string[]): string {
  const shown = lines.slice(-TAIL);
  const skipped = lines.length - shown.length;
  return [
    `explore: seed ${seed} (run ${run + 1} of ${runs}) failed: ${error instanceof Error ? `${error.name}: ${error.message}` : brief(error)}`,
    `replay it with replay(program, ${seed}). Trace${skipped > 0 ? ` (last ${TAIL} of ${lines.length} lines)` : ""}:`,
    ...shown.map((line) => `  ${line}`),
  ].join("\n");
}
