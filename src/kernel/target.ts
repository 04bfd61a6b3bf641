import { checkMs, checkOptionKeys, describeValue, isGeneratorLike, isThenable } from "../checks.js";
import { Syscall, SYSCALL_BRAND, releaseYielded } from "../syscalls/syscall.js";
import type { CapSet } from "../caps/cap-set.js";
import { capsForFork, capsForSpawn, cwdFor } from "../caps/gate.js";
import { Budget, type BudgetLimits } from "./budget.js";
import type { Task } from "./task.js";
import type { TaskOptions } from "./types.js";

/**
 * Marks a generator object with the tid of its task: two tasks resuming one generator would steal
 * each other's results. A symbol property, not a WeakMap: millions of live generators in a WeakMap
 * made the GC's ephemeron work cost microseconds per fork.
 */
const OWNER = Symbol("yieldos.task");
type Owned = { [OWNER]?: number };

const TASK_OPTIONS = ["name", "priority", "timeLimit", "budget", "scoped", "caps", "cwd"];

/** Options of a task, checked. */
export interface TaskSettings {
  name: string;
  priority: number;
  timeLimit: number | undefined;
  budget: BudgetLimits | undefined;
  scoped: boolean;
  caps: CapSet | null;
  cwd: string | undefined;
}

/** Checks the options of `spawn`/`fork`, naming the value at fault; a child inherits what it is not given. */
export function readTaskOptions(options: TaskOptions | undefined, target: unknown, parent: Task | null): TaskSettings {
  if (options !== undefined) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`task options must be an object like { name: "worker" }, got ${describeValue(options)}`);
    }
    checkOptionKeys(options, TASK_OPTIONS, "task");
  }
  const scoped = options?.scoped ?? parent?.scoped ?? false;
  if (typeof scoped !== "boolean") throw new TypeError(`task option scoped must be a boolean, got ${describeValue(scoped)}`);
  return {
    name: validName(options?.name, target),
    priority: validPriority(options?.priority, parent),
    timeLimit: options?.timeLimit === undefined ? undefined : checkMs(options.timeLimit, "timeLimit"),
    budget: options?.budget === undefined ? undefined : Budget.validate(options.budget),
    scoped,
    // A child asking for more than its parent holds fails here, before it exists.
    caps: parent === null ? capsForSpawn(options?.caps) : capsForFork(parent.caps, options?.caps, parent),
    cwd: cwdFor(options?.cwd, parent?.cwd),
  };
}

/**
 * The generator a task will run: `target` itself, or what calling it returned. Throws a
 * `TypeError` for anything else, for async generators, and for a generator object that already
 * backs a task.
 */
export function toGenerator(target: unknown): Generator<unknown, unknown, unknown> {
  let gen = target;
  if (typeof target === "function") {
    if (AsyncFunctionPrototype.isPrototypeOf(target)) {
      throw new TypeError(
        `spawn/fork got an async function (${describeValue(target)}): tasks are generators; declare it with function* and do async work with yield* call(fn)`,
      );
    }
    gen = (target as () => unknown)();
    if (!isGenerator(gen)) {
      // A plain function that returned a promise: its rejection must not reach the host unhandled.
      if (isThenable(gen)) Promise.resolve(gen).catch(() => {});
      throw new TypeError(
        `spawn/fork expects a generator function or generator object: ${describeValue(target)} returned ${describeValue(gen)}; declare it with function* (for async work, yield* call(fn) inside a generator)`,
      );
    }
  } else if (!isGenerator(target)) {
    throw new TypeError(
      `spawn/fork expects a generator function or generator object, got ${describeValue(target)}; pass function* () { ... } or its call`,
    );
  }
  if (!GeneratorPrototype.isPrototypeOf(gen as object) && typeof (gen as AsyncGenerator)[Symbol.asyncIterator] === "function") {
    throw new TypeError(
      `spawn/fork got an async generator (${describeValue(target)}): tasks are sync generators; declare it with function* and do async work with yield* call(fn)`,
    );
  }
  if (mayBeShared(target)) {
    const owner = (gen as Owned)[OWNER];
    if (owner !== undefined) {
      throw new TypeError(
        `spawn/fork got a generator object that already runs as task #${owner}: one generator cannot back two tasks; call its generator function again for each task`,
      );
    }
  }
  return gen as Generator<unknown, unknown, unknown>;
}

