import type { IoEntry } from "./entry.js";

/**
 * The ops in flight, each at index `entry.slot`, swap-removed: O(1) either way, no map per op.
 * The array never shrinks. `Array#pop` trims the backing store of a shrinking array, and the next
 * pushes grow it again: with 64 ops coming and going per `enter()`, that was 13% of W6's time.
 */
export class InFlight {
  #entries: (IoEntry | undefined)[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(entry: IoEntry): void {
    entry.slot = this.#size;
    if (this.#size < this.#entries.length) this.#entries[this.#size] = entry;
    else this.#entries.push(entry);
    this.#size++;
  }

  remove(entry: IoEntry): void {
    const lastSlot = --this.#size;
    const last = this.#entries[lastSlot]!;
    this.#entries[lastSlot] = undefined;
    if (last !== entry) {
      this.#entries[entry.slot] = last;
      last.slot = entry.slot;
    }
    entry.slot = -1;
  }

  find(seq: number): IoEntry | undefined {
    for (let i = 0; i < this.#size; i++) if (this.#entries[i]!.seq === seq) return this.#entries[i];
    return undefined;
  }

  /** A copy of the ops in flight. */
  toArray(): IoEntry[] {
    return this.#entries.slice(0, this.#size) as IoEntry[];
  }
}

/** The op with this seq in the link chains that start at `heads`. */
export function findInChains(heads: readonly IoEntry[], seq: number): IoEntry | undefined {
  for (const head of heads) {
    for (let n: IoEntry | null = head; n !== null; n = n.next) if (n.seq === seq) return n;
  }
  return undefined;
}
