import type { IoEntry } from "./entry.js";
import type { IoHandler } from "./types.js";

/**
 * Calls each op type's handler once with its batch. A missing handler, a throw, or a rejected
 * returned promise becomes `fail(entry, error)` for every request of the batch; nothing escapes.
 * `fail` on an op that already settled is the ring's to ignore (and count).
 */
export function runHandlers(
  groups: Map<string, IoEntry[]>,
  handlers: ReadonlyMap<string, IoHandler>,
  fail: (entry: IoEntry, error: unknown) => void,
): void {
  for (const [type, batch] of groups) {
    const handler = handlers.get(type);
    if (handler === undefined) {
      const error = new TypeError(
        `No handler for op type "${type}": register one with ring.register("${type}", handler) or the \`handlers\` option`,
      );
      for (const entry of batch) fail(entry, error);
      continue;
    }
    let result: unknown;
    try {
      result = handler(batch);
    } catch (error) {
      for (const entry of batch) fail(entry, error);
      continue;
    }
    if (result !== null && typeof result === "object" && typeof (result as PromiseLike<unknown>).then === "function") {
      const failBatch = (error: unknown): void => {
        for (const entry of batch) fail(entry, error);
      };
      try {
        (result as PromiseLike<unknown>).then(undefined, failBatch);
      } catch (error) {
        failBatch(error);
      }
    }
  }
}

/** Adds `entry` to its type's batch. */
export function addToBatch(groups: Map<string, IoEntry[]>, entry: IoEntry): void {
  const batch = groups.get(entry.type);
  if (batch === undefined) groups.set(entry.type, [entry]);
  else batch.push(entry);
}
