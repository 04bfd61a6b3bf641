import type { Task } from "./task.js";
import type { TaskStatus, Tid } from "./types.js";

/**
 * What `spawn` returns: the task's tid, name, live status, and a `done` promise.
 *
 * @example
 * ```ts
 * const t = sched.spawn(main, { name: "main" });
 * await sched.run();
 * t.status; // "exited"
 * console.log(await t.done);
 * ```
 */
export class TaskHandle<T = unknown> {
  readonly #task: Task;
  #done: Promise<T> | null = null;
  #resolve: ((value: T) => void) | null = null;
  #reject: ((error: unknown) => void) | null = null;

  /** @internal */
  constructor(task: Task) {
    this.#task = task;
  }

  get tid(): Tid<T> {
    return this.#task.tid;
  }

  get name(): string {
    return this.#task.name;
  }

  get status(): TaskStatus {
    return this.#task.status;
  }

  /**
   * Resolves with the task's return value, rejects with its failure (or its `TaskKilledError`).
   * Created on first access; reading it counts as observing a failure, so `run()` will not
   * reject with it.
   */
  get done(): Promise<T> {
    if (this.#done !== null) return this.#done;
    const task = this.#task;
    task.observed = true;
    if (task.status === "exited") this.#done = Promise.resolve(task.result as T);
    else if (task.status === "failed" || task.status === "killed") this.#done = Promise.reject(task.result);
    else {
      this.#done = new Promise<T>((resolve, reject) => {
        this.#resolve = resolve;
        this.#reject = reject;
      });
      task.handle = this;
    }
    return this.#done;
  }

  /** @internal Called by the kernel when the task ends. */
  settle(task: Task): void {
    if (task.status === "exited") this.#resolve?.(task.result as T);
    else this.#reject?.(task.result);
    this.#resolve = this.#reject = null;
  }
}
