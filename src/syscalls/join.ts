import { describeValue } from "../checks.js";
import { Dispatched } from "../kernel/dispatched.js";
import { JoinWait, type JoinMode, type Settled } from "../kernel/join-wait.js";
import type { Kernel } from "../kernel/kernel.js";
import { TaskKilledError } from "../errors.js";
import type { Task } from "../kernel/task.js";
import type { TargetResult, TaskTarget, Tid } from "../kernel/types.js";
import { Kind, Syscall, type SyscallDescription } from "./syscall.js";

export type { Settled } from "../kernel/join-wait.js";

/**
 * The result type a {@link Tid} carries: what `wait` on it returns.
 *
 * @example
 * ```ts
 * type R = TidResult<Tid<string>>; // string
 * ```
 */
export type TidResult<X> = X extends Tid<infer R> ? R : unknown;

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
 * The results of {@link allSettled}: a tuple of each task's {@link Settled} outcome.
 *
 * @example
 * ```ts
 * type R = AllSettledResult<[Tid<string>]>; // [Settled<string>]
 * ```
 */
export type AllSettledResult<T extends readonly Tid<unknown>[]> = { -readonly [K in keyof T]: Settled<TidResult<T[K]>> };

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

const VERB: Record<Exclude<JoinMode, "race">, string> = { all: "waitAll", any: "waitAny", settled: "allSettled" };

/**
 * The syscall behind {@link waitAll}, {@link waitAny} and {@link allSettled}: the task waits on
 * several tasks at once, in the kernel (no helper tasks, nothing that a kill can cut in half).
 *
 * @example
 * ```ts
 * const [a, b] = yield* new Join<[number, string]>([t1, t2], "all");
 * ```
 */
export class Join<R = unknown> extends Syscall<R> {
  /** @internal */
  override readonly _kind = Kind.Join;
  readonly tids: readonly number[];

  constructor(
    tids: readonly number[],
    readonly mode: Exclude<JoinMode, "race">,
  ) {
    super();
    this.tids = checkTids(VERB[mode], tids);
    if (mode === "any" && tids.length === 0) throw new RangeError("waitAny needs at least one tid, got an empty array");
  }

  override describe(): SyscallDescription {
    return { name: VERB[this.mode], detail: this.tids.map((t) => `#${t}`).join(", ") };
  }
}

/**
 * The syscall behind {@link race}: forks each target as a child, then waits for the first to end.
 *
 * @example
 * ```ts
 * const winner = yield* new Race([fast, slow]);
 * ```
 */
export class Race<R = unknown> extends Syscall<R> {
  /** @internal */
  override readonly _kind = Kind.Race;
  readonly targets: readonly TaskTarget<unknown>[];

  constructor(targets: readonly TaskTarget<unknown>[]) {
    super();
    if (!Array.isArray(targets) || targets.length === 0) {
      throw new TypeError(`race expects a non-empty array of generator functions or generators, got ${describeValue(targets)}`);
    }
    targets.forEach((target, i) => {
      if (typeof target !== "function" && (target === null || typeof target !== "object" || typeof (target as Generator).next !== "function")) {
        throw new TypeError(`race: targets[${i}] must be a generator function or generator, got ${describeValue(target)}`);
      }
    });
    this.targets = [...targets];
  }

  override describe(): SyscallDescription {
    return { name: "race", detail: `${this.targets.length} tasks` };
  }
}

function checkTids(what: string, tids: unknown): readonly number[] {
  if (!Array.isArray(tids)) throw new TypeError(`${what} expects an array of tids, got ${describeValue(tids)}`);
  tids.forEach((tid, i) => {
    if (!Number.isInteger(tid)) throw new TypeError(`${what}: tids[${i}] must be an integer tid, got ${describeValue(tid)}`);
  });
  return [...tids];
}

/** @internal The kernel's handling of {@link Join}. */
export function runJoin(k: Kernel, task: Task, syscall: Join): Dispatched {
  const tids = syscall.tids;
  if (tids.length === 0) return k.answer(task, true, []);
  return new JoinWait(k, task, tids, syscall.mode).start(VERB[syscall.mode]);
}

/** @internal The kernel's handling of {@link Race}: every child or none. */
export function runRace(k: Kernel, task: Task, syscall: Race): Dispatched {
  const tids: number[] = [];
  try {
    syscall.targets.forEach((target, i) => {
      const name = typeof target === "function" && target.name !== "" ? target.name : `race#${i}`;
      tids.push(k.create(target, { name }, task).tid);
    });
  } catch (error) {
    for (const tid of tids) {
      const child = k.tasks.get(tid)!;
      k.kill(child, new TaskKilledError(tid, child.name, "its race could not start"));
    }
    return k.answer(task, false, error);
  }
  return new JoinWait(k, task, tids, "race").start("race");
}

/**
 * Waits for every task in `tids` and returns their results in the order of `tids`. If one fails
 * (or is killed), the others are killed, their `finally` blocks run, and then its error is
 * thrown. The caller's exit records of its children among them are collected.
 *
 * @example
 * ```ts
 * const reads = [yield* fork(readNotes()), yield* fork(search("yieldos"))];
 * const [notes, hits] = yield* waitAll(reads); // typed from the forked tasks
 * ```
 */
export function waitAll<const T extends readonly Tid<unknown>[]>(tids: T): Join<WaitAllResult<T>> {
  return new Join(tids, "all");
}

/**
 * Waits for the first task in `tids` to end: the others are killed and have ended (their
 * `finally` blocks ran) before it returns. Returns the winner's index, tid and value; if the
 * first to end failed or was killed, its error is thrown instead (after the same cleanup).
 *
 * @example
 * ```ts
 * const { index, value } = yield* waitAny([yield* fork(askA()), yield* fork(askB())]);
 * ```
 */
export function waitAny<const T extends readonly Tid<unknown>[]>(tids: T): Join<WaitAnyResult<TidResult<T[number]>>> {
  return new Join(tids, "any");
}

/**
 * Waits for every task in `tids` to end, whatever way, and returns each outcome in order, as
 * `Promise.allSettled` does. Nothing is killed; every failure counts as observed.
 *
 * @example
 * ```ts
 * const outcomes = yield* allSettled([a, b]);
 * for (const o of outcomes) if (o.status === "rejected") console.log(o.reason);
 * ```
 */
export function allSettled<const T extends readonly Tid<unknown>[]>(tids: T): Join<AllSettledResult<T>> {
  return new Join(tids, "settled");
}

/**
 * Runs `targets` as child tasks and returns the value of the first to finish. The others are
 * killed, and have ended (their `finally` blocks ran) before `race` returns. If the first to
 * finish threw, `race` throws its error, after the same cleanup. Each child takes its
 * function's name.
 *
 * @example
 * ```ts
 * const answer = yield* race([
 *   function* fast() { return yield* call(() => askSmallModel()); },
 *   function* deadline() { yield* sleep(5_000); return "no answer in time"; },
 * ]);
 * ```
 */
export function race<const T extends readonly TaskTarget<unknown>[]>(targets: T): Race<TargetResult<T[number]>> {
  return new Race(targets);
}
