import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";
import { StoreError } from "../durable/errors.js";
import type { Batch, InboxItem, JournalEntry, Recoverable, Store, WorkflowRecord } from "../durable/store.js";

declare const __filename: string | undefined;

function loadDriver(): typeof BetterSqlite3 {
  // CJS build: __filename; ESM build: import.meta.url (bundlers turn a bare `require` into a stub).
  const req = createRequire(typeof __filename === "string" ? __filename : import.meta.url);
  try {
    return req("better-sqlite3") as typeof BetterSqlite3;
  } catch (error) {
    throw new Error(
      `yieldos/sqlite needs the optional peer dependency better-sqlite3 12.x (13 crashes on Node 20): npm install better-sqlite3@^12 (${String((error as Error)?.message ?? error).split("\n")[0]})`,
    );
  }
}

const Database = loadDriver();

const SCHEMA = `
CREATE TABLE IF NOT EXISTS yieldos_workflows (
  id TEXT PRIMARY KEY, run_id TEXT NOT NULL, name TEXT NOT NULL, args TEXT NOT NULL,
  state TEXT NOT NULL, result TEXT NOT NULL, error TEXT NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS yieldos_workflows_state ON yieldos_workflows (state);
CREATE TABLE IF NOT EXISTS yieldos_journal (
  wf TEXT NOT NULL, seq INTEGER NOT NULL, step INTEGER NOT NULL, at INTEGER NOT NULL,
  kind TEXT NOT NULL, ok INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (wf, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS yieldos_inbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, wf TEXT NOT NULL, name TEXT NOT NULL, payload TEXT NOT NULL
);
`;

type Row = [string, string, string, string, string, string, string, number, number];

/** Options of a {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** `PRAGMA synchronous`: `"FULL"` (default: a commit survives power loss) or `"NORMAL"` (survives a process crash). */
  synchronous?: "FULL" | "NORMAL";
}

/**
 * The embedded durable store: one SQLite file (better-sqlite3, WAL mode, `synchronous=FULL` by
 * default). Each journal batch is one transaction, committed synchronously, so the engine
 * delivers outcomes without waiting for the event loop. A file that is not a SQLite database,
 * or a journal with a gap, fails with a `StoreError` naming the file.
 *
 * @example
 * ```ts
 * import { DurableEngine } from "yieldos/durable";
 * import { SqliteStore } from "yieldos/sqlite";
 * const engine = new DurableEngine({ store: new SqliteStore("workflows.db"), workflows });
 * await engine.recover();
 * ```
 */
