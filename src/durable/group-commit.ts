import { decode, decodeError } from "./codec.js";
import { StoreError, isLeaseLost, type LeaseLostError } from "./errors.js";
import type { IdleWatch } from "./idle.js";
import type { Outcome } from "./outcome.js";
import type { WorkflowRun } from "./run.js";
import { emptyBatch, isEmptyBatch, type Batch, type JournalEntry, type Store, type WorkflowState } from "./store.js";

/** What a {@link GroupCommit} needs from its engine. */
export interface CommitHost {
  /** Spawns `body` as a task of the lowest priority and makes sure the scheduler runs. */
  spawnLowest(body: () => Generator<unknown, void, unknown>): void;
  /**
   * The store refused `run`'s part of a batch (its lease is lost): stop it here and move its
   * unjournaled signals, `outcomes` among them, to the store's inbox. Returns whether the run
   * was live in this engine until then.
   */
  abandon(run: WorkflowRun, error: LeaseLostError, outcomes: Outcome[]): boolean;
  /** After a lease-lost batch's other parts were delivered: `ids` are the runs `abandon` found live. */
  leaseLost(ids: string[], error: LeaseLostError): void;
}

/** An outcome collected for the next group commit; `entry` is set when it goes into a batch. */
interface Pending {
  run: WorkflowRun;
  outcome: Outcome;
  entry: JournalEntry | null;
}

type Delivery = Pending & { entry: JournalEntry };

/** A workflow that ended, waiting for the commit of its final state. */
interface Finished {
  run: WorkflowRun;
  state: WorkflowState;
  result: string;
  error: string;
}

/**
 * The engine's group commit: the outcomes of all workflows collected during one scheduler turn,
 * and the final states of those that ended, go to the store as one batch from a task of the
 * lowest priority, so it runs once every other task has run as far as it can. Each outcome
 * reaches its workflow only after the batch that journals it is committed. On a store whose
 * writes are asynchronous one batch is in flight at a time, and batches deliver in order.
 *
 * @internal
 */
export class GroupCommit {
  readonly #store: Store;
  readonly #host: CommitHost;
  readonly #idle: IdleWatch | null;
  #outbox: Pending[] = [];
  #finished: Finished[] = [];
  #flushQueued = false;
  #tail: Promise<void> = Promise.resolve();
  #pendingWrites = 0;
  #flushAfterWrite = false;
  #closed = false;

  /** `idle` (when the engine has an `onIdle` hook) learns of every run that got an outcome. */
  constructor(store: Store, host: CommitHost, idle: IdleWatch | null) {
    this.#store = store;
    this.#host = host;
    this.#idle = idle;
  }

  /** Journals `outcome` in the next batch, then hands it to `run`. */
  collect(run: WorkflowRun, outcome: Outcome): void {
    if (this.#closed || run.abandoned) return;
    run.uncommitted++;
    this.#outbox.push({ run, outcome, entry: null });
    this.#queueFlush();
  }

  /** Writes `run`'s final state in the next batch, then settles its result. */
  finish(run: WorkflowRun, state: WorkflowState, result: string, error: string): void {
    this.#finished.push({ run, state, result, error });
    this.#queueFlush();
  }

  /** Takes `run`'s uncommitted outcomes out of the next batch, appended to `into`, and drops its final state. */
  withdraw(run: WorkflowRun, into: Outcome[]): void {
    if (this.#outbox.some((o) => o.run === run)) {
      const keep: Pending[] = [];
      for (const o of this.#outbox) {
        if (o.run === run) into.push(o.outcome);
        else keep.push(o);
      }
      this.#outbox = keep;
    }
    if (this.#finished.some((f) => f.run === run)) this.#finished = this.#finished.filter((f) => f.run !== run);
  }

  /** Drops what is uncommitted; no batch is written or delivered from now on. */
  close(): void {
    this.#closed = true;
    this.#outbox = [];
    this.#finished = [];
  }

  #queueFlush(): void {
    if (this.#flushQueued || this.#closed) return;
    this.#flushQueued = true;
    const commit = this;
    this.#host.spawnLowest(function* durableCommit() {
      commit.#flush();
    });
  }

