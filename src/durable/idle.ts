import type { WorkflowRun } from "./run.js";

/** What an {@link IdleWatch} needs from its engine. */
export interface IdleHost {
  /** Spawns `body` as a task of the lowest priority and makes sure the scheduler runs. */
  spawnLowest(body: () => Generator<unknown, void, unknown>): void;
  /** Whether `run` is the run this engine has under its id now. */
  isCurrent(run: WorkflowRun): boolean;
  /** Wall-clock ms: `Date.now()`, or the scheduler's time on a virtual clock. */
  wallNow(): number;
  /** A hook that threw: `engine.errors`. */
  report(error: unknown): void;
}

/**
 * Idle detection for the engine's `onIdle` hook: runs that may have gone idle (every task
 * blocked, see {@link WorkflowRun.idle}, or just given an outcome) are candidates, checked by a
 * task of the lowest priority, so once nothing is ready. The hook is called once per idle spell.
 *
 * @internal
 */
export class IdleWatch {
  readonly #host: IdleHost;
  readonly #onIdle: (id: string, wakeAt: number | null) => void;
  readonly #candidates = new Set<WorkflowRun>();
  #queued = false;
  #closed = false;

  constructor(host: IdleHost, onIdle: (id: string, wakeAt: number | null) => void) {
    this.#host = host;
    this.#onIdle = onIdle;
  }

  /** Every task of `run` blocks: check it once nothing is ready. */
  maybeIdle(run: WorkflowRun): void {
    this.#candidates.add(run);
    this.#queueCheck();
  }

  /** Makes `run` a candidate for the next check, without queueing one (see {@link IdleWatch.checkSoon}). */
  add(run: WorkflowRun): void {
    this.#candidates.add(run);
  }

  /** Queues a check if there are candidates. */
  checkSoon(): void {
    if (this.#candidates.size > 0) this.#queueCheck();
  }

  /** `run` leaves this engine: no hook call for it. */
  delete(run: WorkflowRun): void {
    this.#candidates.delete(run);
  }

  /** No check runs from now on. */
  close(): void {
    this.#closed = true;
  }

  #queueCheck(): void {
    if (this.#queued || this.#closed) return;
    this.#queued = true;
    const watch = this;
    this.#host.spawnLowest(function* durableIdle() {
      watch.#check();
    });
  }

  /** Runs at the lowest priority, so no task is ready: a candidate whose tasks all block is idle. */
  #check(): void {
    this.#queued = false;
    if (this.#closed) return;
    const now = this.#host.wallNow();
    for (const run of this.#candidates) {
      if (run.halted || !this.#host.isCurrent(run)) {
        this.#candidates.delete(run);
        continue;
      }
      if (run.replaying || run.uncommitted > 0) continue; // asked again after the commit, or at go-live
      this.#candidates.delete(run);
      if (!run.idle()) continue;
      const wakeAt = run.wakeAt();
      if (wakeAt !== null && wakeAt <= now) continue; // that timer fires next; a delivery brings it back here
      try {
        this.#onIdle(run.id, wakeAt);
      } catch (error) {
        this.#host.report(error);
      }
    }
  }
}
