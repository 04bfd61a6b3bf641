import { describeValue } from "../errors.js";
import { DelaySearch, delayDecider } from "./bounded-search.js";
import { decodeSchedule, encodeSchedule, listDecider, randomDecider, type Decider } from "./choices.js";
import { failureOf, type ExploreResult, type RunOutcome } from "./explore-failure.js";
import { checkStrategy, DEFAULT_DEPTH, setupOf, type ExploreOptions, type ReplayOptions, type Strategy } from "./explore-options.js";
import { runOnce, type Program, type RunRecord } from "./explore-run.js";
import { pctDecider } from "./pct.js";

export type { Program } from "./explore-run.js";
export { DEFAULT_DEPTH, DEFAULT_STRATEGY, type ExploreOptions, type ReplayOptions, type Strategy } from "./explore-options.js";
export type { ExploreFailure, ExploreResult, RunOutcome, ShrunkFailure } from "./explore-failure.js";

/** A run as {@link replay} returns it; its trace lines are formatted only when read. */
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
