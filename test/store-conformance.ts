/**
 * One contract for every durable store: `storeConformance(name, open)` registers the same tests
 * for MemoryStore, SqliteStore and RedisStore (test/store-conformance.test.ts). `open()` makes a
 * fresh, empty store and a function that reopens its data in a new store (after `close()`), as a
 * new process would.
 */
import { describe, expect, it } from "vitest";
import { StoreError, emptyBatch, type Batch, type JournalEntry, type Store, type WorkflowRecord } from "../src/durable/index.js";

export interface Opened {
  store: Store;
  /** A new store on the same data (the old one is closed first). */
  reopen: () => Promise<Store>;
  /** Removes whatever the store left behind. */
  cleanup: () => Promise<void>;
}

export interface ConformanceOptions {
  /** Tests (by title) this store is known to fail, with the reason: registered with `it.fails`. */
  fails?: Record<string, string>;
}

export function record(id: string, created = 1_000, state: WorkflowRecord["state"] = "running"): WorkflowRecord {
  return { id, runId: `run-${id}`, name: "order", args: `["${id}"]`, state, result: "", error: "", created, updated: created };
}

export function entry(seq: number, value = `"v${seq}"`, extra: Partial<JournalEntry> = {}): JournalEntry {
  return { seq, step: seq, at: seq, kind: "io", ok: true, value, ...extra };
}

export function batch(parts: Partial<Batch>): Batch {
  return { ...emptyBatch(), ...parts };
}

/** The journal of `id` through the store's `journal(id)` tool method (every store here has one). */
async function journalOf(s: Store, id: string): Promise<JournalEntry[]> {
  return (s as unknown as { journal: (id: string) => JournalEntry[] | Promise<JournalEntry[]> }).journal(id);
}