/** Records that `gen`, made from `target`, now backs task `tid` (see {@link toGenerator}). */
export function claimGenerator(target: unknown, gen: Generator<unknown, unknown, unknown>, tid: number): void {
  if (mayBeShared(target)) (gen as Owned)[OWNER] = tid;
}

/** Calling a generator function always makes a fresh generator: only other targets need the 8-byte mark. */
function mayBeShared(target: unknown): boolean {
  return typeof target !== "function" || !GeneratorFunctionPrototype.isPrototypeOf(target);
}

/** %GeneratorPrototype%: every native generator object inherits from it. */
export const GeneratorPrototype: Generator = Object.getPrototypeOf(Object.getPrototypeOf((function* () {})()));
/** %AsyncFunction.prototype%: every native async function inherits from it. */
const AsyncFunctionPrototype: object = Object.getPrototypeOf(async function () {});
/** %GeneratorFunction.prototype%: every native generator function inherits from it. */
const GeneratorFunctionPrototype: object = Object.getPrototypeOf(function* () {});
/**
 * Its `next`. Each generator function has its own prototype object, so `gen.next` on generators
 * from closures made in a loop is a megamorphic lookup; calling the one shared `next` is not.
 */
export const nativeNext = GeneratorPrototype.next;

function isGenerator(x: unknown): boolean {
  // A prototype-chain walk stays fast where duck-typed reads would go megamorphic (see nativeNext).
  try {
    if (typeof x === "object" && x !== null && GeneratorPrototype.isPrototypeOf(x)) return true;
    return (
      typeof x === "object" &&
      x !== null &&
      typeof (x as Generator).next === "function" &&
      typeof (x as Generator).throw === "function" &&
      typeof (x as Generator).return === "function"
    );
  } catch {
    return false; // a Proxy whose traps throw is no generator
  }
}

/** The name of a task given no `name` option: its generator function's, else `"task"`. */
export function defaultName(target: unknown): string {
  return (typeof target === "function" && target.name) || "task";
}

function validName(name: unknown, target: unknown): string {
  if (name === undefined) return defaultName(target);
  if (typeof name !== "string") throw new TypeError(`task name must be a string, got ${describeValue(name)}`);
  return name;
}

function validPriority(priority: unknown, parent: Task | null): number {
  if (priority === undefined) return parent?.priority ?? 0;
  if (typeof priority !== "number" || !Number.isFinite(priority)) {
    throw new RangeError(`priority must be a finite number, got ${describeValue(priority)}`);
  }
  return priority;
}

/**
 * The syscall a task yielded, or `null` for anything else. Never throws: a revoked Proxy or a
 * Proxy whose traps throw is simply not a syscall. Takes the syscall out of a `yield*` result.
 */
export function asSyscall(value: unknown, result: IteratorResult<unknown, unknown>): Syscall<unknown> | null {
  if (typeof value !== "object" || value === null) return null;
  try {
    if (!(value instanceof Syscall)) return null;
  } catch {
    return null;
  }
  releaseYielded(result);
  return value;
}

/** The error thrown into a task that yielded something other than a syscall; its message says what to yield instead. */
export function badYield(task: Task, value: unknown): TypeError {
  let hint: string;
  if (isForeignSyscall(value)) {
    hint = "it is a syscall from another copy of yieldos (an ESM and a CommonJS copy, or two installs): import the syscalls and the Scheduler from the same copy";
  } else if (isThenable(value)) {
    hint = "to await a promise, use `yield* call(() => promise)`";
  } else if (typeof value === "object" && value !== null && safeGeneratorLike(value)) {
    hint = "to run a generator in this task, delegate with `yield*`; to run it as its own task, `yield* fork(gen)`";
  } else {
    hint = "yield a syscall (`yield* sleep(10)`, `yield* call(fn)`, ...) or a bare `yield` to switch";
  }
  return new TypeError(`task #${task.tid} "${task.name}" yielded ${describeValue(value)}, which is not a syscall: ${hint}`);
}

/** The error thrown into a task whose iterator's `next()` returned something other than an iterator result. */
export function badResult(task: Task, result: unknown): TypeError {
  return new TypeError(
    `task #${task.tid} "${task.name}": its iterator's next() returned ${describeValue(result)}, not an iterator result { value, done }`,
  );
}

function isForeignSyscall(value: unknown): boolean {
  try {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[SYSCALL_BRAND] === true;
  } catch {
    return false;
  }
}

function safeGeneratorLike(value: object): boolean {
  try {
    return isGeneratorLike(value);
  } catch {
    return false;
  }
}
