import { nanoid } from "nanoid/non-secure";
import { describeValue } from "../errors.js";
import { VirtualClock } from "../time/clock.js";
import { Scheduler } from "../kernel/scheduler.js";
import { decode, decodeError, encode, encodeError } from "./codec.js";
import { drive } from "./drive.js";
import { LeaseLostError, WorkflowAbandonedError, WorkflowNotFoundError, storeCall } from "./errors.js";
import { GroupCommit } from "./group-commit.js";
import { IdleWatch } from "./idle.js";
import { CANCEL, inboxOutcome, moveToInbox } from "./inbox.js";
import type { Outcome } from "./outcome.js";
import { ReplayPump } from "./replay-pump.js";
import { WorkflowRun, type RunHost } from "./run.js";
import { emptyBatch, type Recoverable, type Store, type WorkflowRecord, type WorkflowState } from "./store.js";

/** A workflow: a generator function of JSON arguments. */
export type WorkflowFn = (...args: any[]) => Generator<unknown, unknown, any>;

/**
 * Options of a {@link DurableEngine}.
 *
 * @example
 * ```ts
 * new DurableEngine({ store: new MemoryStore(), workflows: { order }, scheduler: new Scheduler() });
 * ```
 */
export interface DurableEngineOptions {
  store: Store;
  /** Workflow names and their generator functions. */
  workflows: Record<string, WorkflowFn>;
  /** The scheduler the workflows run on. Default: a new one on a real clock, with a ring of 1,024 entries. */
  scheduler?: Scheduler;
  /**
   * For hosts on a {@link LeasedStore}: a group commit's write threw {@link LeaseLostError}. The
   * refused workflows were abandoned here (see {@link DurableEngine.abandon}; their outcomes in
   * that batch were not delivered); `ids` are those that this engine ran until then. The other
   * workflows of the batch go on. Without the hook, the error goes to `engine.errors`.
   */
  onLeaseLost?: (ids: string[], error: LeaseLostError) => void;
  /**
   * For hosts that park idle workflows: called when every task of workflow `id` blocks only on a
   * durable sleep, a child's durable time limit or a `waitSignal` (at least one of them), or on
   * its other tasks: nothing in flight, nothing ready, nothing uncommitted, not replaying.
   * `wakeAt` is the earliest deadline of its armed timers (absolute ms on the engine's wall
   * clock: `Date.now()`, or the `VirtualClock`'s time), or `null` when only signals can wake
   * it. Called once per idle spell, from a task of the lowest priority; not for a spell whose
   * `wakeAt` has already passed (that timer is about to fire). A hook that throws is reported in
   * `engine.errors`. Costs nothing when not set.
   */
  onIdle?: (id: string, wakeAt: number | null) => void;
}

/** What `start` returns: the run under the id. */
export interface WorkflowRunInfo {
  id: string;
  runId: string;
  name: string;
  /** `false` when the id existed already (the start was a no-op, or resumed it). */
  created: boolean;
}

/** What `status` and `list` tell about a workflow. */
export interface WorkflowStatus {
  id: string;
  runId: string;
  name: string;
  state: WorkflowState;
  /** Whether this engine runs it now. */
  live: boolean;
  /** Steps taken in this engine (replayed ones included), or `null` if it does not run here. */
  steps: number | null;
  /** Whether it is still replaying its journal. */
  replaying: boolean;
  /** Steps that were replayed from the journal in this engine. */
  replayedSteps: number;
  created: number;
  updated: number;
}

/** The priority of the engine's own tasks (group commit, replay pump, idle check): they run once nothing else is ready. */
const LOWEST = Number.MIN_SAFE_INTEGER;

