import { describeValue } from "../errors.js";
import type { Scheduler } from "../kernel/scheduler.js";
import { DelaySearch, delayDecider } from "./bounded-search.js";
import { decodeSchedule, deviations, encodeSchedule, listDecider, randomDecider, type Decider } from "./choices.js";
import { errorKind, runOnce, type Program, type RunRecord, type RunSetup } from "./explore-run.js";
import { formatReport } from "./explore-report.js";
import { pctDecider } from "./pct.js";
import { shrinkSchedule } from "./shrink.js";
import type { TestSchedulerOptions } from "./test-scheduler.js";
import type { Trace } from "./trace.js";

export type { Program } from "./explore-run.js";

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

function outcome(seed: number, r: RunRecord): RunOutcome {
  let lines: string[] | null = null;
  const { t } = r;
  return {
    seed,
    ok: r.ok,
    error: r.error,
    get lines() {
      return (lines ??= t.trace.lines());
    },
    trace: t.trace,
    sched: t.sched,
    schedule: encodeSchedule(r.choices),
    steps: r.steps,
  };
}

function setupOf(options: ReplayOptions): RunSetup {
  const { maxSteps = 200_000, jitter = 0 } = options;
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new RangeError(`explore: maxSteps must be an integer >= 1, got ${describeValue(maxSteps)}`);
  if (!Number.isInteger(jitter) || jitter < 0) throw new RangeError(`explore: jitter must be an integer number of ms >= 0, got ${describeValue(jitter)}`);
  return { scheduler: options.scheduler, jitter, maxSteps };
}

function checkStrategy(options: ReplayOptions): Strategy {
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

/** A PCT decider for `seed`; `names` is filled with task names as the run spawns them. */
function pct(seed: number, k: number, options: ReplayOptions, names: Map<number, string>): Decider {
  const { depth = DEFAULT_DEPTH, budget, classes } = options;
  return pctDecider({ seed, depth, steps: k, budget, classes, nameOf: (tid) => names.get(tid) });
}

/**
 * Runs `program` once. A number replays a seed of the strategy (`options.strategy`, default
 * `"pct"`; PCT measures k with one FIFO run unless `steps` is given, and returns that run if it
 * fails, as {@link explore} does); a string replays a schedule from a report. The same seed or
 * schedule with the same options gives the same run, trace line for trace line.
 *
 * @example
 * ```ts
 * const { failure } = await explore(program, { runs: 200 });
 * const again = await replay(program, failure!.seed);
 * expect(again.lines).toEqual(failure!.lines);
 * await replay(program, failure!.shrunk!.schedule); // the shrunk schedule
 * ```
 */
export async function replay(program: Program, seed: number | string, options: ReplayOptions = {}): Promise<RunOutcome> {
  if (typeof program !== "function") {
    throw new TypeError(`replay/explore expects a program function ({ sched }) => ..., got ${describeValue(program)}`);
  }
  const setup = setupOf(options);
  if (typeof seed === "string") return outcome(NaN, await runOnce(program, listDecider(decodeSchedule(seed)), setup));
  if (!Number.isInteger(seed)) throw new TypeError(`replay: seed must be an integer or a schedule string, got ${describeValue(seed)}`);
  const strategy = checkStrategy(options);
  if (strategy === "bounded") throw new TypeError(`replay: a "bounded" run replays from its schedule string (failure.schedule), not from seed ${seed}`);
  if (strategy === "random") return outcome(seed, await runOnce(program, randomDecider(seed), setup));
  let k = options.steps;
  if (k === undefined) {
    const fifo = await runOnce(program, listDecider([]), setup);
    if (!fifo.ok) return outcome(seed, fifo);
    k = fifo.steps;
  }
  const names = new Map<number, string>();
  return outcome(seed, await runOnce(program, pct(seed, k, options, names), setup, false, names));
}

/**
 * Interleaving exploration: runs `program` under `runs` schedules, each on a fresh test
 * scheduler, and reports the first failure, shrunk to the fewest deviations from FIFO order,
 * with its seed, strategy and schedule string, so {@link replay} reproduces it exactly.
 * Strategies: `"pct"` (default; PCT with bug depth `depth`), `"random"` (seeded random walk),
 * `"bounded"` (every schedule within `bound` delays; `complete` says when all ran).
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
 *   expect(result.failure?.report).toBeUndefined(); // fails, printing the seed, shrunk schedule and trace
 * });
 * ```
 */
export async function explore(program: Program, options: ExploreOptions = {}): Promise<ExploreResult> {
  if (typeof program !== "function") {
    throw new TypeError(`replay/explore expects a program function ({ sched }) => ..., got ${describeValue(program)}`);
  }
  const runs = options.runs ?? 100;
  const first = options.seed ?? 1;
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`explore: runs must be an integer >= 1, got ${describeValue(runs)}`);
  if (!Number.isInteger(first)) throw new TypeError(`explore: seed must be an integer, got ${describeValue(first)}`);
  const strategy = checkStrategy(options);
  const bound = options.bound ?? Infinity;
  if (bound !== Infinity && (!Number.isInteger(bound) || bound < 0)) throw new RangeError(`explore: bound must be an integer >= 0, got ${describeValue(bound)}`);
  const { shrink } = options;
  if (shrink !== undefined && shrink !== false && !(Number.isInteger(shrink) && shrink >= 0)) {
    throw new RangeError(`explore: shrink must be false or a number of replays >= 0, got ${describeValue(shrink)}`);
  }
  const setup = setupOf(options);
  const found = (seed: number, run: number, r: RunRecord, s: Strategy | "fifo", k?: number) =>
    failureOf(program, options, setup, { seed, run, runs, record: r, strategy: s, steps: k });

  let k = options.steps ?? 0;
  if (strategy === "pct" && options.steps === undefined) {
    const fifo = await runOnce(program, listDecider([]), setup);
    if (!fifo.ok) return { ok: false, runs: 1, failure: await found(first, 0, fifo, "fifo") };
    k = fifo.steps;
  }
  const search = strategy === "bounded" ? new DelaySearch(bound) : null;
  for (let run = 0; run < runs; run++) {
    const seed = first + run;
    const names = new Map<number, string>();
    let decider: Decider;
    let delays: ReturnType<typeof delayDecider> | null = null;
    if (search !== null) {
      const list = search.next();
      if (list === null) return { ok: true, runs: run, failure: null, complete: true, bound: search.covered };
      decider = delays = delayDecider(list);
    } else {
      decider = strategy === "random" ? randomDecider(seed) : pct(seed, k, options, names);
    }
    const r = await runOnce(program, decider, setup, false, names);
    if (delays !== null) search!.observe(delays.taken, delays.counts);
    if (!r.ok) {
      const failure = await found(seed, run, r, strategy, strategy === "pct" ? k : undefined);
      return search === null ? { ok: false, runs: run + 1, failure } : { ok: false, runs: run + 1, failure, complete: false, bound: search.covered };
    }
  }
  return search === null ? { ok: true, runs, failure: null } : { ok: true, runs, failure: null, complete: search.complete, bound: search.covered };
}

interface Found {
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

async function failureOf(program: Program, options: ExploreOptions, setup: RunSetup, f: Found): Promise<ExploreFailure> {
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
