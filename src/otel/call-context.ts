import type { Context } from "@opentelemetry/api";
import type { CallOp } from "../io/types.js";
import { context } from "./peer.js";

type CallFn = CallOp["fn"];

/** Each wrapper made by {@link runCallIn} and the function it wraps (weak: ops come and go). */
const originals = new WeakMap<CallFn, CallFn>();

/**
 * Makes `ctx` the active context while a `call` op's `fn` runs (and, with an async context
 * manager, in everything it starts), by swapping `op.fn` for a wrapper before the ring dispatches
 * it. The wrapper keeps the arity of `fn`: the ring creates an `AbortSignal` only for a function
 * that takes one. Returns the function to put back once the op completes. The same op object in
 * flight twice at once runs both times in the context of the later submission.
 */
export function runCallIn(op: CallOp, ctx: Context): CallFn {
  const fn = originals.get(op.fn) ?? op.fn;
  const wrapped: CallFn =
    fn.length > 0 ? (signal: AbortSignal) => context.with(ctx, fn, undefined, signal) : () => context.with(ctx, fn as () => unknown);
  originals.set(wrapped, fn);
  op.fn = wrapped;
  return fn;
}

/** Puts back the `fn` that {@link runCallIn} wrapped, unless the op was given another since. */
export function restoreCall(op: CallOp, fn: CallFn): void {
  if (originals.get(op.fn) === fn) op.fn = fn;
}