/**
 * Runs durable workflows: generator functions whose every outcome from outside (op results,
 * timer firings, signals, clock and random readings, cancels) is journaled in a {@link Store}
 * before the workflow sees it. After a crash, `recover()` re-runs each unfinished workflow, feeds
 * it its journal at the same points and goes live where the journal ends; no journaled op runs
 * again. The journal appends of one scheduler turn, across all workflows, go out as one batch
 * (one transaction), committed before any of those workflows resumes.
 *
 * @example
 * ```ts
 * function* order(item: string) {
 *   const id = yield* uuid();
 *   yield* call((signal, key) => charge(item, key));
 *   const ok = yield* waitSignal<boolean>("approved", { timeout: 3_600_000 });
 *   return ok ? `shipped ${id}` : "expired";
 * }
 * const engine = new DurableEngine({ store: new SqliteStore("wf.db"), workflows: { order } });
 * await engine.recover();                        // resume what a crash left
 * await engine.start("order", ["book"], { id: "o-1" });
 * await engine.signal("o-1", "approved", true);
 * console.log(await engine.result("o-1"));
 * ```
 */
export class DurableEngine {
  readonly sched: Scheduler;
  readonly #store: Store;
  readonly #workflows: Map<string, WorkflowFn>;
  readonly #virtual: boolean;
  readonly #runs = new Map<string, WorkflowRun>();
  readonly #starting = new Map<string, Promise<WorkflowRunInfo>>();
  readonly #replay: ReplayPump;
  readonly #commit: GroupCommit;
  /** Only with `onIdle`. */
  readonly #idle: IdleWatch | null;
  #loop: Promise<void> | null = null;
  #running = false;
  #closed = false;
  readonly #host: RunHost;
  readonly #onLeaseLost: ((ids: string[], error: LeaseLostError) => void) | null;
  /** Failures the scheduler reported that no workflow owned (say, a child's unobserved error). */
  readonly errors: unknown[] = [];