export class SqliteStore implements Store {
  readonly path: string;
  readonly #db: BetterSqlite3.Database;
  readonly #s: Record<string, BetterSqlite3.Statement>;
  readonly #write: (batch: Batch) => void;
  #closed = false;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    if (typeof path !== "string" || path === "") throw new TypeError(`SqliteStore expects a file path, got ${JSON.stringify(path)}`);
    this.path = path;
    try {
      this.#db = new Database(path);
      this.#db.pragma("journal_mode = WAL");
      this.#db.pragma(`synchronous = ${options.synchronous === "NORMAL" ? "NORMAL" : "FULL"}`);
      this.#db.pragma("busy_timeout = 5000");
      this.#db.exec(SCHEMA);
    } catch (error) {
      throw this.#error("open", error);
    }
    const db = this.#db;
    this.#s = {
      insertWf: db.prepare("INSERT INTO yieldos_workflows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"),
      getWf: db.prepare("SELECT * FROM yieldos_workflows WHERE id = ?").raw(true),
      listWf: db.prepare("SELECT * FROM yieldos_workflows ORDER BY created, id").raw(true),
      running: db.prepare("SELECT * FROM yieldos_workflows WHERE state = 'running' ORDER BY created, id").raw(true),
      journalOf: db.prepare("SELECT seq, step, at, kind, ok, value FROM yieldos_journal WHERE wf = ? ORDER BY seq").raw(true),
      inboxOfRunning: db.prepare("SELECT i.wf, i.seq, i.name, i.payload FROM yieldos_inbox i JOIN yieldos_workflows w ON w.id = i.wf WHERE w.state = 'running' ORDER BY i.seq").raw(true),
      inboxOf: db.prepare("SELECT wf, seq, name, payload FROM yieldos_inbox WHERE wf = ? ORDER BY seq").raw(true),
      append: db.prepare("INSERT INTO yieldos_journal VALUES (?, ?, ?, ?, ?, ?, ?)"),
      finish: db.prepare("UPDATE yieldos_workflows SET state = ?, result = ?, error = ?, updated = ? WHERE id = ?"),
      inbox: db.prepare("INSERT INTO yieldos_inbox (wf, name, payload) VALUES (?, ?, ?)"),
      take: db.prepare("DELETE FROM yieldos_inbox WHERE wf = ? AND seq = ?"),
      compact: db.prepare("DELETE FROM yieldos_journal WHERE wf = ?"),
    };
    const s = this.#s;
    this.#write = db.transaction((batch: Batch) => {
      for (const { id, entry: e } of batch.entries) s.append.run(id, e.seq, e.step, e.at, e.kind, e.ok ? 1 : 0, e.value);
      for (const f of batch.finished) s.finish.run(f.state, f.result, f.error, f.updated, f.id);
      for (const i of batch.inbox) s.inbox.run(i.id, i.name, i.payload);
      for (const t of batch.inboxTaken) s.take.run(t.id, t.seq);
    });
  }

  create(record: WorkflowRecord): { record: WorkflowRecord; created: boolean } {
    return this.#run("create", () => {
      const r = record;
      const info = this.#s.insertWf.run(r.id, r.runId, r.name, r.args, r.state, r.result, r.error, r.created, r.updated);
      if (info.changes === 1) return { record: { ...record }, created: true };
      return { record: this.get(record.id)!, created: false };
    });
  }

  get(id: string): WorkflowRecord | undefined {
    return this.#run("get", () => {
      const row = this.#s.getWf.get(id) as Row | undefined;
      return row === undefined ? undefined : toRecord(row);
    });
  }

  list(): WorkflowRecord[] {
    return this.#run("list", () => (this.#s.listWf.all() as Row[]).map(toRecord));
  }

  recoverable(ids?: readonly string[]): Recoverable[] {
    return this.#run("recoverable", () => {
      const out = new Map<string, Recoverable>();
      if (ids === undefined) {
        // One indexed range read per workflow: cheaper than one sorted read of all journals,
        // whose rows would each carry the workflow id (300k rows: ~20% less time).
        for (const row of this.#s.running.all() as Row[]) {
          out.set(row[0], { record: toRecord(row), journal: (this.#s.journalOf.all(row[0]) as unknown[][]).map(toEntry), inbox: [] });
        }
        for (const row of this.#s.inboxOfRunning.all() as unknown[][]) out.get(row[0] as string)?.inbox.push(toInbox(row));
      } else {
        for (const id of ids) {
          const rec = this.get(id);
          if (rec === undefined || rec.state !== "running") continue;
          out.set(id, {
            record: rec,
            journal: (this.#s.journalOf.all(id) as unknown[][]).map(toEntry),
            inbox: (this.#s.inboxOf.all(id) as unknown[][]).map(toInbox),
          });
        }
      }
      for (const r of out.values()) checkJournal(this.path, r.record.id, r.journal);
      return [...out.values()];
    });
  }

  inbox(id: string): InboxItem[] {
    return this.#run("inbox", () => (this.#s.inboxOf.all(id) as unknown[][]).map(toInbox));
  }

  write(batch: Batch): void {
    this.#run("write", () => this.#write(batch));
  }

  compact(id: string): void {
    this.#run("compact", () => {
      const rec = this.get(id);
      if (rec === undefined) throw new StoreError(`SqliteStore.compact: no workflow "${id}" in ${this.path}`);
      if (rec.state === "running") throw new StoreError(`SqliteStore.compact: workflow "${id}" has not finished; only a finished workflow's journal can be compacted`);
      this.#s.compact.run(id);
    });
  }

  /** The journal of `id`, for tests and tools. */
  journal(id: string): JournalEntry[] {
    return this.#run("journal", () => (this.#s.journalOf.all(id) as unknown[][]).map(toEntry));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  #run<T>(what: string, fn: () => T): T {
    if (this.#closed) throw new StoreError(`SqliteStore.${what}: the store on ${this.path} is closed`);
    try {
      return fn();
    } catch (error) {
      throw this.#error(what, error);
    }
  }

  #error(what: string, error: unknown): StoreError {
    if (error instanceof StoreError) return error;
    const code = (error as { code?: string })?.code;
    const hint = code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT" ? " (the file is not a SQLite database or is corrupt)" : "";
    return new StoreError(`SqliteStore.${what} on ${this.path} failed${hint}: ${String((error as Error)?.message ?? error)}`, { cause: error });
  }
}

function toRecord(r: Row): WorkflowRecord {
  return { id: r[0], runId: r[1], name: r[2], args: r[3], state: r[4] as WorkflowRecord["state"], result: r[5], error: r[6], created: r[7], updated: r[8] };
}

function toEntry(r: unknown[]): JournalEntry {
  return { seq: r[0] as number, step: r[1] as number, at: r[2] as number, kind: r[3] as string, ok: r[4] === 1, value: r[5] as string };
}

function toInbox(r: unknown[]): InboxItem {
  return { seq: r[1] as number, name: r[2] as string, payload: r[3] as string };
}

/** A journal must run seq 0, 1, 2, ... with outcomes in step order: anything else is corruption. */
function checkJournal(path: string, id: string, journal: readonly JournalEntry[]): void {
  let lastAt = 0;
  for (let i = 0; i < journal.length; i++) {
    const e = journal[i];
    if (e.seq !== i) throw new StoreError(`the journal of workflow "${id}" in ${path} is corrupt: entry ${i} has seq ${e.seq}`);
    if (e.at >= 0) {
      if (e.at < lastAt) throw new StoreError(`the journal of workflow "${id}" in ${path} is corrupt: entry ${i} arrives at step ${e.at}, before step ${lastAt}`);
      lastAt = e.at;
    }
  }
}
