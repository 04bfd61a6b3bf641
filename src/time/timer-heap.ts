/** An entry of a {@link TimerHeap}: `index` is its slot, -1 when not queued. */
export interface HeapEntry {
  index: number;
}

/** An empty array of unboxed doubles: starting from a double keeps its element kind fixed. */
function doubles(): number[] {
  const a = [0.5];
  a.length = 0;
  return a;
}

/**
 * A 4-ary min-heap keyed by `(at, seq)`, with O(log n) removal of any entry through its stored
 * `index`. Four children per node halve the depth, so a pop moves (and re-indexes) half as many
 * entries as a binary heap would; the extra comparisons read adjacent keys. Entries are the caller's objects, so queueing allocates nothing; the keys are kept in
 * arrays parallel to the entries, so comparisons read contiguous doubles instead of following a
 * pointer to each entry and another to its boxed `at`.
 */
export class TimerHeap<T extends HeapEntry> {
  #items: T[] = [];
  #at: number[] = doubles();
  #seq: number[] = doubles();

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  /** The earliest `at`, or `Infinity` when empty. */
  peekAt(): number {
    return this.#items.length === 0 ? Infinity : this.#at[0];
  }

  /** The `seq` of the earliest entry (valid when not empty). */
  peekSeq(): number {
    return this.#seq[0];
  }

  /** When a queued `entry` is due. */
  atOf(entry: T): number {
    return this.#at[entry.index];
  }

  push(entry: T, at: number, seq: number): void {
    this.#items.push(entry);
    this.#at.push(at);
    this.#seq.push(seq);
    this.#up(this.#items.length - 1, entry, at, seq);
  }

  pop(): T | undefined {
    const items = this.#items;
    if (items.length === 0) return undefined;
    const top = items[0];
    this.#removeAt(0);
    return top;
  }

  /** Removes `entry` if it is queued; returns whether it was. */
  remove(entry: T): boolean {
    const i = entry.index;
    if (i < 0 || this.#items[i] !== entry) return false;
    this.#removeAt(i);
    return true;
  }

  /** Moves the last entry into slot `i` and restores the order: up if it beats i's parent, else down. */
  #removeAt(i: number): void {
    const items = this.#items;
    items[i].index = -1;
    const last = items.pop()!;
    const at = this.#at.pop()!;
    const seq = this.#seq.pop()!;
    if (i === items.length) return;
    const p = (i - 1) >> 2;
    if (i > 0 && (at < this.#at[p] || (at === this.#at[p] && seq < this.#seq[p]))) this.#up(i, last, at, seq);
    else this.#down(i, last, at, seq);
  }

  /** Places `entry` with key `(at, seq)` at or above hole `i`. */
  #up(i: number, entry: T, at: number, seq: number): void {
    const items = this.#items;
    const ats = this.#at;
    const seqs = this.#seq;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pAt = ats[p];
      if (!(at < pAt || (at === pAt && seq < seqs[p]))) break;
      this.#put(i, items[p], pAt, seqs[p]);
      i = p;
    }
    this.#put(i, entry, at, seq);
  }

  /** Places `entry` with key `(at, seq)` at or below hole `i`. */
  #down(i: number, entry: T, at: number, seq: number): void {
    const items = this.#items;
    const ats = this.#at;
    const seqs = this.#seq;
    const n = items.length;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let c = first;
      const end = Math.min(first + 4, n);
      for (let k = first + 1; k < end; k++) if (ats[k] < ats[c] || (ats[k] === ats[c] && seqs[k] < seqs[c])) c = k;
      const cAt = ats[c];
      if (!(cAt < at || (cAt === at && seqs[c] < seq))) break;
      this.#put(i, items[c], cAt, seqs[c]);
      i = c;
    }
    this.#put(i, entry, at, seq);
  }

  /** Stores `entry` and its key in slot `i`. */
  #put(i: number, entry: T, at: number, seq: number): void {
    this.#items[i] = entry;
    this.#at[i] = at;
    this.#seq[i] = seq;
    entry.index = i;
  }
}