  constructor(options: DurableEngineOptions) {
    if (options === null || typeof options !== "object") throw new TypeError(`DurableEngine options must be an object, got ${describeValue(options)}`);
    const { store, workflows } = options;
    if (store === null || typeof store !== "object" || typeof store.write !== "function") {
      throw new TypeError(`DurableEngine: options.store must be a Store (new MemoryStore(), new SqliteStore(path)), got ${describeValue(store)}`);
    }
    if (workflows === null || typeof workflows !== "object") {
      throw new TypeError(`DurableEngine: options.workflows must map names to generator functions, got ${describeValue(workflows)}`);
    }
    this.#workflows = new Map();
    for (const [name, fn] of Object.entries(workflows)) {
      if (typeof fn !== "function") throw new TypeError(`DurableEngine: workflow "${name}" must be a generator function, got ${describeValue(fn)}`);
      this.#workflows.set(name, fn);
    }
    this.#store = store;
    // Many workflows wait on ops at once: a ring of 1,024 entries (2,048 in flight) keeps a group
    // commit from being cut into ring-sized pieces.
    this.sched = options.scheduler ?? new Scheduler({ ring: { entries: 1024 } });
    this.#virtual = this.sched.clock instanceof VirtualClock;
    const { onIdle, onLeaseLost } = options;
    if (onIdle !== undefined && typeof onIdle !== "function") throw new TypeError(`DurableEngine: options.onIdle must be a function, got ${describeValue(onIdle)}`);
    if (onLeaseLost !== undefined && typeof onLeaseLost !== "function") {
      throw new TypeError(`DurableEngine: options.onLeaseLost must be a function, got ${describeValue(onLeaseLost)}`);
    }
    this.#onLeaseLost = onLeaseLost ?? null;
    const spawnLowest = (body: () => Generator<unknown, void, unknown>, name?: string): void => {
      this.sched.spawn(body, name === undefined ? { priority: LOWEST } : { name, priority: LOWEST });
      this.#ensureRunning();
    };
    const wallNow = (): number => (this.#virtual ? this.sched.now() : Date.now());
    const report = (error: unknown): void => void this.errors.push(error);
    const idle = onIdle === undefined ? null : new IdleWatch({ spawnLowest, isCurrent: (run) => this.#runs.get(run.id) === run, wallNow, report }, onIdle);
    this.#idle = idle;
    this.#replay = new ReplayPump(spawnLowest);
    this.#commit = new GroupCommit(
      store,
      {
        spawnLowest,
        abandon: (run, error, outcomes) => this.#abandonLost(run, error, outcomes),
        leaseLost: (ids, error) => this.#leaseLost(ids, error),
      },
      idle,
    );
    const commit = this.#commit;
    this.#host = {
      sched: this.sched,
      collect: (run, outcome) => commit.collect(run, outcome),
      wallNow,
      maybeIdle: idle === null ? null : (run) => idle.maybeIdle(run),
      report,
    };
  }

  /**
   * Starts workflow `name` with `args` (an array is spread into the generator function's
   * parameters; anything else is its one argument) under `options.id` (default: a nanoid).
   * Idempotent on the id: an existing id returns its run (resuming it here if it is unfinished
   * and no engine-side copy runs it). Resolves once the workflow is in the store.
   */
  start(name: string, args: unknown = [], options: { id?: string } = {}): Promise<WorkflowRunInfo> {
    this.#checkOpen("start");
    const fn = this.#workflows.get(name);
    if (fn === undefined) {
      return Promise.reject(
        new WorkflowNotFoundError(`DurableEngine.start: no workflow named "${name}"; registered: ${[...this.#workflows.keys()].map((n) => `"${n}"`).join(", ") || "none"}`),
      );
    }
    let argsText: string;
    try {
      argsText = encode(args, `the arguments of workflow "${name}"`);
    } catch (error) {
      return Promise.reject(error);
    }
    const id = options.id ?? nanoid();
    if (typeof id !== "string" || id === "") return Promise.reject(new TypeError(`DurableEngine.start: options.id must be a non-empty string, got ${describeValue(id)}`));
    const live = this.#runs.get(id);
    if (live !== undefined) return Promise.resolve({ id, runId: live.runId, name: live.name, created: false });
    const pending = this.#starting.get(id);
    if (pending !== undefined) return pending.then((info) => ({ ...info, created: false }));
    const p = (async (): Promise<WorkflowRunInfo> => {
      const now = Date.now();
      const record: WorkflowRecord = { id, runId: nanoid(), name, args: argsText, state: "running", result: "", error: "", created: now, updated: now };
      const { record: stored, created } = await storeCall("create", () => this.#store.create(record));
      this.#checkOpen("start");
      if (created) this.#launch({ record: stored, journal: [], inbox: [] });
      else if (stored.state === "running" && !this.#runs.has(id)) {
        const [rec] = await storeCall("recoverable", () => this.#store.recoverable([id]));
        if (rec !== undefined && !this.#runs.has(id)) this.#launch(rec);
      }
      return { id, runId: stored.runId, name: stored.name, created };
    })();
    this.#starting.set(id, p);
    p.then(
      () => this.#starting.delete(id),
      () => this.#starting.delete(id),
    );
    return p;
  }

  /**
   * Resumes the unfinished workflows of the store (with `ids`: only those) that this engine does
   * not run yet; returns their ids. A workflow this engine runs (or ran and failed, or is
   * starting) is never launched twice, also when calls overlap. Ids the store does not hold, or
   * holds finished, are skipped. For hosts: call it once the workflows' leases are held.
   */
  async recover(ids?: readonly string[]): Promise<string[]> {
    this.#checkOpen("recover");
    if (ids !== undefined) {
      if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string" || id === "")) {
        throw new TypeError(`DurableEngine.recover(ids) expects an array of non-empty strings, got ${describeValue(ids)}`);
      }
      ids = ids.filter((id) => !this.#runs.has(id));
      if (ids.length === 0) return [];
    }
    const recs = await storeCall("recoverable", () => this.#store.recoverable(ids));
    const out: string[] = [];
    for (const rec of recs) {
      if (this.#closed || this.#runs.has(rec.record.id)) continue;
      this.#launch(rec);
      out.push(rec.record.id);
    }
    return out;
  }

  /**
   * For hosts: stops running workflow `id` in this engine at once, as a crash would for that one
   * workflow. Its tasks are killed without running any more of its code (no `finally` blocks),
   * its outcomes not yet committed are dropped (ops in flight run again after a recover, with the
   * same idempotency key), nothing of it is written to the journal, and its `result(id)`
   * waiters in this engine reject with {@link WorkflowAbandonedError}. Signals and cancels that
   * this engine accepted for it but had not journaled yet are moved to the store's inbox, so the
   * engine that recovers it gets them once, in order. Resolves with `false` if this engine did
   * not run `id`, else with `true` once those signals are in the store. `recover([id])` (here or
   * elsewhere) resumes it.
   *
   * @example
   * ```ts
   * const engine = new DurableEngine({ store, workflows, onIdle: (id, wakeAt) => park(id, wakeAt) });
   * async function park(id: string, wakeAt: number | null) {
   *   await engine.abandon(id, "parked");
   *   await queue.add("wake", { id }, { delay: wakeAt === null ? undefined : wakeAt - Date.now() });
   * }
   * ```
   */
  abandon(id: string, reason = "abandoned by its host"): Promise<boolean> {
    const run = this.#runs.get(id);
    if (run === undefined) return Promise.resolve(false);
    return this.#abandon(run, new WorkflowAbandonedError(id, String(reason)), []).then(() => true);
  }

  /**
   * For hosts: hands the signals and cancels that reached workflow `id` through the store's
   * inbox (sent by another process while this engine runs it) to the workflow here. Each inbox
   * item is handed over once, in inbox order, and leaves the inbox in the same transaction that
   * journals it, so an abandon or a crash in between never loses or repeats one. Resolves with how
   * many items were new; 0 when this engine does not run `id` live. Uses the store's
   * `inbox(id)` when it has one (else `recoverable([id])`).
   */
  async refreshInbox(id: string): Promise<number> {
    this.#checkOpen("refreshInbox");
    const run = this.#runs.get(id);
    if (run === undefined || run.halted) return 0;
    const store = this.#store;
    const items =
      typeof store.inbox === "function"
        ? await storeCall("inbox", () => store.inbox!(id))
        : ((await storeCall("recoverable", () => store.recoverable([id])))[0]?.inbox ?? []);
    if (this.#closed || this.#runs.get(id) !== run || run.halted) return 0;
    let n = 0;
    for (const item of [...items].sort((a, b) => a.seq - b.seq)) {
      if (run.inboxSeen.has(item.seq)) continue;
      run.inboxSeen.add(item.seq);
      run.arrive(inboxOutcome(item));
      n++;
    }
    return n;
  }

  /** Resolves with the workflow's return value once it finishes (rejects with its error). */
  async result(id: string): Promise<unknown> {
    const run = this.#runs.get(id);
    if (run !== undefined) return run.result;
    const pending = this.#starting.get(id);
    if (pending !== undefined) {
      await pending;
      return this.result(id);
    }
    const rec = await storeCall("get", () => this.#store.get(id));
    if (rec === undefined) throw new WorkflowNotFoundError(`DurableEngine.result: no workflow "${id}" in the store`);
    return settled(rec);
  }

  /** Where workflow `id` stands, or `undefined` if the store does not hold it. */
  async status(id: string): Promise<WorkflowStatus | undefined> {
    const rec = await storeCall("get", () => this.#store.get(id));
    if (rec === undefined) return undefined;
    return this.#status(rec);
  }

  /** Every workflow in the store. */
  async list(): Promise<WorkflowStatus[]> {
    const recs = await storeCall("list", () => this.#store.list());
    return recs.map((r) => this.#status(r));
  }

  /**
   * Sends signal `name` with `payload` (JSON) to workflow `id`. It is journaled before the
   * workflow sees it; signals the workflow does not wait for yet are kept, in order. Resolves
   * once it is committed.
   */
  signal(id: string, name: string, payload?: unknown): Promise<void> {
    this.#checkOpen("signal");
    if (typeof name !== "string" || name === "") return Promise.reject(new TypeError(`DurableEngine.signal: name must be a non-empty string, got ${describeValue(name)}`));
    let text: string;
    try {
      text = encode({ name, payload: encode(payload, `the payload of signal "${name}"`) }, "a signal");
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#send(id, { step: -1, kind: "signal", ok: true, value: text }, name, payload);
  }

  /** Cancels workflow `id`: its tasks are killed (their `finally` blocks run); it ends `cancelled`. */
  cancel(id: string, reason?: unknown): Promise<void> {
    this.#checkOpen("cancel");
    let text: string;
    try {
      text = encode(reason === undefined ? "cancelled" : reason, "a cancel reason");
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#send(id, { step: -1, kind: "cancel", ok: true, value: text }, CANCEL, reason);
  }

  /** Drops the journal of finished workflow `id`; its record and result stay. */
  async compact(id: string): Promise<void> {
    await storeCall("compact", () => this.#store.compact(id));
  }

  /**
   * Stops at once, as a crash would: no more workflow code runs (not even `finally` blocks),
   * outcomes not yet committed are dropped, unfinished workflows stay in the store for another
   * engine's `recover()`. Then releases the store.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#commit.close();
    this.#idle?.close();
    const closed = new Error("DurableEngine was closed before the workflow finished; recover it with another engine");
    for (const run of this.#runs.values()) {
      if (run.state === "running") run.fail(closed);
    }
    this.#replay.clear();
    await this.#loop?.catch(() => {});
    await this.#store.close();
  }

  #launch(rec: Recoverable): void {
    const { record } = rec;
    const fn = this.#workflows.get(record.name);
    const run = new WorkflowRun(this.#host, record.id, record.runId, record.name, rec.journal);
    this.#runs.set(record.id, run);
    if (fn === undefined) {
      run.fail(new WorkflowNotFoundError(`workflow "${record.id}" runs "${record.name}", which this engine does not register`));
      return;
    }
    const args = decode(record.args);
    let gen: Generator<unknown, unknown, unknown>;
    try {
      gen = Array.isArray(args) ? fn(...args) : fn(args);
    } catch (error) {
      gen = (function* () {
        throw error;
      })();
    }
    const handle = this.sched.spawn(drive(run, gen, true), { name: `workflow ${record.name} ${record.id}` });
    run.rootTid = handle.tid;
    handle.done.then(
      (value) => this.#ended(run, "completed", value),
      (error) => this.#ended(run, error instanceof Error && error.name === "TaskKilledError" ? "cancelled" : "failed", error),
    );
    for (const item of rec.inbox) {
      run.inboxSeen.add(item.seq);
      run.arrive(inboxOutcome(item));
    }
    if (run.replaying) this.#replay.add(run);
    this.#ensureRunning();
  }

  #ended(run: WorkflowRun, state: WorkflowState, value: unknown): void {
    if (run.state !== "running" || run.abandoned || this.#closed) return;
    run.halted = true;
    run.killAll();
    let result = "";
    let error = "";
    if (state === "completed") {
      try {
        result = encode(value, `the result of workflow "${run.id}"`);
      } catch (e) {
        state = "failed";
        error = encodeError(e);
      }
    } else error = encodeError(value);
    run.state = state;
    this.#commit.finish(run, state, result, error);
  }

  /** Stops `run` here (see `abandon`); moves its unjournaled signals (and those in `extra`) to the store's inbox. */
  #abandon(run: WorkflowRun, error: unknown, extra: Outcome[]): Promise<void> {
    if (this.#runs.get(run.id) === run) this.#runs.delete(run.id);
    const rescue = extra;
    if (!run.abandoned) {
      this.#commit.withdraw(run, rescue);
      rescue.push(...run.takeHeld());
      this.#replay.delete(run);
      this.#idle?.delete(run);
      run.abandon(error);
    }
    return this.#closed ? Promise.resolve() : moveToInbox(this.#store, run.id, rescue, (e) => this.errors.push(e));
  }

  /** The store refused `run`'s part of a batch (see {@link GroupCommit}); returns whether it ran here until then. */
  #abandonLost(run: WorkflowRun, error: LeaseLostError, outcomes: Outcome[]): boolean {
    const live = this.#runs.get(run.id) === run && !run.abandoned;
    void this.#abandon(run, new WorkflowAbandonedError(run.id, "its lease was taken by another engine", { cause: error }), outcomes);
    return live;
  }

  #leaseLost(ids: string[], error: LeaseLostError): void {
    if (this.#onLeaseLost === null) this.errors.push(error);
    else {
      try {
        this.#onLeaseLost(ids, error);
      } catch (e) {
        this.errors.push(e);
      }
    }
  }

  #send(id: string, outcome: Outcome, name: string, payload: unknown): Promise<void> {
    const run = this.#runs.get(id);
    if (run !== undefined && run.state === "running" && !run.halted) {
      return new Promise<void>((resolve, reject) => {
        outcome.done = (error) => (error === undefined ? resolve() : reject(error));
        run.arrive(outcome);
        if (run.replaying) resolve(); // held: journaled once the replay ends
      });
    }
    return (async () => {
      const rec = await storeCall("get", () => this.#store.get(id));
      if (rec === undefined) throw new WorkflowNotFoundError(`no workflow "${id}" in the store to ${name === CANCEL ? "cancel" : `signal "${name}"`}`);
      if (rec.state !== "running") throw new Error(`workflow "${id}" has already ${rec.state}; it takes no more ${name === CANCEL ? "cancels" : "signals"}`);
      const text = name === CANCEL ? outcome.value : encode(payload, `the payload of signal "${name}"`);
      await storeCall("write", () => this.#store.write({ ...emptyBatch(), inbox: [{ id, name, payload: text }] }));
    })();
  }

  #status(rec: WorkflowRecord): WorkflowStatus {
    const run = this.#runs.get(rec.id);
    const live = run !== undefined && run.state === "running" && !run.halted;
    return {
      id: rec.id,
      runId: rec.runId,
      name: rec.name,
      state: rec.state,
      live,
      steps: run === undefined ? null : run.counter,
      replaying: run?.replaying ?? false,
      replayedSteps: run?.replayedSteps ?? 0,
      created: rec.created,
      updated: rec.updated,
    };
  }

  /** Runs the scheduler while it has tasks (unless its owner runs it: then that loop does). */
  #ensureRunning(): void {
    if (this.#running || this.#closed) return;
    this.#running = true; // before run(): it may call back here synchronously, from a task
    this.#loop = (async () => {
      try {
        await this.sched.run();
      } catch (error) {
        if (error instanceof Error && /already running/.test(error.message)) return; // its owner runs it
        this.errors.push(error);
      } finally {
        this.#running = false;
      }
      if (!this.#closed && this.sched.ps().length > 0) this.#ensureRunning();
    })();
  }

  #checkOpen(method: string): void {
    if (this.#closed) throw new Error(`DurableEngine.${method}: the engine is closed; make a new engine on the store`);
  }
}

function settled(rec: WorkflowRecord): unknown {
  if (rec.state === "completed") return decode(rec.result);
  if (rec.state === "running") throw new Error(`workflow "${rec.id}" is unfinished and no engine here runs it: call engine.recover() first`);
  throw decodeError(rec.error);
}
