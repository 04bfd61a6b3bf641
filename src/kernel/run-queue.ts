import { Deque } from "./deque.js";

/** What the run queue needs of a task. */
export interface Runnable {
  readonly tid: number;
  priority: number;
}

/**
 * The ready queue: one FIFO {@link Deque} per priority level, highest level first.
 * Levels are kept sorted; with a single level in use, `shift` is one deque shift.
 */
export class RunQueue<T extends Runnable> {
  /** Sorted by priority, descending. */
  #levels: { priority: number; queue: Deque<T> }[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(task: T): void {
    const levels = this.#levels;
    // Common case: everything at one priority, found at index 0.
    const first = levels[0];
    if (first !== undefined && first.priority === task.priority) {
      first.queue.push(task);
    } else {
      this.#level(task.priority).push(task);
    }
    this.#size++;
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const levels = this.#levels;
    for (let i = 0; i < levels.length; i++) {
      const q = levels[i].queue;
      if (q.size > 0) {
        this.#size--;
        return q.shift();
      }
    }
    return undefined;
  }

  /**
   * For scheduling policies: how many tasks wait at the highest non-empty priority, and taking
   * the `k`-th of them (FIFO order), so a policy never breaks the priority rule.
   */
  topCount(): number {
    for (const level of this.#levels) if (level.queue.size > 0) return level.queue.size;
    return 0;
  }

  /** Fills `out` with the tids of the tasks {@link topCount} counts, in FIFO order. */
  topTids(out: number[]): number[] {
    out.length = 0;
    for (const level of this.#levels) {
      if (level.queue.size === 0) continue;
      for (const task of level.queue) out.push(task.tid);
      break;
    }
    return out;
  }

  takeAt(k: number): T | undefined {
    for (const level of this.#levels) {
      if (level.queue.size === 0) continue;
      const task = level.queue.removeAt(k);
      if (task !== undefined) this.#size--;
      return task;
    }
    return undefined;
  }

  remove(task: T): boolean {
    for (const level of this.#levels) {
      if (level.priority === task.priority && level.queue.remove(task)) {
        this.#size--;
        return true;
      }
    }
    return false;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (const level of this.#levels) yield* level.queue;
  }

  #level(priority: number): Deque<T> {
    const levels = this.#levels;
    let i = 0;
    while (i < levels.length && levels[i].priority > priority) i++;
    if (i < levels.length && levels[i].priority === priority) return levels[i].queue;
    const queue = new Deque<T>();
    levels.splice(i, 0, { priority, queue });
    return queue;
  }
}
