import { describeValue } from "../errors.js";
import type { SchedulingPolicy } from "../kernel/types.js";
import { mulberry32 } from "./choices.js";


/**
 * A {@link SchedulingPolicy} that picks among ready tasks with a seeded PRNG, and remembers its
 * seed and how many choices it made.
 */
export interface SeededPolicy extends SchedulingPolicy {
  readonly seed: number;
  /** Choices made so far among two or more ready tasks. */
  readonly choices: number;
  /** A seeded policy needs only the count. */
  pick(count: number, ready?: readonly number[]): number;
}

/**
 * A scheduling policy that picks which ready task (of the highest priority) runs next with a
 * seeded PRNG instead of FIFO. The same seed gives the same schedule for the same program, so a
 * failing interleaving found by {@link explore} replays exactly. A lone ready task costs no
 * random draw. Priorities are still honoured: the policy only chooses within the top level.
 *
 * @example
 * ```ts
 * const sched = new Scheduler({ clock: new VirtualClock(), policy: seededPolicy(42) });
 * // or: createTestScheduler({ seed: 42 })
 * ```
 */
export function seededPolicy(seed: number): SeededPolicy {
  if (typeof seed !== "number" || !Number.isInteger(seed)) {
    throw new TypeError(`seededPolicy(seed) expects an integer seed, got ${describeValue(seed)}`);
  }
  const next = mulberry32(seed);
  let choices = 0;
  return {
    seed,
    get choices() {
      return choices;
    },
    pick(count: number): number {
      if (count <= 1) return 0;
      choices++;
      return Math.floor(next() * count);
    },
  };
}