  /** Everything collected since the last batch, in one batch; then the deliveries. */
  #flush(): void {
    this.#flushQueued = false;
    if (this.#closed) return;
    // One batch in flight at a time: a batch records the step count at which each outcome reaches
    // its workflow, and the deliveries of a batch still in flight would move those counts. What
    // arrives meanwhile waits for the next batch, flushed once the woken workflows have run.
    if (this.#pendingWrites > 0) {
      this.#flushAfterWrite = true;
      return;
    }
    const items = this.#outbox;
    const finished = this.#finished;
    this.#outbox = [];
    this.#finished = [];
    const batch: Batch = emptyBatch();
    // The outbox items themselves are the deliveries (with their entry): no object more per step.
    const deliveries: Delivery[] = [];
    for (const item of items) {
      const { run, outcome } = item;
      if (run.abandoned || (run.halted && run.state !== "running")) continue;
      const entry: JournalEntry = { seq: run.nextSeq++, step: outcome.step, at: outcome.record ? -1 : run.counter, kind: outcome.kind, ok: outcome.ok, value: outcome.value };
      batch.entries.push({ id: run.id, entry });
      if (outcome.inboxSeq !== undefined) batch.inboxTaken.push({ id: run.id, seq: outcome.inboxSeq });
      item.entry = entry;
      deliveries.push(item as Delivery);
    }
    const updated = Date.now();
    for (const f of finished) if (!f.run.abandoned) batch.finished.push({ id: f.run.id, state: f.state, result: f.result, error: f.error, updated });
    if (isEmptyBatch(batch)) return;
    const done = (error?: unknown): void => {
      if (error !== undefined && isLeaseLost(error)) return this.#leaseLost(error, deliveries, finished);
      if (error !== undefined) {
        const e = error instanceof StoreError ? error : new StoreError(`the store failed to write a journal batch: ${String((error as Error)?.message ?? error)}`, { cause: error });
        for (const d of deliveries) {
          d.outcome.done?.(e);
          d.run.fail(e);
        }
        for (const f of finished) f.run.reject(e);
        return;
      }
      if (this.#closed) return;
      this.#delivered(deliveries, finished, null);
    };
    let written: unknown;
    try {
      written = this.#store.write(batch);
    } catch (error) {
      return done(error);
    }
    if (written instanceof Promise || this.#pendingWrites > 0) {
      // An asynchronous store: deliver in batch order even if writes settle out of order.
      this.#pendingWrites++;
      const mine = Promise.resolve(written);
      this.#tail = this.#tail.then(
        () => mine.then(() => done(), done),
        () => mine.then(() => done(), done),
      ).finally(() => {
        this.#pendingWrites--;
        if (this.#pendingWrites === 0 && this.#flushAfterWrite) {
          this.#flushAfterWrite = false;
          this.#queueFlush();
        }
      });
    } else done();
  }

  /** After a commit: the outcomes reach their workflows, finished ones settle (except those of workflows in `skip`). */
  #delivered(deliveries: readonly Delivery[], finished: readonly Finished[], skip: ReadonlySet<string> | null): void {
    const idle = this.#idle;
    for (const d of deliveries) {
      if (skip?.has(d.run.id)) continue;
      d.run.uncommitted--;
      if (!d.outcome.record) d.run.deliver(d.entry);
      d.outcome.done?.();
      if (idle !== null && !d.run.halted) idle.add(d.run);
    }
    for (const f of finished) {
      if (skip?.has(f.run.id) || f.run.abandoned) continue;
      if (f.state === "completed") f.run.resolve(decode(f.result));
      else f.run.reject(decodeError(f.error));
    }
    idle?.checkSoon();
  }

  /**
   * A leased store refused the parts of workflows whose lease this engine lost: those are
   * abandoned (their signals sent through this engine go to the inbox), the rest is delivered.
   */
  #leaseLost(error: LeaseLostError, deliveries: readonly Delivery[], finished: readonly Finished[]): void {
    if (this.#closed) return;
    const refused = new Set(error.ids);
    const lost = new Map<WorkflowRun, Outcome[]>();
    for (const d of deliveries) {
      if (!refused.has(d.run.id)) continue;
      let list = lost.get(d.run);
      if (list === undefined) lost.set(d.run, (list = []));
      list.push(d.outcome);
    }
    for (const f of finished) if (refused.has(f.run.id) && !lost.has(f.run)) lost.set(f.run, []);
    const ids: string[] = [];
    for (const [run, outcomes] of lost) if (this.#host.abandon(run, error, outcomes)) ids.push(run.id);
    this.#delivered(deliveries, finished, refused);
    if (ids.length > 0) this.#host.leaseLost(ids, error);
  }
}
