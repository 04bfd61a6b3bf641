import type { Decider } from "./choices.js";
import { mulberry32 } from "./choices.js";

/**
 * Parameters of {@link pctDecider}.
 *
 * @example
 * ```ts
 * const options: PctOptions = { seed: 7, depth: 3, steps: 120 };
 * ```
 */
export interface PctOptions {
  seed: number;
  /** The bug depth d: d − 1 priority change points. Default 3. */
  depth?: number;
  /** k, the estimated number of scheduling steps of a run; change points fall in [1, k]. */
  steps: number;
  /** Steps after which picks are uniform random, so a spin-wait cannot starve its waker. Default 4k + 100. */
  budget?: number;
  /**
   * Whether half the runs rank task classes (tasks with the same name, say 100 forks of one
   * generator function) instead of single tasks: the class order is random, a change point
   * lowers the whole class. Default true.
   */
  classes?: boolean;
  /** The name of a task, for classes. */
  nameOf?: (tid: number) => string | undefined;
}

/**
 * PCT (probabilistic concurrency testing, Burckhardt et al., ASPLOS 2010) as a {@link Decider}:
 * every task gets a random priority when it is first seen ready, the highest-priority ready task
 * runs, and at d − 1 random steps in [1, k] the task about to run drops below every initial
 * priority (so it is preempted there). A bug of depth d (d ordering constraints between steps)
 * is found with probability at least 1/(n·k^(d−1)) per run, whatever the run length, where a
 * random walk's chance falls exponentially with it.
 *
 * Two additions: after `budget` steps picks turn uniform random (pure PCT livelocks on
 * `while (!flag) yield;` when the spinner outranks the task that sets the flag), and in half
 * the runs (`classes`) priorities rank task classes by name, so among 100 identical workers and
 * one checker the checker is on top in half of those runs instead of 1 in 101.
 *
 * @example
 * ```ts
 * const d = pctDecider({ seed: 1, depth: 3, steps: 200 });
 * createTestScheduler({ policy: new RunRecorder(d, 100_000, false) });
 * ```
 */
export function pctDecider(options: PctOptions): Decider {
  const { seed, depth = 3, steps: k } = options;
  const budget = options.budget ?? 4 * k + 100;
  const next = mulberry32(seed);
  const classMode = (options.classes ?? true) && next() < 0.5;
  const nameOf = options.nameOf ?? (() => undefined);
  const changes = new Set<number>();
  for (let i = 1; i < depth; i++) changes.add(1 + Math.floor(next() * Math.max(1, k)));
  /** Priority per key (a tid, or a class name); lowered keys are negative. */
  const priority = new Map<unknown, number>();
  /** Within a class, a task's own rank. */
  const tie = new Map<number, number>();
  const keyOf = (tid: number): unknown => (classMode ? (nameOf(tid) ?? tid) : tid);
  const rank = (key: unknown): number => {
    let p = priority.get(key);
    if (p === undefined) priority.set(key, (p = 1 + next()));
    return p;
  };
  const tieOf = (tid: number): number => {
    let t = tie.get(tid);
    if (t === undefined) tie.set(tid, (t = next()));
    return t;
  };
  const best = (count: number, ready: readonly number[]): number => {
    let at = 0;
    let p = rank(keyOf(ready[0]));
    let t = classMode ? tieOf(ready[0]) : 0;
    for (let i = 1; i < count; i++) {
      const q = rank(keyOf(ready[i]));
      const u = classMode ? tieOf(ready[i]) : 0;
      if (q > p || (q === p && u > t)) {
        at = i;
        p = q;
        t = u;
      }
    }
    return at;
  };
  return {
    pick(count, ready, step) {
      if (step > budget) return count <= 1 ? 0 : Math.floor(next() * count);
      let at = best(count, ready);
      if (changes.has(step)) {
        priority.set(keyOf(ready[at]), -next());
        if (count > 1) at = best(count, ready);
      }
      return at;
    },
    draw: (n) => Math.floor(next() * n),
  };
}
