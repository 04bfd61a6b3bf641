import { describeValue } from "../errors.js";
import type { Clock } from "../time/clock.js";
import { BUILTIN_HANDLERS } from "./builtin-ops.js";
import type { BatchItem, IoHandler, IoOp, IoRingOptions, SubmitOptions } from "./types.js";

/** Linux's `IORING_MAX_ENTRIES`: both queues are preallocated, so their size is bounded. */
export const MAX_ENTRIES = 32_768;
/** Linux's `IORING_MAX_CQ_ENTRIES`. */
export const MAX_CQ_ENTRIES = 2 * MAX_ENTRIES;

const OPTION_NAMES = ["entries", "cqEntries", "handlers", "clock"];

export interface ResolvedRingOptions {
  entries: number;
  cqEntries: number;
  handlers: Map<string, IoHandler>;
  clock: Clock | undefined;
}

/** Checks every option, naming the value at fault; `onScheduler` forbids `clock`. */
export function resolveRingOptions(options: IoRingOptions, onScheduler = false): ResolvedRingOptions {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`IoRing options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) {
      throw new TypeError(`Unknown IoRing option ${JSON.stringify(key)}; expected one of ${OPTION_NAMES.join(", ")}`);
    }
  }
  const { entries = 64, cqEntries = 2 * entries, handlers, clock } = options;
  if (
    typeof entries !== "number" ||
    !Number.isInteger(entries) ||
    entries < 1 ||
    entries > MAX_ENTRIES ||
    (entries & (entries - 1)) !== 0
  ) {
    throw new RangeError(
      `Expected IoRing \`entries\` to be a power of two from 1 to ${MAX_ENTRIES}, got ${describeValue(entries)}`,
    );
  }
  if (typeof cqEntries !== "number" || !Number.isInteger(cqEntries) || cqEntries < 1 || cqEntries > MAX_CQ_ENTRIES) {
    throw new RangeError(
      `Expected IoRing \`cqEntries\` to be an integer from 1 to ${MAX_CQ_ENTRIES}, got ${describeValue(cqEntries)}`,
    );
  }
  if (clock !== undefined) {
    if (onScheduler) {
      throw new TypeError("IoRing option `clock` cannot be set on a scheduler's ring: it runs on the scheduler's clock");
    }
    const c = clock as Partial<Clock> | null;
    if (
      c === null ||
      typeof c !== "object" ||
      typeof c.now !== "function" ||
      typeof c.setTimer !== "function" ||
      typeof c.clearTimer !== "function"
    ) {
      throw new TypeError(
        `Expected IoRing \`clock\` to be a Clock (now, setTimer, clearTimer), got ${describeValue(clock)}`,
      );
    }
  }
  const map = new Map(BUILTIN_HANDLERS);
  if (handlers !== undefined) {
    if (handlers === null || typeof handlers !== "object" || Array.isArray(handlers)) {
      throw new TypeError(`Expected IoRing \`handlers\` to be an object of functions, got ${describeValue(handlers)}`);
    }
    for (const [type, handler] of Object.entries(handlers)) {
      checkHandler(type, handler, map);
      map.set(type, handler);
    }
  }
  return { entries, cqEntries, handlers: map, clock };
}

/** Throws unless `handler` is a function for a type not taken yet in `handlers`. */
export function checkHandler(type: unknown, handler: unknown, handlers: ReadonlyMap<string, IoHandler>): void {
  if (typeof type !== "string") {
    throw new TypeError(`An op type must be a string, got ${describeValue(type)}`);
  }
  if (typeof handler !== "function") {
    throw new TypeError(`The handler for op type "${type}" must be a function, got ${describeValue(handler)}`);
  }
  if (BUILTIN_HANDLERS.has(type)) {
    throw new Error(`"${type}" is a built-in op type; its handler cannot be replaced`);
  }
  if (handlers.has(type)) {
    throw new Error(`A handler for op type "${type}" is already registered`);
  }
}

/** Checks the known fields of submit options (other keys, like a batch item's `op`, are ignored). */
export function validateSubmitOptions(options: SubmitOptions): void {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Submit options must be an object, got ${describeValue(options)}`);
  }
  validateSubmitFields(options.timeout, options.link, options.signal);
}

/** Checks the `timeout`, `link` and `signal` of a submission, naming the value at fault. */
export function validateSubmitFields(timeout: unknown, link: unknown, signal: unknown): void {
  if (timeout !== undefined && (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout < 0)) {
    throw new RangeError(`Expected \`timeout\` to be a finite number of ms >= 0, got ${describeValue(timeout)}`);
  }
  if (link !== undefined && typeof link !== "boolean") {
    throw new TypeError(`Expected \`link\` to be a boolean, got ${describeValue(link)}`);
  }
  const s = signal as Partial<AbortSignal> | null;
  if (
    s !== undefined &&
    (s === null || typeof s !== "object" || typeof s.aborted !== "boolean" || typeof s.addEventListener !== "function")
  ) {
    throw new TypeError(`Expected \`signal\` to be an AbortSignal, got ${describeValue(signal)}`);
  }
}

/**
 * The one rule for "an op, or `{ op, ...options }`": an object with an `op` and no `type` is an
 * item carrying its op and options; anything else is an op (and is validated as one).
 */
export function isBareOp(item: object): item is IoOp {
  return !("op" in item) || "type" in item;
}

/** The options of a batch item: `undefined` for a bare op, the item itself for `{ op, ...options }`. */
export function optionsOf(item: BatchItem): SubmitOptions | undefined {
  if (item === null || typeof item !== "object") {
    throw new TypeError(`Expected an op or { op, ...options }, got ${describeValue(item)}`);
  }
  return isBareOp(item) ? undefined : (item as SubmitOptions);
}

/** The op of a batch item. */
export function opOf(item: BatchItem): IoOp {
  return optionsOf(item) === undefined ? (item as IoOp) : (item as { op: IoOp }).op;
}