/** Registers the conformance tests for one store. */
export function storeConformance(name: string, open: () => Promise<Opened>, options: ConformanceOptions = {}): void {
  const test = (title: string, body: (s: Store) => Promise<void>) => {
    const reason = options.fails?.[title];
    const run = async () => {
      const o = await open();
      try {
        await body(o.store);
      } finally {
        await o.store.close();
        await o.cleanup();
      }
    };
    if (reason === undefined) it(title, run);
    else it.fails(`${title} (known to fail: ${reason})`, run);
  };

  describe(`store conformance: ${name}`, () => {
    test("create inserts a record once and returns the stored one when the id exists", async (s) => {
      expect(await s.create(record("a"))).toEqual({ record: record("a"), created: true });
      const again = await s.create({ ...record("a"), runId: "other", args: "[]" });
      expect(again).toEqual({ record: record("a"), created: false });
      expect(await s.get("a")).toEqual(record("a"));
    });

    test("get answers undefined for an unknown id and list returns every record", async (s) => {
      expect(await s.get("nope")).toBeUndefined();
      await s.create(record("b", 2_000));
      await s.create(record("a", 1_000));
      await s.create(record("c", 2_000, "completed"));
      // The order of list() is the store's (SQLite and Redis: by created, then id; memory: insertion).
      expect((await s.list()).sort((x, y) => x.id.localeCompare(y.id))).toEqual([record("a", 1_000), record("b", 2_000), record("c", 2_000, "completed")]);
    });

    test("write appends journal entries that recoverable returns in seq order, values byte for byte", async (s) => {
      await s.create(record("a"));
      const odd = entry(2, JSON.stringify({ text: "a,b:c\n\u00e9\u{1F600}\"" }), { kind: "k:1,2", ok: false, step: -1, at: -1 });
      await s.write(batch({ entries: [{ id: "a", entry: entry(0) }, { id: "a", entry: entry(1, "") }] }));
      await s.write(batch({ entries: [{ id: "a", entry: odd }] }));
      const [r] = await s.recoverable();
      expect(r!.record).toEqual(record("a"));
      expect(r!.journal).toEqual([entry(0), entry(1, ""), odd]);
      expect(r!.inbox).toEqual([]);
    });

    test("a batch with a journal entry whose seq is already taken fails with a StoreError and writes nothing", async (s) => {
      await s.create(record("a"));
      await s.create(record("b"));
      await s.write(batch({ entries: [{ id: "a", entry: entry(0) }] }));
      const bad = batch({
        entries: [{ id: "b", entry: entry(0) }, { id: "a", entry: entry(0, `"again"`) }],
        finished: [{ id: "b", state: "completed", result: "1", error: "", updated: 5 }],
        inbox: [{ id: "b", name: "go", payload: "1" }],
      });
      await expect(Promise.resolve().then(() => s.write(bad))).rejects.toThrow(StoreError);
      const all = await s.recoverable();
      expect(all.map((r) => [r.record.id, r.journal.length, r.inbox.length])).toEqual([
        ["a", 1, 0],
        ["b", 0, 0],
      ]);
    });

    test("a batch naming a workflow that does not exist fails with a StoreError and writes nothing", async (s) => {
      await s.create(record("a"));
      const bad = batch({ entries: [{ id: "a", entry: entry(0) }, { id: "ghost", entry: entry(0) }] });
      await expect(Promise.resolve().then(() => s.write(bad))).rejects.toThrow(StoreError);
      expect((await s.recoverable())[0]!.journal).toEqual([]);
    });

    test("a finished workflow leaves recoverable and keeps its state, result and update time", async (s) => {
      await s.create(record("a"));
      await s.create(record("b"));
      await s.write(batch({ entries: [{ id: "a", entry: entry(0) }], finished: [{ id: "a", state: "completed", result: `{"n":1}`, error: "", updated: 9_000 }] }));
      expect((await s.recoverable()).map((r) => r.record.id)).toEqual(["b"]);
      expect(await s.get("a")).toEqual({ ...record("a"), state: "completed", result: `{"n":1}`, updated: 9_000 });
      await s.write(batch({ finished: [{ id: "b", state: "failed", result: "", error: `{"message":"x"}`, updated: 9_001 }] }));
      expect(await s.recoverable()).toEqual([]);
      expect((await s.get("b"))!.state).toBe("failed");
    });

    test("recoverable with ids returns only those that exist and are unfinished", async (s) => {
      for (const id of ["a", "b", "c"]) await s.create(record(id));
      await s.write(batch({ entries: [{ id: "c", entry: entry(0) }], finished: [{ id: "b", state: "cancelled", result: "", error: "", updated: 2 }] }));
      const got = await s.recoverable(["c", "b", "nope"]);
      expect(got.map((r) => [r.record.id, r.journal.length])).toEqual([["c", 1]]);
      expect(await s.recoverable([])).toEqual([]);
    });

    test("keeps a workflow's signals in the order sent until a batch takes them", async (s) => {
      await s.create(record("a"));
      await s.create(record("b"));
      await s.write(batch({ inbox: [{ id: "a", name: "first", payload: `1` }] }));
      await s.write(batch({ inbox: [{ id: "b", name: "other", payload: `"x"` }, { id: "a", name: "sec:ond", payload: `{"k":[2]}` }] }));
      await s.write(batch({ inbox: [{ id: "a", name: "third", payload: `3` }] }));
      const [a] = await s.recoverable(["a"]);
      expect(a!.inbox.map((i) => [i.name, i.payload])).toEqual([
        ["first", "1"],
        ["sec:ond", `{"k":[2]}`],
        ["third", "3"],
      ]);
      const seqs = a!.inbox.map((i) => i.seq);
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      if (s.inbox !== undefined) expect(await s.inbox("a")).toEqual(a!.inbox);
      await s.write(batch({ entries: [{ id: "a", entry: entry(0, `"first"`, { kind: "signal", step: -1 }) }], inboxTaken: [{ id: "a", seq: seqs[0]! }] }));
      const [after] = await s.recoverable(["a"]);
      expect(after!.inbox.map((i) => i.name)).toEqual(["sec:ond", "third"]);
      expect(after!.journal).toHaveLength(1);
      expect((await s.recoverable(["b"]))[0]!.inbox.map((i) => i.name)).toEqual(["other"]);
    });

    test("compact drops a finished workflow's journal and keeps its result; an unfinished one is refused", async (s) => {
      await s.create(record("a"));
      await s.create(record("b"));
      await s.write(batch({ entries: [{ id: "a", entry: entry(0) }, { id: "b", entry: entry(0) }], finished: [{ id: "a", state: "completed", result: "42", error: "", updated: 3 }] }));
      await s.compact("a");
      expect((await s.get("a"))!.result).toBe("42");
      expect(await journalOf(s, "a")).toEqual([]);
      await expect(Promise.resolve().then(() => s.compact("b"))).rejects.toThrow(/has not finished/);
      await expect(Promise.resolve().then(() => s.compact("nope"))).rejects.toThrow(StoreError);
      expect((await s.recoverable(["b"]))[0]!.journal).toHaveLength(1);
    });
  });

  describe(`store conformance: ${name} after reopening`, () => {
    it("a new store on the same data sees the records, journals and signals the old one wrote", async () => {
      const o = await open();
      let store = o.store;
      try {
        await store.create(record("a"));
        await store.write(batch({ entries: [{ id: "a", entry: entry(0) }], inbox: [{ id: "a", name: "go", payload: "true" }] }));
        store = await o.reopen();
        const [a] = await store.recoverable();
        expect(a!.record).toEqual(record("a"));
        expect(a!.journal).toEqual([entry(0)]);
        expect(a!.inbox.map((i) => i.name)).toEqual(["go"]);
        expect((await store.create(record("a"))).created).toBe(false);
      } finally {
        await store.close();
        await o.cleanup();
      }
    });
  });
}
