import { describeValue } from "../errors.js";
import type { RunSetup } from "./explore-run.js";
import type { TestSchedulerOptions } from "./test-scheduler.js";

/**
 * How {@link explore} picks schedules: `"pct"` (the default: PCT with a bug depth), `"random"`
 * (the seeded random walk), `"bounded"` (every schedule within a delay bound, then says so).
 */
export type Strategy = "random" | "pct" | "bounded";

/** The default strategy of {@link explore} and {@link replay}. */
export const DEFAULT_STRATEGY: Strategy = "pct";
/** The default PCT bug depth. */
export const DEFAULT_DEPTH = 3;

/**
 * Options of {@link replay} (and {@link explore}): the strategy and its parameters, and how runs
 * are set up.
 *
 * @example
 * ```ts
 * await replay(program, 17, { strategy: "pct", depth: 3, steps: 140 });
 * ```
 */
export interface ReplayOptions {
  /** Test-scheduler options for every run (but not `seed`/`policy`). */
  scheduler?: Omit<TestSchedulerOptions, "seed" | "policy">;
  /** Default `"pct"`. */
  strategy?: Strategy;
  /** PCT bug depth d (d − 1 priority change points). Default 3. */
  depth?: number;
  /** PCT's k, the steps a run is expected to take. Default: the steps of one FIFO run of the program. */
  steps?: number;
  /** PCT steps after which picks are uniform random (spin-waits end). Default 4k + 100. */
  budget?: number;
  /** PCT ranks task classes (same name) instead of tasks in half the runs. Default true. */
  classes?: boolean;
  /** Extra virtual ms in [0, jitter] on each scripted op's latency (`scheduler.io`), chosen by the strategy. Default 0. */
  jitter?: number;
  /** A run that passes this many scheduling steps fails with a `LivelockError`. Default 200,000. */
  maxSteps?: number;
}

/**
 * Options of {@link explore}.
 *
 * @example
 * ```ts
 * await explore(program, { runs: 500, seed: 1000, scheduler: { ring: { entries: 4 } } });
 * await explore(program, { strategy: "bounded", bound: 2, runs: 5_000 });
 * ```
 */
export interface ExploreOptions extends ReplayOptions {
  /** How many runs to make. Default 100. */
  runs?: number;
  /** The first seed; run `i` uses `seed + i`. Default 1. */
  seed?: number;
  /** `"bounded"`: the largest number of delays (skipped FIFO choices) per schedule. Default: no limit but `runs`. */
  bound?: number;
  /** Replays allowed to shrink a failing schedule; `false` or 0 reports it unshrunk. Default 300. */
  shrink?: number | false;
}

/** Checks the run-setup options and makes the {@link RunSetup} of every run. */
export function setupOf(options: ReplayOptions): RunSetup {
  const { maxSteps = 200_000, jitter = 0 } = options;
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new RangeError(`explore: maxSteps must be an integer >= 1, got ${describeValue(maxSteps)}`);
  if (!Number.isInteger(jitter) || jitter < 0) throw new RangeError(`explore: jitter must be an integer number of ms >= 0, got ${describeValue(jitter)}`);
  return { scheduler: options.scheduler, jitter, maxSteps };
}

/** Checks the strategy options; returns the strategy. */
export function checkStrategy(options: ReplayOptions): Strategy {
  const s = options.strategy ?? DEFAULT_STRATEGY;
  if (s !== "random" && s !== "pct" && s !== "bounded") {
    throw new TypeError(`explore: strategy must be "pct", "random" or "bounded", got ${describeValue(s)}`);
  }
  const depth = options.depth ?? DEFAULT_DEPTH;
  if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`explore: depth must be an integer >= 1, got ${describeValue(depth)}`);
  if (options.steps !== undefined && (!Number.isInteger(options.steps) || options.steps < 1)) {
    throw new RangeError(`explore: steps must be an integer >= 1 (PCT's k), got ${describeValue(options.steps)}`);
  }
  const { budget, classes } = options;
  if (budget !== undefined && !(typeof budget === "number" && budget >= 0 && (Number.isInteger(budget) || budget === Infinity))) {
    throw new RangeError(`explore: budget must be an integer number of steps >= 0, got ${describeValue(budget)}`);
  }
  if (classes !== undefined && typeof classes !== "boolean") throw new TypeError(`explore: classes must be true or false, got ${describeValue(classes)}`);
  return s;
}
