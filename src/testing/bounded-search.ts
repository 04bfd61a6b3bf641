/**
 * Delay-bounded systematic search (Emmi, Qadeer and Rakamarić, POPL 2011; the bounded
 * strategies of CHESS): the deterministic scheduler is FIFO (index 0), and picking the `i`-th
 * ready task instead costs `i` delays (it skips `i` tasks). With bound `B` it enumerates every
 * schedule whose decisions cost at most `B` delays in total, depth first, bound 0, 1, 2, ... in
 * turn, and knows when it has run them all. Stateless: each schedule is the list of decisions
 * up to its last delay, FIFO after it, and is replayed from scratch.
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

  /** Whether every schedule within {@link maxBound} delays has run. */
  get complete(): boolean {
    return this.#done;
  }

  /** The decisions of the next schedule to run, or `null` when the search is complete. */
  next(): number[] | null {
    return this.#done ? null : this.#pending;
  }

  /**
   * Takes what the run of {@link next}'s list actually decided (`choices`, with the option count
   * of each), and moves to the next schedule: the deepest decision that can take its next
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
      if (c < counts[p] && cost[p] + c <= this.#bound) {
        this.#pending = [...choices.slice(0, p), c];
        return;
      }
    }
    this.#covered = this.#bound;
    if (this.#bound >= this.maxBound) {
      this.#done = true;
      this.#pending = null;
    } else {
      this.#bound++;
      this.#pending = [];
    }
  }
}
