/**
 * The shared vocabulary of checks: how a value is named in a message, how a millisecond option
 * is validated, what counts as a thenable, and whether a function declares a parameter. None of
 * these throw on hostile input (a revoked Proxy, a throwing getter): they are used on the paths
 * that report such input.
 * @module
 */

/** The longest rendering of a value in a message, before it is cut. */
const MAX_SHOWN = 60;

function cut(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 3)}... (${text.length} chars)` : text;
}

/** Whether `value` has a generator's `next` and `throw`, so `yield child()` (no `*`) can be named as such. */
export function isGeneratorLike(value: object): boolean {
  return typeof (value as Generator).next === "function" && typeof (value as Generator).throw === "function";
}

/**
 * Describes a value for an error message: `42 (number)`, `a Promise`, `{"a":1} (object)`,
 * `a generator object`. Long renderings are cut; never throws, whatever the value's traps and
 * getters do. Class names come from `constructor.name`, which bundlers may rename: our own
 * messages name our own classes explicitly.
 */
export function describeValue(value: unknown): string {
  try {
    return describeUnsafe(value);
  } catch {
    return "an object whose properties cannot be read (a revoked Proxy, or a getter that throws)";
  }
}

function describeUnsafe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "function") return `a function ${cut(value.name || "(anonymous)")}`;
  if (typeof value === "object") {
    if (isThenable(value)) return "a Promise";
    if (Array.isArray(value)) return `an array of length ${value.length}`;
    if (isGeneratorLike(value)) return Symbol.asyncIterator in value ? "an async generator object" : "a generator object";
    const ctor = (value as object).constructor?.name;
    if (typeof ctor === "string" && ctor !== "" && ctor !== "Object") return `a ${cut(ctor)} object`;
    let text: string;
    try {
      text = JSON.stringify(value) ?? "[object]";
    } catch {
      text = "[object]";
    }
    return `${cut(text)} (object)`;
  }
  if (typeof value === "string") return `${cut(JSON.stringify(value))} (string)`;
  if (typeof value === "symbol") return `${cut(String(value))} (symbol)`;
  return `${cut(String(value))} (${typeof value})`;
}

/** A kill or cancel reason for a message: an error's message, a string as is, anything else described. */
export function describeReason(reason: unknown): string {
  if (typeof reason === "string") return reason.length > 500 ? `${reason.slice(0, 497)}...` : reason;
  try {
    if (reason instanceof Error) return String(reason.message);
  } catch {
    // a Proxy posing as an error: described below
  }
  return describeValue(reason);
}

/** Throws a `TypeError` for a key of `options` not in `known`, naming it and the known ones. */
export function checkOptionKeys(options: object, known: readonly string[], what: string): void {
  for (const key in options) {
    if (!known.includes(key)) {
      throw new TypeError(`unknown ${what} option ${JSON.stringify(key)}: expected one of ${known.join(", ")}`);
    }
  }
}

/**
 * Checks a duration: a finite number of ms >= 0, else a `RangeError` in the one message shape
 * `${what} must be a finite number of ms >= 0, got ${value}`.
 */
export function checkMs(value: unknown, what: string): number {
  if (typeof value !== "number" || !(value >= 0) || value === Infinity) {
    throw new RangeError(`${what} must be a finite number of ms >= 0, got ${describeValue(value)}`);
  }
  return value;
}

/** The one thenable check: an object or function with a callable `then`. Never throws (a throwing `then` getter is not a thenable). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if ((typeof value !== "object" || value === null) && typeof value !== "function") return false;
  try {
    return typeof (value as { then?: unknown }).then === "function";
  } catch {
    return false;
  }
}

/**
 * Whether `fn` declares at least one parameter. `fn.length` misses a parameter with a default
 * value and a rest parameter (both count 0), so a zero-length function's source is read: cheaper
 * than the `AbortController` a `call` op would make for it.
 */
export function declaresParameter(fn: Function): boolean {
  if (fn.length > 0) return true;
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    return true;
  }
  // `async (a = 1) =>`, `function f(...rest)`, `(a) =>`, `a =>`, `async a =>`; not `() =>`, `f()`.
  const m = /^(?:async\s*)?(?:function\s*\*?\s*[\w$]*\s*|[\w$]+\s*)?\(\s*([^)]*?)\s*\)/.exec(source);
  if (m === null) return !/^(?:async\s*)?\(\s*\)/.test(source) && /^(?:async\s+)?[\w$]+\s*=>/.test(source);
  return m[1] !== "";
}
