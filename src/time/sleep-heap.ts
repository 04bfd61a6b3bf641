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
  /** `at` and `seq` of slot i at 2i and 2i + 1: one cache line holds the keys of four children. */
  #keys: number[] = doubles();
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
    return this.#items.length === 0 ? Infinity : this.#keys[0];
  }

  /** The `seq` of the earliest entry (valid when not empty). */
  peekSeq(): number {
    return this.#keys[1];
  }

  /** When the live entry with ticket `seq` is due; `NaN` if there is none. O(n) after a change, then O(1). */
  atOf(seq: number): number {
    if (this.#atBySeq === null) {
      const m = new Map<number, number>();
      for (let i = 0; i < this.#items.length; i++) m.set(this.#keys[2 * i + 1], this.#keys[2 * i]);
      this.#atBySeq = m;
    }
    return this.#atBySeq.get(seq) ?? NaN;
  }

  /** Queues `entry` at `(at, seq)`; the caller keeps `seq` as the entry's ticket. */
  push(entry: T, at: number, seq: number): void {
    this.#atBySeq = null;
    const items = this.#items;
    const keys = this.#keys;
    let i = items.length;
    items.push(entry);
    keys.push(at, seq);
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pAt = keys[2 * p];
      if (!(at < pAt || (at === pAt && seq < keys[2 * p + 1]))) break;
      items[i] = items[p];
      keys[2 * i] = pAt;
      keys[2 * i + 1] = keys[2 * p + 1];
      i = p;
    }
    items[i] = entry;
    keys[2 * i] = at;
    keys[2 * i + 1] = seq;
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
    while (items.length > 0 && !this.#isLive(items[0], this.#keys[1])) {
      this.#popTop();
      this.#stale--;
    }
  }

  /** Removes slot 0: the last entry goes into the hole and sinks. */
  #popTop(): void {
    this.#atBySeq = null;
    const last = this.#items.pop()!;
    const seq = this.#keys.pop()!;
    const at = this.#keys.pop()!;
    if (this.#items.length === 0) return;
    this.#sink(0, last, at, seq);
  }

  /** Keeps the live entries only and rebuilds the heap from them (Floyd's heapify, O(n)). */
  #compact(): void {
    const items = this.#items;
    const keys = this.#keys;
    const keptItems: T[] = [];
    const keptKeys = doubles();
    for (let i = 0; i < items.length; i++) {
      if (!this.#isLive(items[i], keys[2 * i + 1])) continue;
      keptItems.push(items[i]);
      keptKeys.push(keys[2 * i], keys[2 * i + 1]);
    }
    this.#items = keptItems;
    this.#keys = keptKeys;
    this.#stale = 0;
    for (let i = (keptItems.length - 2) >> 2; i >= 0; i--) this.#sink(i, keptItems[i], keptKeys[2 * i], keptKeys[2 * i + 1]);
  }

  /** Places `entry` with key `(at, seq)` at or below hole `i`. */
  #sink(i: number, entry: T, at: number, seq: number): void {
    const items = this.#items;
    const keys = this.#keys;
    const n = items.length;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let c = first;
      let cAt = keys[2 * first];
      const end = first + 4 < n ? first + 4 : n;
      for (let k = first + 1; k < end; k++) {
        const kAt = keys[2 * k];
        if (kAt < cAt || (kAt === cAt && keys[2 * k + 1] < keys[2 * c + 1])) {
          c = k;
          cAt = kAt;
        }
      }
      if (!(cAt < at || (cAt === at && keys[2 * c + 1] < seq))) break;
      items[i] = items[c];
      keys[2 * i] = cAt;
      keys[2 * i + 1] = keys[2 * c + 1];
      i = c;
    }
    items[i] = entry;
    keys[2 * i] = at;
    keys[2 * i + 1] = seq;
  }
}
