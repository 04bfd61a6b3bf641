import { StoreError } from "./errors.js";
import type { Batch, InboxItem, JournalEntry, Recoverable, Store, WorkflowRecord } from "./store.js";

interface Slot {
  record: WorkflowRecord;
  journal: JournalEntry[];
  inbox: InboxItem[];
  inboxSeq: number;
}

/**
 * A {@link Store} in memory, for tests and development. It outlives the engines that use it:
 * after `engine.close()` (a simulated crash) a new engine on the same `MemoryStore` recovers the
 * unfinished workflows. Entries are copied in and out, so nothing an engine keeps aliases it.
 *
 * @example
 * ```ts
 * const store = new MemoryStore();
 * const a = new DurableEngine({ store, workflows });
 * await a.start("order", [1], { id: "o1" });
 * await a.close();                       // as a crash would
 * const b = new DurableEngine({ store, workflows });
 * await b.recover();
 * await b.result("o1");
 * ```
 */
export class MemoryStore implements Store {
  #slots = new Map<string, Slot>();

  #slot(id: string): Slot | undefined {
    return this.#slots.get(id);
  }

  create(record: WorkflowRecord): { record: WorkflowRecord; created: boolean } {
    const old = this.#slot(record.id);
    if (old !== undefined) return { record: { ...old.record }, created: false };
    this.#slots.set(record.id, { record: { ...record }, journal: [], inbox: [], inboxSeq: 0 });
    return { record: { ...record }, created: true };
  }

  get(id: string): WorkflowRecord | undefined {
    const s = this.#slot(id);
    return s === undefined ? undefined : { ...s.record };
  }

  list(): WorkflowRecord[] {
    return [...this.#slots.values()].map((s) => ({ ...s.record }));
  }

  recoverable(ids?: readonly string[]): Recoverable[] {
    const slots = ids === undefined ? [...this.#slots.values()] : ids.map((id) => this.#slots.get(id)).filter((s) => s !== undefined);
    return slots
      .filter((s) => s.record.state === "running")
      .map((s) => ({ record: { ...s.record }, journal: s.journal.map((e) => ({ ...e })), inbox: s.inbox.map((i) => ({ ...i })) }));
  }

  inbox(id: string): InboxItem[] {
    return (this.#slots.get(id)?.inbox ?? []).map((i) => ({ ...i }));
  }

  write(batch: Batch): void {
    // Check everything first, so a bad batch changes nothing.
    const lastSeq = new Map<string, number>();
    for (const { id, entry } of batch.entries) {
      const s = this.#slots.get(id);
      if (s === undefined) throw new StoreError(`MemoryStore.write: no workflow "${id}" for journal entry ${entry.seq}`);
      const last = lastSeq.get(id) ?? (s.journal.length === 0 ? -1 : s.journal[s.journal.length - 1].seq);
      if (entry.seq <= last) throw new StoreError(`MemoryStore.write: journal entry ${entry.seq} of "${id}" is not after ${last}`);
      lastSeq.set(id, entry.seq);
    }
    for (const { id } of [...batch.finished, ...batch.inbox, ...batch.inboxTaken]) {
      if (!this.#slots.has(id)) throw new StoreError(`MemoryStore.write: no workflow "${id}"`);
    }
    for (const { id, entry } of batch.entries) this.#slots.get(id)!.journal.push({ ...entry });
    for (const f of batch.finished) {
      const r = this.#slots.get(f.id)!.record;
      Object.assign(r, { state: f.state, result: f.result, error: f.error, updated: f.updated });
    }
    for (const i of batch.inbox) {
      const s = this.#slots.get(i.id)!;
      s.inbox.push({ seq: ++s.inboxSeq, name: i.name, payload: i.payload });
    }
    for (const t of batch.inboxTaken) {
      const s = this.#slots.get(t.id)!;
      s.inbox = s.inbox.filter((i) => i.seq !== t.seq);
    }
  }

  compact(id: string): void {
    const s = this.#slots.get(id);
    if (s === undefined) throw new StoreError(`MemoryStore.compact: no workflow "${id}"`);
    if (s.record.state === "running") throw new StoreError(`MemoryStore.compact: workflow "${id}" has not finished; only a finished workflow's journal can be compacted`);
    s.journal = [];
  }

  /** Journal of `id` (a copy), for tests and tools. */
  journal(id: string): JournalEntry[] {
    return (this.#slots.get(id)?.journal ?? []).map((e) => ({ ...e }));
  }

  /** Nothing to release: the data stays for the next engine, as a file would. */
  close(): void {}
}
