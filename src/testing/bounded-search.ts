import type { Decider } from "./choices.js";

/**
 * A {@link Decider} for {@link DelaySearch}: decisions are ranks in the order a deterministic
 * non-preemptive scheduler prefers ready tasks (the task that ran last if it is still ready,
 * then the rest in FIFO order), so rank 0 keeps a task running until it blocks or ends, and rank
 * `r` skips `r` preferred tasks: `r` delays. Ranks past the given list are 0. It records the
 * ranks it took and how many options each had.
 *
 * @example
 * ```ts
 * const d = delayDecider([0, 0, 1]); // the third decision skips the preferred task once
 * ```
 */
export function delayDecider(ranks: readonly number[]): Decider & { readonly taken: number[]; readonly counts: number[] } {
  let i = 0;
  let last = -1;
  const taken: number[] = [];
  const counts: number[] = [];
  const rank = (n: number) => {
    const r = ranks[i++] ?? 0;
    taken.push(r < n ? r : 0);
    counts.push(n);
    return r < n ? r : 0;
  };
  return {
    taken,
    counts,
    pick(count, ready) {
      let at = 0;
      if (count > 1) {
        const r = rank(count);
        const cont = ready.indexOf(last);
        at = cont < 0 ? r : r === 0 ? cont : r - 1 < cont ? r - 1 : r;
      }
      last = ready[at];
      return at;
    },
    draw: rank,
  };
}

/**
 * Delay-bounded systematic search (Emmi, Qadeer and Rakamarić, POPL 2011; the bounded
 * strategies of CHESS) over {@link delayDecider}'s ranks: the deterministic scheduler runs a
 * task until it blocks or ends, then the FIFO head; rank `r` costs `r` delays. With bound `B` it
 * enumerates every schedule whose decisions cost at most `B` delays in total, depth first, bound
 * 0, 1, 2, ... in turn, and knows when it has run them all. Stateless: each schedule is the list
 * of ranks up to its last delay, 0 after it, and is replayed from scratch.
 *
 * @example
 * ```ts
 * const search = new DelaySearch(2);
 * for (let list = search.next(); list !== null; list = search.next()) {
 *   const { choices, counts } = runWith(list);
 *   search.observe(choices, counts);
 * }
 * search.complete; // every schedule within 2 delays ran
 * ```
 */
export class DelaySearch {
  /** The largest bound to search. */
  readonly maxBound: number;
  #bound = 0;
  #pending: number[] | null = [];
  #done = false;
  /** Whether the bound cut off an option in this bound's pass (if not, the whole tree ran). */
  #pruned = false;
  /** Bounds fully covered so far (-1: none). */
  #covered = -1;

  constructor(maxBound: number) {
    this.maxBound = maxBound;
  }

  /** The bound being searched now. */
  get bound(): number {
    return this.#bound;
  }

  /** The largest bound whose every schedule has run, or -1. */
  get covered(): number {
    return this.#covered;
  }

  /** Whether every schedule within {@link maxBound} delays has run (or every schedule at all, when fewer). */
  get complete(): boolean {
    return this.#done;
  }

  /** The decisions of the next schedule to run, or `null` when the search is complete. */
  next(): number[] | null {
    return this.#done ? null : this.#pending;
  }

  /**
   * Takes the ranks the run of {@link next}'s list actually took (`choices`, with the option
   * count of each), and moves to the next schedule: the deepest decision that can take its next
   * option within the bound, everything after it FIFO.
   */
  observe(choices: readonly number[], counts: readonly number[]): void {
    const cost: number[] = [];
    let sum = 0;
    for (const c of choices) {
      cost.push(sum);
      sum += c;
    }
    for (let p = choices.length - 1; p >= 0; p--) {
      const c = choices[p] + 1;
      if (c >= counts[p]) continue;
      if (cost[p] + c <= this.#bound) {
        this.#pending = [...choices.slice(0, p), c];
        return;
      }
      this.#pruned = true;
    }
    this.#covered = this.#bound;
    if (this.#bound >= this.maxBound || !this.#pruned) {
      this.#done = true;
      this.#pending = null;
    } else {
      this.#bound++;
      this.#pruned = false;
      this.#pending = [];
    }
  }
}
