import { describeValue } from "../errors.js";
import type { IoHandler, IoOp, IoRequest } from "../io/types.js";

/** A constant script value (anything but a function, which would be called). */
type Plain = string | number | boolean | bigint | symbol | object | null;

/**
 * How a scripted op type behaves. Each field is a constant or a function of the op and of `call`,
 * the 0-based count of ops of this type dispatched so far (so "the first call fails, the retry
 * succeeds" is `fail: (op, call) => (call === 0 ? new Error("503") : undefined)`).
 *
 * @example
 * ```ts
 * const llm: OpScript<LlmOp> = {
 *   latency: (op) => 1_000 + op.prompt.length * 10,
 *   result: (op) => `echo: ${op.prompt}`,
 * };
 * ```
 */
export interface OpScript<Op extends IoOp = IoOp> {
  /** Ms of ring clock time before the op settles. Default 0 (settles in its dispatch turn). */
  latency?: number | ((op: Op, call: number) => number);
  /** The op's result; a function is called (after the latency) to compute it. */
  result?: Plain | ((op: Op, call: number) => unknown);
  /** An error to fail the op with, or a function returning one (or `undefined` to succeed). */
  fail?: Plain | ((op: Op, call: number) => unknown);
}

/**
 * A script of fake I/O: op type to its {@link OpScript}.
 *
 * @example
 * ```ts
 * const script: IoScript = { llm: { latency: 30_000, result: "ok" }, search: { fail: new Error("down") } };
 * ```
 */
export type IoScript = Record<string, OpScript<any>>;

function value<Op extends IoOp>(x: unknown, op: Op, call: number): unknown {
  return typeof x === "function" ? (x as (op: Op, call: number) => unknown)(op, call) : x;
}

function scripted<Op extends IoOp>(type: string, script: OpScript<Op>): IoHandler<Op> {
  let calls = 0;
  return (requests) => {
    for (const request of requests) {
      const call = calls++;
      const settle = (r: IoRequest<Op>) => {
        try {
          const error = value(script.fail, r.op, call);
          if (error !== undefined) r.fail(error);
          else r.complete(value(script.result, r.op, call));
        } catch (error) {
          r.fail(error);
        }
      };
      let ms: unknown;
      try {
        ms = value(script.latency, request.op, call) ?? 0;
      } catch (error) {
        request.fail(error);
        continue;
      }
      if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
        request.fail(new RangeError(`scripted "${type}" latency must be a finite number of ms >= 0, got ${describeValue(ms)}`));
      } else if (ms === 0) {
        settle(request);
      } else {
        // `after` waits on the ring's clock, so a VirtualClock jumps straight to the completion.
        request.after(ms, settle);
      }
    }
  };
}

/**
 * Builds fake ring handlers from a script: each op type declares its latency (fixed, or a
 * function of the op) and its result or failure, and completes through `request.after(latency)`
 * on the ring's clock. On a `VirtualClock` an agent workflow with 30-second LLM calls and op
 * timeouts therefore runs in milliseconds of real time, with the same virtual times every run.
 * Pass them as ring handlers, or use `createTestScheduler({ io })`.
 *
 * @example
 * ```ts
 * const handlers = scriptedHandlers({
 *   llm: { latency: 30_000, result: (op) => `answer to ${op.prompt}` },
 *   search: { latency: (op) => (op.query === "slow" ? 60_000 : 500), result: ["a", "b"] },
 *   flaky: { latency: 100, fail: (op, call) => (call < 2 ? new Error("503") : undefined), result: "ok" },
 * });
 * const sched = new Scheduler({ clock: new VirtualClock(), ring: { handlers } });
 * ```
 */
export function scriptedHandlers(script: IoScript): Record<string, IoHandler> {
  if (script === null || typeof script !== "object") {
    throw new TypeError(`scriptedHandlers expects an object of op scripts, got ${describeValue(script)}`);
  }
  const handlers: Record<string, IoHandler> = {};
  for (const [type, s] of Object.entries(script)) {
    if (s === null || typeof s !== "object") {
      throw new TypeError(`scriptedHandlers: the script of "${type}" must be an object like { latency, result }, got ${describeValue(s)}`);
    }
    handlers[type] = scripted(type, s) as IoHandler;
  }
  return handlers;
}
