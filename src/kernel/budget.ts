import { BudgetExceededError, describeValue } from "../errors.js";

/**
 * Resource limits of a task (Agent-libOS `ResourceBudget`). Unset limits are unlimited.
 *
 * @example
 * ```ts
 * sched.spawn(agent, { budget: { maxChildren: 3, maxSyscalls: 100, maxIo: 20, maxRunTime: 50 } });
 * ```
 */
export interface BudgetLimits {
  /** Tasks it may fork. */
  maxChildren?: number;
  /** Syscalls it may make (every yielded syscall; a bare `yield` is not one). */
  maxSyscalls?: number;
  /** I/O ops it may submit. */
  maxIo?: number;
  /** Ms of running time (sampled on the scheduler clock); over it, the task is killed. */
  maxRunTime?: number;
}

type Counter = "children" | "syscalls" | "io" | "runTime";
const LIMIT: Record<Counter, keyof BudgetLimits> = {
  children: "maxChildren",
  syscalls: "maxSyscalls",
  io: "maxIo",
  runTime: "maxRunTime",
};

/**
 * A task's budget. Budgets nest: every charge to a task is also charged to the budgets of its
 * ancestors, so a tree of tasks never uses more than its root was given. A child forked without
 * a budget of its own shares its parent's (it has no limits of its own, and its charges go up).
 */
export class Budget {
  children = 0;
  syscalls = 0;
  io = 0;
  runTime = 0;
  readonly #limits: Record<Counter, number>;

  constructor(
    limits: BudgetLimits,
    readonly parent: Budget | null,
    readonly tid: number,
    readonly taskName: string,
  ) {
    this.#limits = {
      children: limits.maxChildren ?? Infinity,
      syscalls: limits.maxSyscalls ?? Infinity,
      io: limits.maxIo ?? Infinity,
      runTime: limits.maxRunTime ?? Infinity,
    };
  }

  /** Checks a budget option, naming the bad value. */
  static validate(limits: unknown): BudgetLimits {
    if (limits === null || typeof limits !== "object") {
      throw new TypeError(`budget must be an object like { maxIo: 10 }, got ${describeValue(limits)}`);
    }
    for (const [key, value] of Object.entries(limits)) {
      if (!Object.values(LIMIT).includes(key as keyof BudgetLimits)) {
        throw new TypeError(`unknown budget ${JSON.stringify(key)}: use maxChildren, maxSyscalls, maxIo or maxRunTime`);
      }
      if (typeof value !== "number" || !(value >= 0)) {
        throw new RangeError(`budget.${key} must be a number >= 0 (Infinity for no limit), got ${describeValue(value)}`);
      }
    }
    return limits as BudgetLimits;
  }

  /**
   * Charges `n` to `counter` here and in every ancestor budget, or nothing if any would go over;
   * returns the error for the first budget that would, or `null`.
   */
  charge(counter: Counter, n: number, tid: number, taskName: string): BudgetExceededError | null {
    for (let b: Budget | null = this; b !== null; b = b.parent) {
      const limit = b.#limits[counter];
      if (b[counter] + n > limit) return new BudgetExceededError(LIMIT[counter], limit, tid, taskName, b.tid, b.taskName);
    }
    for (let b: Budget | null = this; b !== null; b = b.parent) b[counter] += n;
    return null;
  }

  /** Charges running time; unlike other counters it is always charged, since the time is spent. */
  chargeRunTime(ms: number, tid: number, taskName: string): BudgetExceededError | null {
    let error: BudgetExceededError | null = null;
    for (let b: Budget | null = this; b !== null; b = b.parent) {
      b.runTime += ms;
      if (error === null && b.runTime > b.#limits.runTime) {
        error = new BudgetExceededError("maxRunTime", b.#limits.runTime, tid, taskName, b.tid, b.taskName);
      }
    }
    return error;
  }
}
