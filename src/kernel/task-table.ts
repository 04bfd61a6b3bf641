/** Tids per page. */
const PAGE = 1024;

/**
 * The times kept per task, in ms on the scheduler clock. Running time is here too, not on the
 * task: it is added to every 64 slices, and once it holds a fraction a task field would point to
 * a 16-byte heap number of its own (BENCHMARKS.md, round two).
 */
export const enum Time {
  Created = 0,
  Started = 1,
  /** Blocked or paused; see `Task.off`. */
  Blocked = 2,
  Running = 3,
}
const TIMES = 4;

class Page<T> {
  readonly slots: (T | undefined)[] = new Array<T | undefined>(PAGE);
  /**
   * `TIMES` per slot, so records hold no double fields (each a 16-byte heap number). An array of
   * unboxed doubles (a first fill with NaN makes it one), on the heap unlike a Float64Array's
   * backing store, so heap figures count it. Zeroed once: a slot is never reused.
   */
  readonly times = new Array<number>(PAGE * TIMES).fill(NaN).fill(0);
  live = 0;
}

/**
 * The kernel's records by tid. Tids are handed out in increasing order from 1, so the table is an
 * array of pages of 1,024 slots: `get`, `set` and `delete` are O(1) array accesses, and a page is
 * freed once every tid it holds has been handed out and deleted. What stays behind is one
 * directory entry (8 bytes) per 1,024 tids ever made. Each page also holds its tasks' {@link Time}s.
 */
export class TaskTable<T> {
  #pages: (Page<T> | undefined)[] = [];
  /** The page of the newest tid: pages below it get no new tids. */
  #top = 0;

  /** The record of `tid`; `undefined` for any other value (non-integers, unknown or freed tids). */
  get(tid: number): T | undefined {
    if (!(tid > 0) || !Number.isInteger(tid)) return undefined;
    return this.#pages[Math.floor(tid / PAGE)]?.slots[tid % PAGE];
  }

  /** Adds the record of a new tid, greater than every tid added before. */
  add(tid: number, record: T): void {
    const index = Math.floor(tid / PAGE);
    let page = this.#pages[index];
    if (page === undefined) {
      page = new Page<T>();
      this.#pages[index] = page;
      const previous = this.#pages[this.#top];
      if (previous !== undefined && previous.live === 0 && this.#top < index) this.#pages[this.#top] = undefined;
      this.#top = index;
    }
    page.slots[tid % PAGE] = record;
    page.live++;
  }

  delete(tid: number): void {
    const index = Math.floor(tid / PAGE);
    const page = this.#pages[index];
    if (page === undefined || page.slots[tid % PAGE] === undefined) return;
    page.slots[tid % PAGE] = undefined;
    if (--page.live === 0 && index < this.#top) this.#pages[index] = undefined;
  }

  /** A time of `tid`; `NaN` once its page is freed. */
  time(tid: number, which: Time): number {
    const page = this.#pages[Math.floor(tid / PAGE)];
    return page === undefined ? NaN : page.times[(tid % PAGE) * TIMES + which];
  }

  setTime(tid: number, which: Time, value: number): void {
    const page = this.#pages[Math.floor(tid / PAGE)];
    if (page !== undefined) page.times[(tid % PAGE) * TIMES + which] = value;
  }

  addTime(tid: number, which: Time, delta: number): void {
    const page = this.#pages[Math.floor(tid / PAGE)];
    if (page !== undefined) page.times[(tid % PAGE) * TIMES + which] += delta;
  }

  /** Pages held in memory. */
  get pageCount(): number {
    let n = 0;
    for (const page of this.#pages) if (page !== undefined) n++;
    return n;
  }

  /** The records in tid order. */
  *values(): IterableIterator<T> {
    for (const page of this.#pages) {
      if (page === undefined) continue;
      for (const record of page.slots) if (record !== undefined) yield record;
    }
  }
}
