import { NoSuchTaskError, describeValue } from "../errors.js";
import type { Tid } from "../kernel/types.js";
import { fork } from "../syscalls/fork.js";
import { kill } from "../syscalls/kill.js";
import { wait } from "../syscalls/wait.js";
import { channel, type Channel } from "./channel.js";

/** How one joined task ended: its value, its error, or that it had ended before a watcher saw it. @internal */
export type Report = { index: number; ok: true; value: unknown } | { index: number; ok: false; error: unknown } | { index: number; gone: true };

/** How a joined task ended, once known. @internal */
export type Outcome = Exclude<Report, { gone: true }>;

/**
 * The result type a {@link Tid} carries: what `wait` on it returns.
 *
 * @example
 * ```ts
 * type R = TidResult<Tid<string>>; // string
 * ```
 */
export type TidResult<X> = X extends Tid<infer R> ? R : unknown;

/** Throws a `TypeError` naming the bad value unless `tids` is an array of integer tids. @internal */
export function checkTids(what: string, tids: unknown): asserts tids is readonly number[] {
  if (!Array.isArray(tids)) throw new TypeError(`${what} expects an array of tids, got ${describeValue(tids)}`);
  tids.forEach((tid, i) => {
    if (!Number.isInteger(tid)) throw new TypeError(`${what}: tids[${i}] must be an integer tid, got ${describeValue(tid)}`);
  });
}

/**
 * Forks one watcher per tid: it waits on its task and sends how it ended to the returned
 * channel. Watchers are children of the caller, so they count against its budget's
 * `maxChildren` and their syscalls against the rest of it.
 * @internal
 */
export function* watch(what: string, tids: readonly number[]): Generator<unknown, { reports: Channel<Report>; watchers: number[] }, unknown> {
  const reports = channel<Report>({ capacity: tids.length, name: what });
  const watchers: number[] = [];
  for (let i = 0; i < tids.length; i++) {
    const tid = tids[i];
    const watcher = function* (): Generator<unknown, void, unknown> {
      let report: Report;
      try {
        report = { index: i, ok: true, value: yield* wait(tid) };
      } catch (error) {
        // An ended task can only be collected by its parent: the caller tries that itself.
        report = error instanceof NoSuchTaskError ? { index: i, gone: true } : { index: i, ok: false, error };
      }
      yield* reports.send(report);
    };
    watchers.push(yield* fork(watcher, { name: `${what}:watch#${tid}` }));
  }
  return { reports, watchers };
}

/** The next task to end, with its outcome; a task that ended before its watcher started is waited on directly. @internal */
export function* next(reports: Channel<Report>, tids: readonly number[]): Generator<unknown, Outcome, unknown> {
  const m = yield* reports.receive();
  if (m.done) throw new Error(`join channel "${reports.name}" closed early`);
  const r = m.value;
  if (!("gone" in r)) return r;
  try {
    return { index: r.index, ok: true, value: yield* wait(tids[r.index]) };
  } catch (error) {
    return { index: r.index, ok: false, error };
  }
}

/**
 * Kills the tasks in `doomed`, then waits for every task in `collect` to end, so the killed ones'
 * `finally` blocks have run and the caller's exit records of its children are freed. Errors of
 * those waits are expected (a killed task's wait throws) and ignored.
 * @internal
 */
export function* cleanup(doomed: readonly number[], collect: readonly number[]): Generator<unknown, void, unknown> {
  for (const tid of doomed) yield* kill(tid, "lost a join");
  for (const tid of new Set(collect)) {
    try {
      yield* wait(tid);
    } catch {
      // killed, failed, or not ours to collect: either way it has ended
    }
  }
}
