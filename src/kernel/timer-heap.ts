/** An entry of a {@link TimerHeap}: ordered by `(at, seq)`, `index` is its slot (-1 when not queued). */
export interface HeapEntry {
  at: number;
  seq: number;
  index: number;
}

/**
 * Binary min-heap keyed by `(at, seq)`, with O(log n) removal of any entry through its stored
 * `index`. Entries are the caller's objects, so queueing allocates nothing.
 */
export class TimerHeap<T extends HeapEntry> {
  #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(entry: T): void {
    const items = this.#items;
    entry.index = items.length;
    items.push(entry);
    this.#up(entry.index);
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

  #removeAt(i: number): void {
    const items = this.#items;
    const removed = items[i];
    const last = items.pop()!;
    removed.index = -1;
    if (i < items.length) {
      items[i] = last;
      last.index = i;
      this.#down(i);
      this.#up(last.index);
    }
  }

  #less(a: T, b: T): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #up(i: number): void {
    const items = this.#items;
    const entry = items[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p];
      if (!this.#less(entry, parent)) break;
      items[i] = parent;
      parent.index = i;
      i = p;
    }
    items[i] = entry;
    entry.index = i;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const entry = items[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.#less(items[r], items[l]) ? r : l;
      const child = items[c];
      if (!this.#less(child, entry)) break;
      items[i] = child;
      child.index = i;
      i = c;
    }
    items[i] = entry;
    entry.index = i;
  }
}
