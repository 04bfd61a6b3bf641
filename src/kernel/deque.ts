/**
 * A growable FIFO over a power-of-two ring of slots: push and shift are O(1) amortized, and a
 * queue that has reached its working size allocates nothing more.
 */
export class Deque<T> {
  #slots: (T | undefined)[];
  #mask: number;
  #head = 0;
  #size = 0;

  constructor(initialCapacity = 16) {
    let cap = 4;
    while (cap < initialCapacity) cap <<= 1;
    this.#slots = new Array<T | undefined>(cap);
    this.#mask = cap - 1;
  }

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    if (this.#size > this.#mask) this.#grow();
    this.#slots[(this.#head + this.#size) & this.#mask] = item;
    this.#size++;
  }

  /** Puts `item` at the front. */
  unshift(item: T): void {
    if (this.#size > this.#mask) this.#grow();
    this.#head = (this.#head - 1) & this.#mask;
    this.#slots[this.#head] = item;
    this.#size++;
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const i = this.#head;
    const item = this.#slots[i];
    this.#slots[i] = undefined;
    this.#head = (i + 1) & this.#mask;
    this.#size--;
    return item;
  }

  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#slots[this.#head];
  }

  /** Removes the first occurrence of `item`; O(n), for rare paths (kill, pause). */
  remove(item: T): boolean {
    for (let k = 0; k < this.#size; k++) {
      if (this.#slots[(this.#head + k) & this.#mask] === item) {
        this.removeAt(k);
        return true;
      }
    }
    return false;
  }

  /** Removes and returns the `k`-th item from the front; O(n - k). */
  removeAt(k: number): T | undefined {
    const n = this.#size;
    if (k < 0 || k >= n) return undefined;
    const item = this.#slots[(this.#head + k) & this.#mask];
    for (let j = k; j < n - 1; j++) {
      this.#slots[(this.#head + j) & this.#mask] = this.#slots[(this.#head + j + 1) & this.#mask];
    }
    this.#slots[(this.#head + n - 1) & this.#mask] = undefined;
    this.#size--;
    return item;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let k = 0; k < this.#size; k++) yield this.#slots[(this.#head + k) & this.#mask] as T;
  }

  #grow(): void {
    const old = this.#slots;
    const cap = old.length * 2;
    const slots = new Array<T | undefined>(cap);
    for (let k = 0; k < this.#size; k++) slots[k] = old[(this.#head + k) & this.#mask];
    this.#slots = slots;
    this.#mask = cap - 1;
    this.#head = 0;
  }
}
