import { Deque } from "./deque.js";

/** What the run queue needs of a task. */
export interface Runnable {
  readonly tid: number;
  priority: number;
}

interface Level<T> {
  priority: number;
  queue: Deque<T>;
}

/** Empty levels kept for reuse, so tasks moving between a few priorities allocate nothing. */
const SPARE_LEVELS = 4;

/**
 * A ready queue: one FIFO {@link Deque} per priority in use, highest first. A level is dropped
 * as soon as it empties (kept as a spare for reuse), so the levels scanned are only those with
 * tasks: a program that once used many priorities does not pay for them on every switch.
 */
export class RunQueue<T extends Runnable> {
  /** Non-empty levels, sorted by priority, descending. */
  #levels: Level<T>[] = [];
  #spare: Level<T>[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(task: T): void {
    const levels = this.#levels;
    // Common case: everything at one priority, found at index 0.
    const first = levels[0];
    if (first !== undefined && first.priority === task.priority) first.queue.push(task);
    else this.#level(task.priority).queue.push(task);
    this.#size++;
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const top = this.#levels[0];
    const task = top.queue.shift()!;
    this.#size--;
    if (top.queue.size === 0) this.#drop(0);
    return task;
  }

  /** Priority levels in use (each has a task). */
  get levelCount(): number {
    return this.#levels.length;
  }

  /** The highest priority with a task, or `-Infinity`. */
  get topPriority(): number {
    return this.#size === 0 ? -Infinity : this.#levels[0].priority;
  }

  /** Moves every task of `other` here, each ahead of the tasks of its priority already here. */
  prepend(other: RunQueue<T>): void {
    for (const level of other.#levels) {
      const mine = this.#level(level.priority).queue;
      const moved: T[] = [];
      for (let t = level.queue.shift(); t !== undefined; t = level.queue.shift()) moved.push(t);
      for (let i = moved.length - 1; i >= 0; i--) mine.unshift(moved[i]);
      this.#size += moved.length;
    }
    while (other.#levels.length > 0) other.#drop(0);
    other.#size = 0;
  }

  /** How many tasks wait at the highest priority (for scheduling policies, which choose among them). */
  topCount(): number {
    return this.#size === 0 ? 0 : this.#levels[0].queue.size;
  }

  /** Fills `out` with the tids of the tasks {@link topCount} counts, in FIFO order. */
  topTids(out: number[]): number[] {
    out.length = 0;
    if (this.#size > 0) for (const task of this.#levels[0].queue) out.push(task.tid);
    return out;
  }

  /** Takes the `k`-th task (FIFO order) of the highest priority. */
  takeAt(k: number): T | undefined {
    if (this.#size === 0) return undefined;
    const top = this.#levels[0];
    const task = top.queue.removeAt(k);
    if (task === undefined) return undefined;
    this.#size--;
    if (top.queue.size === 0) this.#drop(0);
    return task;
  }

  /** Removes `task` if queued here; O(tasks at its priority), for rare paths (pause). */
  remove(task: T): boolean {
    const levels = this.#levels;
    for (let i = 0; i < levels.length; i++) {
      if (levels[i].priority !== task.priority) continue;
      if (!levels[i].queue.remove(task)) return false;
      this.#size--;
      if (levels[i].queue.size === 0) this.#drop(i);
      return true;
    }
    return false;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (const level of this.#levels) yield* level.queue;
  }

  #level(priority: number): Level<T> {
    const levels = this.#levels;
    let i = 0;
    while (i < levels.length && levels[i].priority > priority) i++;
    if (i < levels.length && levels[i].priority === priority) return levels[i];
    const level = this.#spare.pop() ?? { priority, queue: new Deque<T>() };
    level.priority = priority;
    // Moved by hand, not with `splice`: that allocates its result array (120 bytes), and a queue
    // that empties and refills at every switch, as in fork+wait, would make several per fork.
    levels.push(level);
    for (let j = levels.length - 1; j > i; j--) levels[j] = levels[j - 1];
    levels[i] = level;
    return level;
  }

  #drop(i: number): void {
    const levels = this.#levels;
    const level = levels[i];
    for (let j = i; j < levels.length - 1; j++) levels[j] = levels[j + 1];
    levels.pop();
    if (this.#spare.length < SPARE_LEVELS) this.#spare.push(level);
  }
}
