import { describeValue } from "../errors.js";
import type { CallOp, IoHandler, IoOp, IoRequest, TimeoutOp } from "./types.js";

const nop: IoHandler = (requests) => {
  for (const r of requests) r.complete(undefined);
};

const call: IoHandler<CallOp> = (requests) => {
  for (const r of requests) {
    const fn = r.op.fn;
    let result: unknown;
    try {
      // Reading `signal` creates an AbortController; a zero-parameter fn never needs one.
      result = fn.length > 0 ? fn(r.signal) : (fn as () => unknown)();
    } catch (error) {
      r.fail(error);
      continue;
    }
    if (isThenable(result)) settleLater(r, result);
    else r.complete(result);
  }
};

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    ((typeof value === "object" && value !== null) || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function settleLater(r: IoRequest, thenable: PromiseLike<unknown>): void {
  try {
    thenable.then(
      (value) => r.complete(value),
      (error) => r.fail(error),
    );
  } catch (error) {
    r.fail(error);
  }
}

const completeNow = (r: IoRequest): void => {
  r.complete(undefined);
};

const timeout: IoHandler<TimeoutOp> = (requests) => {
  for (const r of requests) {
    try {
      r.after(r.op.ms, completeNow);
    } catch (error) {
      r.fail(error); // `ms` was changed after submit: fail this op, not the whole batch
    }
  }
};

/** The handlers every ring has; `register` refuses these types. */
export const BUILTIN_HANDLERS: ReadonlyMap<string, IoHandler> = new Map<string, IoHandler>([
  ["nop", nop],
  ["call", call],
  ["timeout", timeout],
]);

/** Throws a `TypeError`/`RangeError` naming the value if `op` is not a valid op. */
export function validateOp(op: unknown): asserts op is IoOp {
  if (op === null || typeof op !== "object" || Array.isArray(op)) {
    throw new TypeError(`An I/O op must be an object with a string \`type\`, got ${describeValue(op)}`);
  }
  const type = (op as { type?: unknown }).type;
  if (typeof type !== "string") {
    throw new TypeError(`An I/O op must have a string \`type\`, got type ${describeValue(type)}`);
  }
  if (type === "call") {
    const fn = (op as { fn?: unknown }).fn;
    if (typeof fn !== "function") {
      throw new TypeError(`A "call" op needs a function \`fn\`, got ${describeValue(fn)}`);
    }
  } else if (type === "timeout") {
    const ms = (op as { ms?: unknown }).ms;
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`A "timeout" op needs \`ms\`, a finite number >= 0, got ${describeValue(ms)}`);
    }
  }
}
