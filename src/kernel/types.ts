import type { CapSet } from "../caps/cap-set.js";
import type { CapabilitySpec } from "../caps/cap-spec.js";
import type { BudgetLimits } from "./budget.js";

declare const tidResult: unique symbol;

/**
 * A task id: a plain number at run time whose type carries the task's result type `T`,
 * so `yield* wait(kid)` is typed.
 *
 * @example
 * ```ts
 * const kid: Tid<string> = yield* fork(function* () { return "hi"; });
 * const text = yield* wait(kid); // string
 * ```
 */
export type Tid<T = unknown> = number & { readonly [tidResult]?: T };

/** A task body: a generator object, or a generator function called with no arguments. */
export type TaskTarget<T = unknown> = Generator<unknown, T, any> | (() => Generator<unknown, T, any>);

/** The result type of a {@link TaskTarget}. */
export type TargetResult<X> = X extends () => Generator<unknown, infer T, any>
  ? T
  : X extends Generator<unknown, infer T, any>
    ? T
    : unknown;

/**
 * Where a task stands. `ready` and `running` tasks are runnable; `sleeping`, `waiting` (on
 * another task), `io` (on the ring) and `syscall` (a custom syscall) are blocked; `paused` waits
 * for `resume`; the last three are terminal.
 */
export type TaskStatus =
  | "ready"
  | "running"
  | "sleeping"
  | "waiting"
  | "io"
  | "syscall"
  | "paused"
  | "exited"
  | "failed"
  | "killed";

/**
 * Options of `spawn` and `fork`.
 *
 * @example
 * ```ts
 * sched.spawn(worker, { name: "worker", priority: 1, timeLimit: 5_000 });
 * ```
 */
export interface TaskOptions {
  /** Shown in `ps()`, traces and errors. Default: the generator function's name, or `"task"`. */
  name?: string;
  /** Higher runs first. Default 0 for roots; a child inherits its parent's. */
  priority?: number;
  /** Kill the task with a `TimeoutError` this many ms of clock time after its creation. */
  timeLimit?: number;
  /** Resource limits; a child without one shares its parent's budget. */
  budget?: BudgetLimits;
  /**
   * Structured concurrency: when this task ends, its live children are killed (Effection and
   * Trio style) instead of living on as orphans (the PyOS default). Inherited by its children.
   */
  scoped?: boolean;
  /**
   * The capabilities the task holds (README, "Capabilities"): a root task without `caps` is
   * unrestricted; a child without `caps` holds its parent's, and may only be given a subset.
   */
  caps?: readonly CapabilitySpec[] | CapSet;
  /** The working directory that relative paths of its file ops resolve against (absolute). Inherited. */
  cwd?: string;
}

/** The caller of a syscall, as custom syscalls see it. */
export interface TaskRef {
  readonly tid: number;
  readonly name: string;
  readonly parent: number | null;
  readonly priority: number;
}

/**
 * A snapshot of one task, as `ps()` returns it. Times are on the scheduler's clock, in ms.
 * `timeRunning` is sampled (see README, "Task timing").
 */
export interface TaskInfo extends TaskRef {
  readonly status: TaskStatus;
  /** When the task was spawned or forked. */
  readonly created: number;
  /** When it first ran, or `null` if it has not yet. */
  readonly started: number | null;
  /** When it ended, or `null` while alive. */
  readonly ended: number | null;
  /** Total time spent ready but not running. */
  readonly timeQueued: number;
  /** Total time spent running. */
  readonly timeRunning: number;
  /** Number of times it was resumed. */
  readonly switches: number;
  /** What a blocked task waits on, e.g. `sleep until 120`, `wait #3`; `""` otherwise. */
  readonly waitingOn: string;
  /** The capabilities it holds, as spec strings; `null` when unrestricted. */
  readonly caps: readonly string[] | null;
}

/**
 * A scheduling policy: which of the `count` tasks ready at the highest priority runs next.
 * `ready` holds their tids in FIFO order (the array is reused: copy it to keep it).
 *
 * @example
 * ```ts
 * const lifo: SchedulingPolicy = { pick: (count) => count - 1 };
 * const lowestTid: SchedulingPolicy = { pick: (_, ready) => ready.indexOf(Math.min(...ready)) };
 * new Scheduler({ policy: lifo });
 * ```
 */
export interface SchedulingPolicy {
  pick(count: number, ready: readonly number[]): number;
}
