import type { Tid } from "../kernel/types.js";
import { checkTids, cleanup, next, watch, type Outcome, type TidResult } from "./join-watch.js";

/**
 * The results of {@link waitAll}: a tuple of each task's result type, in the order of the tids.
 *
 * @example
 * ```ts
 * type R = WaitAllResult<[Tid<string>, Tid<number>]>; // [string, number]
 * ```
 */
export type WaitAllResult<T extends readonly Tid<unknown>[]> = { -readonly [K in keyof T]: TidResult<T[K]> };

/**
 * What {@link waitAny} returns: which task ended first, and its result.
 *
 * @example
 * ```ts
 * const { index, tid, value } = yield* waitAny([a, b]);
 * ```
 */
export interface WaitAnyResult<T> {
  /** Its position in the tids given. */
  index: number;
  tid: number;
  value: T;
}

/**
 * Waits for every task in `tids` and returns their results in the order of `tids`. If one fails
 * (or is killed), the others are killed, their `finally` blocks run, and then its error is
 * thrown. One watcher task per tid is forked to do the waiting: they count against the caller's
 * budget (`maxChildren`, `maxSyscalls`). The caller's exit records of the tasks are collected.
 *
 * @example
 * ```ts
 * const reads = [yield* fork(readNotes()), yield* fork(search("yieldos"))];
 * const [notes, hits] = yield* waitAll(reads); // typed from the forked tasks
 * ```
 */
export function* waitAll<const T extends readonly Tid<unknown>[]>(tids: T): Generator<unknown, WaitAllResult<T>, unknown> {
  checkTids("waitAll", tids);
  const results = new Array<unknown>(tids.length);
  if (tids.length === 0) return results as WaitAllResult<T>;
  const { reports, watchers } = yield* watch("waitAll", tids);
  const pending = new Set(tids.map((_, i) => i));
  let failure: { error: unknown } | null = null;
  let settled = false;
  try {
    while (pending.size > 0) {
      const r = yield* next(reports, tids);
      pending.delete(r.index);
      if (!r.ok) {
        failure = { error: r.error };
        break;
      }
      results[r.index] = r.value;
    }
    settled = true;
  } finally {
    // Thrown out of the loop (a budget, a kill): stop the watchers, leave the tasks alone.
    if (!settled) yield* cleanup([...pending].map((i) => watchers[i]), watchers);
  }
  const losers = failure === null ? [] : [...pending];
  yield* cleanup([...losers.map((i) => watchers[i]), ...losers.map((i) => tids[i])], [...watchers, ...tids]);
  if (failure !== null) throw failure.error;
  return results as WaitAllResult<T>;
}

/**
 * Waits for the first task in `tids` to end: the others are killed and have ended (their
 * `finally` blocks ran) before it returns. Returns the winner's index, tid and value; if the
 * first to end failed or was killed, its error is thrown instead (after the same cleanup).
 * Like {@link waitAll}, it forks one watcher task per tid.
 *
 * @example
 * ```ts
 * const { index, value } = yield* waitAny([yield* fork(askA()), yield* fork(askB())]);
 * console.log(`answer ${index} was first: ${value}`);
 * ```
 */
export function* waitAny<const T extends readonly Tid<unknown>[]>(tids: T): Generator<unknown, WaitAnyResult<TidResult<T[number]>>, unknown> {
  checkTids("waitAny", tids);
  if (tids.length === 0) throw new RangeError("waitAny needs at least one tid, got an empty array");
  const { reports, watchers } = yield* watch("waitAny", tids);
  let first: Outcome | null = null;
  try {
    first = yield* next(reports, tids);
  } finally {
    if (first === null) yield* cleanup(watchers, watchers);
  }
  const index = first.index;
  const losers = tids.map((_, i) => i).filter((i) => i !== index);
  yield* cleanup([...losers.map((i) => watchers[i]), ...losers.map((i) => tids[i])], [...watchers, ...tids]);
  if (!first.ok) throw first.error;
  return { index: first.index, tid: tids[first.index], value: first.value as TidResult<T[number]> };
}
