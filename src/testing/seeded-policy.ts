import { describeValue } from "../errors.js";
import type { SchedulingPolicy } from "../kernel/types.js";

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
 * mulberry32: a 32-bit PRNG, tiny and fast, good enough to shuffle schedules. Returns floats in
 * [0, 1). Same seed, same sequence, on every JavaScript engine.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
