import type { SubmitOptions } from "../io/types.js";
import { SubmitIO } from "../syscalls/submit-io.js";

/**
 * `call` for workflows: the same `call` op as the core's `call(fn)`, typed so that `fn` may
 * take the step's idempotency key (`${workflowId}:${step}`) as its second argument. The key is
 * the same when an op that was in flight at a crash runs again after `recover()`, so it can
 * dedupe side effects (a payment id, an `Idempotency-Key` header). Outside a workflow the key
 * is `undefined`.
 *
 * @example
 * ```ts
 * import { call } from "yieldos/durable";
 * yield* call((signal, key) => fetch(url, { method: "POST", signal, headers: { "Idempotency-Key": key } }));
 * ```
 */
export function call<T>(
  fn: (signal: AbortSignal, idempotencyKey: string) => T | PromiseLike<T>,
  options?: Omit<SubmitOptions, "userData">,
): SubmitIO<Awaited<T>> {
  return new SubmitIO<Awaited<T>>({ type: "call", fn }, options);
}
