import { deviations, trimChoices } from "./choices.js";

/** Replays a decision list; returns the decisions the run took if it failed the same way, else `null`. */
export type Attempt = (choices: number[]) => Promise<number[] | null>;

/** What {@link shrinkSchedule} found. */
export interface Shrunk {
  choices: number[];
  /** Replays it made. */
  replays: number;
}

/** Whether `a` is a smaller schedule than `b`: fewer deviations from FIFO, then fewer delays, then shorter. */
function smaller(a: readonly number[], b: readonly number[]): boolean {
  const da = deviations(a);
  const db = deviations(b);
  if (da !== db) return da < db;
  const sa = a.reduce((x, y) => x + y, 0);
  const sb = b.reduce((x, y) => x + y, 0);
  if (sa !== sb) return sa < sb;
  return a.length < b.length;
}

/**
 * Minimizes a failing schedule, Hypothesis-style, on its decision list: first cut everything
 * after a deviation (FIFO from there), then turn single deviations into FIFO choices, then lower
 * the index of those left (fewer skipped tasks), keeping each change only if the run still
 * fails the same way and the list got smaller. At most `budget` replays.
 *
 * @example
 * ```ts
 * const { choices } = await shrinkSchedule([2, 0, 1, 1, 3], attempt, 200);
 * ```
 */
export async function shrinkSchedule(initial: readonly number[], attempt: Attempt, budget: number): Promise<Shrunk> {
  let best = trimChoices(initial);
  let replays = 0;
  const tryList = async (list: number[]): Promise<boolean> => {
    if (replays >= budget) return false;
    replays++;
    const got = await attempt(list);
    if (got === null) return false;
    const trimmed = trimChoices(got);
    if (!smaller(trimmed, best)) return false;
    best = trimmed;
    return true;
  };
  // 1. The shortest prefix (then FIFO) that still fails.
  for (let i = 0; i < best.length && replays < budget; i++) {
    if (best[i] !== 0 && (await tryList(best.slice(0, i)))) break;
  }
  // 2. and 3. Single deviations to FIFO, then to a lower index, until nothing helps.
  for (let changed = true; changed && replays < budget; ) {
    changed = false;
    for (let i = best.length - 1; i >= 0 && replays < budget; i--) {
      if (i >= best.length || best[i] === 0) continue;
      const zero = best.slice();
      zero[i] = 0;
      if (await tryList(zero)) {
        changed = true;
        continue;
      }
      if (best[i] > 1) {
        const lower = best.slice();
        lower[i] = 1;
        if (await tryList(lower)) changed = true;
      }
    }
  }
  return { choices: best, replays };
}
