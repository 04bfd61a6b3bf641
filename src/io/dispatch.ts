import { BUILTIN_RUNNERS, type BatchRunner } from "./builtin-ops.js";
import type { IoEntry } from "./entry.js";
import type { IoHandler } from "./types.js";

type Fail = (entry: IoEntry, error: unknown) => void;

/**
 * The requests one `enter()` dispatches, by op type in order of first appearance, then handed to
 * each type's handler at once. One per ring, reused by every `enter()`, and built for the usual
 * case of one op type per `enter()`: no map then, and for a built-in type no fresh array either.
 *
 * A missing handler, a throw, or a rejected returned promise becomes `fail(entry, error)` for every
 * request of the batch; nothing escapes. `fail` on an op that already settled is the ring's to
 * ignore (and count).
 */
export class Dispatch {
  #type: string | undefined = undefined;
  /** The requests of `#type`: its first `#count` slots. Kept for the next `enter()` after a built-in type. */
  #first: IoEntry[] | null = [];
  #count = 0;
  /** The batches of other types: rare, so made on demand. */
  #others: Map<string, IoEntry[]> | null = null;

  add(entry: IoEntry): void {
    const type = entry.type;
    if (this.#type === undefined) this.#type = type;
    else if (type !== this.#type) return this.#addOther(entry);
    const first = (this.#first ??= []);
    if (this.#count < first.length) first[this.#count] = entry;
    else first.push(entry);
    this.#count++;
  }

  /** Calls each type's handler once with its batch; empties the dispatch first, so a handler may `enter()` again. */
  run(handlers: ReadonlyMap<string, IoHandler>, fail: Fail): void {
    const type = this.#type;
    if (type === undefined) return;
    const first = this.#first!;
    const count = this.#count;
    const others = this.#others;
    this.#type = undefined;
    this.#first = null;
    this.#count = 0;
    this.#others = null;
    const runner = BUILTIN_RUNNERS.get(type);
    if (runner === undefined) {
      first.length = count; // the handler's to keep
      runBatch(type, first, handlers.get(type), fail);
    } else {
      runBuiltin(first, count, runner, fail);
      for (let i = 0; i < count; i++) first[i] = undefined!; // hold no finished op
      this.#first ??= first;
    }
    if (others !== null) for (const [t, batch] of others) runBatch(t, batch, handlers.get(t), fail);
  }

  #addOther(entry: IoEntry): void {
    const others = (this.#others ??= new Map());
    const batch = others.get(entry.type);
    if (batch === undefined) others.set(entry.type, [entry]);
    else batch.push(entry);
  }
}

/** A built-in type's batch: the first `count` requests of `batch`, which the runner does not keep. */
function runBuiltin(batch: IoEntry[], count: number, run: BatchRunner, fail: Fail): void {
  try {
    run(batch, count);
  } catch (error) {
    for (let i = 0; i < count; i++) fail(batch[i], error);
  }
}

function runBatch(type: string, batch: IoEntry[], handler: IoHandler | undefined, fail: Fail): void {
  if (handler === undefined) {
    const error = new TypeError(
      `No handler for op type "${type}": register one with ring.register("${type}", handler) or the \`handlers\` option`,
    );
    for (const entry of batch) fail(entry, error);
    return;
  }
  let result: unknown;
  try {
    result = handler(batch);
  } catch (error) {
    for (const entry of batch) fail(entry, error);
    return;
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
