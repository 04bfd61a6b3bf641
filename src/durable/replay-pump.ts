import type { WorkflowRun } from "./run.js";

/**
 * The replay pump: a task of the lowest priority that hands journal outcomes to replaying
 * workflows none of whose tasks can run (see {@link WorkflowRun.deliverQuiescent}), once per
 * scheduler turn, while any workflow replays.
 *
 * @internal
 */
export class ReplayPump {
  readonly #spawnLowest: (body: () => Generator<unknown, void, unknown>, name: string) => void;
  readonly #replaying = new Set<WorkflowRun>();
  #pumping = false;

  /** `spawnLowest` spawns `body` as a task of the lowest priority named `name`. */
  constructor(spawnLowest: (body: () => Generator<unknown, void, unknown>, name: string) => void) {
    this.#spawnLowest = spawnLowest;
  }

  /** `run` replays its journal: pump it until it goes live or halts. */
  add(run: WorkflowRun): void {
    this.#replaying.add(run);
    this.#start();
  }

  /** `run` leaves this engine (abandoned): stop pumping it. */
  delete(run: WorkflowRun): void {
    this.#replaying.delete(run);
  }

  /** Stops pumping every run (the engine closes). */
  clear(): void {
    this.#replaying.clear();
  }

  #start(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    const replaying = this.#replaying;
    const stop = (): void => {
      this.#pumping = false;
    };
    this.#spawnLowest(function* pump() {
      try {
        while (replaying.size > 0) {
          for (const run of replaying) {
            if (!run.replaying || run.halted) replaying.delete(run);
            else run.deliverQuiescent();
          }
          yield;
        }
      } finally {
        stop();
      }
    }, "durable-replay");
  }
}
