import { decode, encode } from "./codec.js";
import { storeCall } from "./errors.js";
import type { Outcome } from "./outcome.js";
import { emptyBatch, type Batch, type InboxItem, type Store } from "./store.js";

/** The inbox name of a cancel sent while no engine ran the workflow. */
export const CANCEL = "\u0000cancel";

/** An inbox item as the outcome that moves it into the journal. */
export function inboxOutcome(item: InboxItem): Outcome {
  return item.name === CANCEL
    ? { step: -1, kind: "cancel", ok: true, value: item.payload, inboxSeq: item.seq }
    : { step: -1, kind: "signal", ok: true, value: encode({ name: item.name, payload: item.payload }, "a signal"), inboxSeq: item.seq };
}

/**
 * The inverse of {@link inboxOutcome} for an outcome of workflow `id` that no journal holds: a
 * signal or cancel sent through an engine, as the inbox item that carries it to the next engine;
 * `null` for any other outcome, and for one taken from the inbox (it stays there).
 */
function toInboxItem(id: string, o: Outcome): Batch["inbox"][number] | null {
  if (o.step !== -1 || o.inboxSeq !== undefined || (o.kind !== "signal" && o.kind !== "cancel")) return null;
  if (o.kind === "cancel") return { id, name: CANCEL, payload: o.value };
  const { name, payload } = decode(o.value) as { name: string; payload: string };
  return { id, name, payload };
}

/**
 * Moves the signals and cancels of workflow `id` among `outcomes` (sent through an engine, not
 * journaled) to the store's inbox, in order, in one write; then settles their senders. A failed
 * write rejects the senders and goes to `report`; the promise always resolves.
 */
export function moveToInbox(store: Store, id: string, outcomes: readonly Outcome[], report: (error: unknown) => void): Promise<void> {
  const inbox: Batch["inbox"] = [];
  const dones: ((error?: unknown) => void)[] = [];
  for (const o of outcomes) {
    const item = toInboxItem(id, o);
    if (item === null) continue;
    inbox.push(item);
    if (o.done !== undefined) dones.push(o.done);
  }
  if (inbox.length === 0) return Promise.resolve();
  return storeCall("write", () => store.write({ ...emptyBatch(), inbox })).then(
    () => {
      for (const d of dones) d();
    },
    (e) => {
      for (const d of dones) d(e);
      report(e);
    },
  );
}
