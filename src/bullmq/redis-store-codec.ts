/**
 * How {@link RedisStore} spells journal entries, inbox items and records in Redis. An entry is one
 * list element, `seq,step,at,ok,kindLength:kind` followed by the value's JSON text: no JSON
 * around JSON, so a value is stored and read back without a second escape pass.
 *
 * @module
 */
import { StoreError } from "../durable/errors.js";
import type { InboxItem, JournalEntry, WorkflowRecord, WorkflowState } from "../durable/store.js";

/** One journal entry as a list element. */
export function encodeEntry(e: JournalEntry): string {
  return `${e.seq},${e.step},${e.at},${e.ok ? 1 : 0},${e.kind.length}:${e.kind}${e.value}`;
}

/** The entry of list element `text` of workflow `id` (a StoreError naming both if it is not one). */
export function decodeEntry(text: string, id: string): JournalEntry {
  const c1 = text.indexOf(",");
  const c2 = text.indexOf(",", c1 + 1);
  const c3 = text.indexOf(",", c2 + 1);
  const c4 = text.indexOf(",", c3 + 1);
  const colon = text.indexOf(":", c4 + 1);
  const kindEnd = colon + 1 + Number(text.slice(c4 + 1, colon));
  if (c1 < 0 || c2 < 0 || c3 < 0 || c4 < 0 || colon < 0 || !(kindEnd <= text.length)) {
    throw new StoreError(`the journal of workflow "${id}" in Redis is corrupt: ${JSON.stringify(text.slice(0, 80))} is not a journal entry`);
  }
  return {
    seq: Number(text.slice(0, c1)),
    step: Number(text.slice(c1 + 1, c2)),
    at: Number(text.slice(c2 + 1, c3)),
    ok: text.charCodeAt(c3 + 1) === 49, // "1"
    kind: text.slice(colon + 1, kindEnd),
    value: text.slice(kindEnd),
  };
}

/** An inbox item's name and payload; the store script puts `seq:` in front. */
export function encodeInbox(name: string, payload: string): string {
  return `${name.length}:${name}${payload}`;
}

/** The inbox item of sorted-set member `text` (`seq:nameLength:name` then the payload). */
export function decodeInbox(text: string, id: string): InboxItem {
  const c1 = text.indexOf(":");
  const c2 = text.indexOf(":", c1 + 1);
  const nameEnd = c2 + 1 + Number(text.slice(c1 + 1, c2));
  if (c1 < 0 || c2 < 0 || !(nameEnd <= text.length)) {
    throw new StoreError(`the inbox of workflow "${id}" in Redis is corrupt: ${JSON.stringify(text.slice(0, 80))} is not an inbox item`);
  }
  return { seq: Number(text.slice(0, c1)), name: text.slice(c2 + 1, nameEnd), payload: text.slice(nameEnd) };
}

/** The record of workflow `id` from its HMGET fields (see `RECORD_FIELDS`), or `undefined` if it has none. */
export function decodeRecord(id: string, f: readonly (string | null)[]): WorkflowRecord | undefined {
  if (f[0] === null || f[0] === undefined) return undefined;
  return {
    id,
    runId: f[0],
    name: f[1] ?? "",
    args: f[2] ?? "",
    state: (f[3] ?? "running") as WorkflowState,
    result: f[4] ?? "",
    error: f[5] ?? "",
    created: Number(f[6]),
    updated: Number(f[7]),
  };
}

/** A journal must run seq 0, 1, 2, ... (its list index): anything else is corruption. */
export function checkJournal(id: string, journal: readonly JournalEntry[]): void {
  for (let i = 0; i < journal.length; i++) {
    if (journal[i]!.seq !== i) throw new StoreError(`the journal of workflow "${id}" in Redis is corrupt: entry ${i} has seq ${journal[i]!.seq}`);
  }
}
