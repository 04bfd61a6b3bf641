/** Where a workflow stands, as the store keeps it. */
export type WorkflowState = "running" | "completed" | "failed" | "cancelled";

/**
 * One workflow as the store keeps it. `args`, `result` and `error` are JSON text
 * (`""` for `undefined`).
 */
export interface WorkflowRecord {
  id: string;
  runId: string;
  name: string;
  args: string;
  state: WorkflowState;
  result: string;
  error: string;
  /** Wall-clock ms (`Date.now()`). */
  created: number;
  updated: number;
}

/**
 * One journal entry. `step` is the workflow step (its own count of yields, across all its
 * tasks) whose syscall the entry answers, or -1 for a signal or a cancel. `at` is the step
 * count at which the outcome reached the workflow, or -1 for a record the workflow never
 * receives (a sleep's deadline, a `patched` marker). `kind` names the syscall (`io`, `sleep`,
 * `fire`, `now`, `random`, `uuid`, `signal`, `cancel`, `patch`, ...); `ok` is false for an
 * error outcome; `value` is JSON text.
 */
export interface JournalEntry {
  seq: number;
  step: number;
  at: number;
  kind: string;
  ok: boolean;
  value: string;
}

/** A signal sent to a workflow while no engine ran it. */
export interface InboxItem {
  seq: number;
  name: string;
  payload: string;
}

/** What a store writes in one transaction: all of it, or (on a failure) none of it. */
export interface Batch {
  /** Journal appends, per workflow in `seq` order. */
  entries: { id: string; entry: JournalEntry }[];
  /** Workflows that ended: their final state, result or error. */
  finished: { id: string; state: WorkflowState; result: string; error: string; updated: number }[];
  /** Signals for workflows no engine runs now. */
  inbox: { id: string; name: string; payload: string }[];
  /** Inbox items that were moved into their journal by this batch. */
  inboxTaken: { id: string; seq: number }[];
}

/** A workflow with what an engine needs to resume it. */
export interface Recoverable {
  record: WorkflowRecord;
  journal: JournalEntry[];
  inbox: InboxItem[];
}

/** A value, or a promise of it: stores may be synchronous (memory, SQLite) or not (Redis). */
export type Awaitable<T> = T | Promise<T>;

/**
 * The storage a {@link DurableEngine} journals to. Every method may return a promise; a store
 * that answers synchronously (SQLite, memory) lets the engine deliver outcomes without a turn
 * of the event loop. `write` is atomic: an error means nothing of the batch was kept.
 *
 * @example
 * ```ts
 * const engine = new DurableEngine({ store: new MemoryStore(), workflows });
 * ```
 */
export interface Store {
  /** Inserts `record` unless its id exists; returns the stored record and whether it is new. */
  create(record: WorkflowRecord): Awaitable<{ record: WorkflowRecord; created: boolean }>;
  get(id: string): Awaitable<WorkflowRecord | undefined>;
  list(): Awaitable<WorkflowRecord[]>;
  /** Unfinished workflows (`ids` given: only those) with their journals and inboxes. */
  recoverable(ids?: readonly string[]): Awaitable<Recoverable[]>;
  /** Optional: the inbox of workflow `id` alone (cheaper than `recoverable([id])` when the journal is long). */
  inbox?(id: string): Awaitable<InboxItem[]>;
  write(batch: Batch): Awaitable<void>;
  /** Drops the journal of a finished workflow, keeping its record (and so its result). */
  compact(id: string): Awaitable<void>;
  close(): Awaitable<void>;
}

/**
 * A store that several engines share (processes, machines), such as `RedisStore` in
 * `yieldos/bullmq`. Before an engine runs a workflow, its host takes the workflow's lease; each
 * lease comes with a fencing token that grows with every acquisition, and the store refuses
 * journal writes for a workflow whose lease was since taken by a later token, so two engines
 * never both append to one journal. The store remembers the token of each lease it holds, so
 * `write` keeps its signature.
 *
 * `write` on a leased store is atomic per workflow: when some workflows' leases were lost, it
 * writes the other workflows' parts and throws {@link LeaseLostError} naming the refused ids.
 *
 * @example
 * ```ts
 * const token = await store.acquire("order-1", "worker-a", 30_000);
 * if (token !== null) await engine.recover(["order-1"]);
 * ```
 */
export interface LeasedStore extends Store {
  /**
   * Takes the lease on workflow `id` for `ttlMs` on behalf of `owner`. Resolves with the new
   * fencing token (greater than any earlier one for `id`), or `null` while another owner's lease is live.
   */
  acquire(id: string, owner: string, ttlMs: number): Awaitable<number | null>;
  /** Extends the lease this store holds on `id`; `false` if it was lost (expired and taken, or never held). */
  renew(id: string, ttlMs: number): Awaitable<boolean>;
  /** Gives up the lease this store holds on `id` (a no-op if it holds none). */
  release(id: string): Awaitable<void>;
}

/** Whether `store` is a {@link LeasedStore}. */
export function isLeasedStore(store: Store): store is LeasedStore {
  const s = store as Partial<LeasedStore>;
  return typeof s.acquire === "function" && typeof s.renew === "function" && typeof s.release === "function";
}

/** An empty batch. */
export function emptyBatch(): Batch {
  return { entries: [], finished: [], inbox: [], inboxTaken: [] };
}

/** Whether `batch` has nothing to write. */
export function isEmptyBatch(batch: Batch): boolean {
  return batch.entries.length === 0 && batch.finished.length === 0 && batch.inbox.length === 0 && batch.inboxTaken.length === 0;
}
