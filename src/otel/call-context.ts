import type { Context } from "@opentelemetry/api";
import type { CallOp } from "../io/types.js";
import { context } from "./peer.js";

const ORIGINAL = Symbol("yieldos.otel.original");

type CallFn = CallOp["fn"] & { [ORIGINAL]?: CallOp["fn"] };

/**
 * Makes `ctx` the active context while a `call` op's `fn` runs (and, with an async context
 * manager, in everything it starts), by swapping `op.fn` for a wrapper before the ring dispatches
 * it. The wrapper keeps the arity of `fn`: the ring creates an `AbortSignal` only for a function
 * that takes one. Returns the function to put back once the op completes.
 */
export function runCallIn(op: CallOp, ctx: Context): CallOp["fn"] {
  const current = op.fn as CallFn;
  const fn = current[ORIGINAL] ?? current;
  const wrapped: CallFn =
    fn.length > 0 ? (signal: AbortSignal) => context.with(ctx, fn, undefined, signal) : () => context.with(ctx, fn as () => unknown);
  wrapped[ORIGINAL] = fn;
  op.fn = wrapped;
  return fn;
}

/** Puts back the `fn` that {@link runCallIn} wrapped, unless the op was given another since. */
export function restoreCall(op: CallOp, fn: CallOp["fn"]): void {
  if ((op.fn as CallFn)[ORIGINAL] === fn) op.fn = fn;
}
