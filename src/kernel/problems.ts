import type { Task } from "./task.js";

/**
 * What `run()` rejects with: the failures of tasks nobody observed (checked again at the end, since
 * a later `wait` or `done` may observe one) and the errors of callbacks that had no `error`
 * listener to go to, in the order they happened.
 */
export class Problems {
  #list: (Task | { error: unknown })[] = [];

  failed(task: Task): void {
    this.#list.push(task);
  }

  error(error: unknown): void {
    this.#list.push({ error });
  }

  /** The errors of the run, in order; clears them, so a run's failures never surface in a later run. */
  take(): unknown[] {
    const out: unknown[] = [];
    for (const p of this.#list) {
      if (!("error" in p)) {
        if (!p.observed) out.push(p.result);
      } else out.push(p.error);
    }
    this.#list = [];
    return out;
  }
}
