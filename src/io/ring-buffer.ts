/** The largest capacity a {@link RingBuffer} accepts: indices stay small integers for `&` masking. */
const MAX_CAPACITY = 2 ** 30;

/**
 * A fixed-capacity FIFO queue over a preallocated array. The capacity is a power of two, so a
 * slot index is `(head + i) & mask`: push, shift, peek and `at` are O(1) and allocate nothing.
 * Shifted slots are cleared so the garbage collector can take what they held.
 *
 * @example
 * ```ts
 * const q = new RingBuffer<string>(4);
 * q.push("a");
 * q.push("b");
 * q.peek();   // "a"
 * q.shift();  // "a"
 * q.at(0);    // "b"
 * q.size;     // 1
 * q.isFull;   // false
 * ```
 */
export class RingBuffer<T> {
  readonly #items: (T | undefined)[];
  readonly #mask: number;
  #head = 0;
  #size = 0;

  /** @param capacity a power of two from 1 to 2^30 */
  constructor(capacity: number) {
    if (
      typeof capacity !== "number" ||
      !Number.isInteger(capacity) ||
      capacity < 1 ||
      capacity > MAX_CAPACITY ||
      (capacity & (capacity - 1)) !== 0
    ) {
      throw new RangeError(
        `RingBuffer capacity must be a power of two from 1 to ${MAX_CAPACITY}, got ${String(capacity)}`,
      );
    }
    // Filled, not holey: every slot exists from the start, so pushes never grow the array.
    this.#items = new Array<T | undefined>(capacity).fill(undefined);
    this.#mask = capacity - 1;
  }

  get capacity(): number {
    return this.#mask + 1;
  }

  get size(): number {
    return this.#size;
  }

  get isFull(): boolean {
    return this.#size > this.#mask;
  }

  /** Appends `item` at the tail; throws a `RangeError` when full (check {@link isFull} first). */
  push(item: T): void {
    if (this.#size > this.#mask) {
      throw new RangeError(`RingBuffer is full (capacity ${this.#mask + 1})`);
    }
    this.#items[(this.#head + this.#size) & this.#mask] = item;
    this.#size++;
  }

  /** Removes and returns the head item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const head = this.#head;
    const item = this.#items[head];
    this.#items[head] = undefined;
    this.#head = (head + 1) & this.#mask;
    this.#size--;
    return item;
  }

  /** The head item without removing it, or `undefined` when empty. */
  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#head];
  }

  /** The item `i` places from the head (negative `i` counts from the tail, as `Array#at`). */
  at(i: number): T | undefined {
    const n = Math.trunc(i) || 0;
    const index = n < 0 ? this.#size + n : n;
    if (index < 0 || index >= this.#size) return undefined;
    return this.#items[(this.#head + index) & this.#mask];
  }

  /** Removes every item, clearing the slots it used. */
  clear(): void {
    for (let i = 0; i < this.#size; i++) this.#items[(this.#head + i) & this.#mask] = undefined;
    this.#head = 0;
    this.#size = 0;
  }
}
