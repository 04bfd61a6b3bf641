/** An empty array of unboxed doubles: starting from a double keeps its element kind fixed. */
function doubles(): number[] {
  const a = [0.5];
  a.length = 0;
  return a;
}

/**
 * A 4-ary min-heap of sleepers keyed by `(at, seq)` that never writes into its entries. An entry
 * holds no slot number; its `seq` is its ticket, which the owner keeps (a task keeps it in
 * `blockedOn`) and which {@link isLive} checks. Removal is lazy: {@link drop} only counts a stale
 * entry; a stale entry that reaches the top is discarded there, so the top is always live, and
 * once stale entries are more than half the heap the live ones are rebuilt into a fresh heap
 * (O(n), paid for by the n/2 removals before it), so a removed entry is not kept alive for long.
 *
 * A pop moves only the parallel key arrays and the entry pointers: a heap of a million sleepers
 * touches one entry per pop (the one it returns), not one per level.
 */
export class SleepHeap<T> {
  #items: T[] = [];
  #at: number[] = doubles();
  #seq: number[] = doubles();
  #stale = 0;
  readonly #isLive: (entry: T, seq: number) => boolean;
  /** `at` by `seq`, built on the first {@link atOf} after a change: `ps()` asks for every sleeper. */
  #atBySeq: Map<number, number> | null = null;

  /** @param isLive whether `entry` still holds ticket `seq` (false once it was dropped or woken otherwise). */
  constructor(isLive: (entry: T, seq: number) => boolean) {
    this.#isLive = isLive;
  }

  /** Live entries. */
  get size(): number {
    return this.#items.length - this.#stale;
  }

  /** Entries stored, stale ones included. */
  get stored(): number {
    return this.#items.length;
  }

  /** The earliest `at`, or `Infinity` when empty. The top is always live. */
  peekAt(): number {
    return this.#items.length === 0 ? Infinity : this.#at[0];
  }

  /** The `seq` of the earliest entry (valid when not empty). */
  peekSeq(): number {
    return this.#seq[0];
  }

  /** When the live entry with ticket `seq` is due; `NaN` if there is none. O(n) after a change, then O(1). */
  atOf(seq: number): number {
    if (this.#atBySeq === null) {
      const m = new Map<number, number>();
      for (let i = 0; i < this.#items.length; i++) m.set(this.#seq[i], this.#at[i]);
      this.#atBySeq = m;
    }
    return this.#atBySeq.get(seq) ?? NaN;
  }

  /** Queues `entry` at `(at, seq)`; the caller keeps `seq` as the entry's ticket. */
  push(entry: T, at: number, seq: number): void {
    this.#atBySeq = null;
    const items = this.#items;
    const ats = this.#at;
    const seqs = this.#seq;
    let i = items.length;
    items.push(entry);
    ats.push(at);
    seqs.push(seq);
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pAt = ats[p];
      if (!(at < pAt || (at === pAt && seq < seqs[p]))) break;
      items[i] = items[p];
      ats[i] = pAt;
      seqs[i] = seqs[p];
      i = p;
    }
    items[i] = entry;
    ats[i] = at;
    seqs[i] = seq;
  }

  /** Takes the earliest live entry. */
  pop(): T | undefined {
    if (this.#items.length === 0) return undefined;
    const top = this.#items[0];
    this.#popTop();
    this.#discardStaleTop();
    return top;
  }

  /**
   * Tells the heap that one of its entries went stale: its owner gave up the ticket (so that
   * `isLive` now says no) and will never take it back.
   */
  drop(): void {
    this.#atBySeq = null;
    this.#stale++;
    this.#discardStaleTop();
    if (this.#stale > 32 && this.#stale * 2 > this.#items.length) this.#compact();
  }

  #discardStaleTop(): void {
    const items = this.#items;
    while (items.length > 0 && !this.#isLive(items[0], this.#seq[0])) {
      this.#popTop();
      this.#stale--;
    }
  }

  /** Removes slot 0: the last entry goes into the hole and sinks. */
  #popTop(): void {
    this.#atBySeq = null;
    const last = this.#items.pop()!;
    const at = this.#at.pop()!;
    const seq = this.#seq.pop()!;
    if (this.#items.length === 0) return;
    this.#sink(0, last, at, seq);
  }

  /** Keeps the live entries only and rebuilds the heap from them (Floyd's heapify, O(n)). */
  #compact(): void {
    const items = this.#items;
    const ats = this.#at;
    const seqs = this.#seq;
    const keptItems: T[] = [];
    const keptAt = doubles();
    const keptSeq = doubles();
    for (let i = 0; i < items.length; i++) {
      if (!this.#isLive(items[i], seqs[i])) continue;
      keptItems.push(items[i]);
      keptAt.push(ats[i]);
      keptSeq.push(seqs[i]);
    }
    this.#items = keptItems;
    this.#at = keptAt;
    this.#seq = keptSeq;
    this.#stale = 0;
    for (let i = (keptItems.length - 2) >> 2; i >= 0; i--) this.#sink(i, keptItems[i], keptAt[i], keptSeq[i]);
  }

  /** Places `entry` with key `(at, seq)` at or below hole `i`. */
  #sink(i: number, entry: T, at: number, seq: number): void {
    const items = this.#items;
    const ats = this.#at;
    const seqs = this.#seq;
    const n = items.length;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let c = first;
      let cAt = ats[first];
      const end = first + 4 < n ? first + 4 : n;
      for (let k = first + 1; k < end; k++) {
        const kAt = ats[k];
        if (kAt < cAt || (kAt === cAt && seqs[k] < seqs[c])) {
          c = k;
          cAt = kAt;
        }
      }
      if (!(cAt < at || (cAt === at && seqs[c] < seq))) break;
      items[i] = items[c];
      ats[i] = cAt;
      seqs[i] = seqs[c];
      i = c;
    }
    items[i] = entry;
    ats[i] = at;
    seqs[i] = seq;
  }
}
