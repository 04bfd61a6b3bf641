import { describeValue, isGeneratorLike } from "../errors.js";
import type { Task } from "./task.js";

/**
 * Marks a generator object with the tid of its task: two tasks resuming one generator would steal
 * each other's results. A symbol property, not a WeakMap: millions of live generators in a WeakMap
 * made the GC's ephemeron work cost microseconds per fork.
 */
const OWNER = Symbol("yieldos.task");
type Owned = { [OWNER]?: number };

export const TASK_OPTIONS = ["name", "priority", "timeLimit", "budget"] as const;

/**
 * The generator a task will run: `target` itself, or what calling it returned. Throws a
 * `TypeError` for anything else, for async generators, and for a generator object that already
 * backs a task.
 */
export function toGenerator(target: unknown): Generator<unknown, unknown, unknown> {
  let gen = target;
  if (typeof target === "function") {
    gen = (target as () => unknown)();
    if (!isGenerator(gen)) {
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
/** %GeneratorFunction.prototype%: every native generator function inherits from it. */
const GeneratorFunctionPrototype: object = Object.getPrototypeOf(function* () {});
/**
 * Its `next`. Each generator function has its own prototype object, so `gen.next` on generators
 * from closures made in a loop is a megamorphic lookup; calling the one shared `next` is not.
 */
export const nativeNext = GeneratorPrototype.next;

function isGenerator(x: unknown): boolean {
  // A prototype-chain walk stays fast where duck-typed reads would go megamorphic (see nativeNext).
  if (typeof x === "object" && x !== null && GeneratorPrototype.isPrototypeOf(x)) return true;
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as Generator).next === "function" &&
    typeof (x as Generator).throw === "function" &&
    typeof (x as Generator).return === "function"
  );
}

export function validName(name: unknown, target: unknown): string {
  if (name === undefined) return (typeof target === "function" && target.name) || "task";
  if (typeof name !== "string") throw new TypeError(`task name must be a string, got ${describeValue(name)}`);
  return name;
}

export function validPriority(priority: unknown, parent: Task | null): number {
  if (priority === undefined) return parent?.priority ?? 0;
  if (typeof priority !== "number" || !Number.isFinite(priority)) {
    throw new RangeError(`priority must be a finite number, got ${describeValue(priority)}`);
  }
  return priority;
}

export function badYield(task: Task, value: unknown): TypeError {
  const hint =
    typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function"
      ? "to await a promise, use `yield* call(() => promise)`"
      : typeof value === "object" && value !== null && isGeneratorLike(value)
        ? "to run a generator in this task, delegate with `yield*`; to run it as its own task, `yield* fork(gen)`"
        : "yield a syscall (`yield* sleep(10)`, `yield* call(fn)`, ...) or a bare `yield` to switch";
  return new TypeError(`task #${task.tid} "${task.name}" yielded ${describeValue(value)}, which is not a syscall: ${hint}`);
}
