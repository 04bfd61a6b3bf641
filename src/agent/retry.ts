import { describeValue } from "../errors.js";
import { LlmError } from "./errors.js";

/**
 * How failed LLM calls are retried: exponential backoff on the scheduler clock for errors marked
 * `retryable` (HTTP 429 and 5xx). There is no random jitter, so a run on a `VirtualClock`
 * repeats exactly; a server's `retry-after` replaces the computed delay.
 *
 * @example
 * ```ts
 * registerLlm(sched, provider, { retry: { retries: 5, baseMs: 250, factor: 2, maxMs: 10_000 } });
 * // waits 250, 500, 1000, 2000, 4000 ms between attempts (or what retry-after says)
 * ```
 */
export interface RetryOptions {
  /** Retries after the first attempt. Default 3; 0 turns retrying off. */
  retries?: number;
  /** Delay before the first retry, in ms. Default 500. */
  baseMs?: number;
  /** Each further retry waits `factor` times longer. Default 2. */
  factor?: number;
  /** Upper bound of any one delay, `retry-after` included. Default 30 000. */
  maxMs?: number;
}

const DEFAULTS: Required<RetryOptions> = { retries: 3, baseMs: 500, factor: 2, maxMs: 30_000 };

/**
 * Checks retry options and fills in defaults; a `TypeError`/`RangeError` names the bad key or value.
 *
 * @example
 * ```ts
 * resolveRetry({ retries: 1 }); // { retries: 1, baseMs: 500, factor: 2, maxMs: 30000 }
 * ```
 */
export function resolveRetry(options: RetryOptions | undefined): Required<RetryOptions> {
  if (options === undefined) return { ...DEFAULTS };
  if (options === null || typeof options !== "object") {
    throw new TypeError(`retry options must be an object like { retries: 3 }, got ${describeValue(options)}`);
  }
  const out = { ...DEFAULTS };
  for (const [key, value] of Object.entries(options)) {
    if (!(key in DEFAULTS)) {
      throw new TypeError(`unknown retry option ${JSON.stringify(key)}: use retries, baseMs, factor or maxMs`);
    }
    const k = key as keyof RetryOptions;
    const ok = typeof value === "number" && (k === "retries" ? Number.isInteger(value) && value >= 0 : k === "factor" ? value >= 1 : value >= 0);
    if (!ok || !Number.isFinite(value)) {
      const want = k === "retries" ? "an integer >= 0" : k === "factor" ? "a finite number >= 1" : "a finite number of ms >= 0";
      throw new RangeError(`retry.${k} must be ${want}, got ${describeValue(value)}`);
    }
    out[k] = value as number;
  }
  return out;
}

/**
 * The delay before retry number `retry` (1 for the first): `baseMs * factor^(retry-1)`, or the
 * server's `retryAfterMs` when it gave one, at most `maxMs`.
 *
 * @example
 * ```ts
 * backoffDelay(3, resolveRetry({ baseMs: 100 })); // 400
 * backoffDelay(1, resolveRetry({}), 1_500);          // 1500
 * ```
 */
export function backoffDelay(retry: number, options: Required<RetryOptions>, retryAfterMs?: number): number {
  const computed = retryAfterMs ?? options.baseMs * options.factor ** (retry - 1);
  return Math.min(options.maxMs, Math.max(0, computed));
}

/**
 * Whether an error from a provider may go away on its own: an {@link LlmError} marked `retryable`.
 *
 * @example
 * ```ts
 * isRetryable(new LlmError("HTTP 503", { provider: "p", status: 503, retryable: true })); // true
 * ```
 */
export function isRetryable(error: unknown): error is LlmError {
  return error instanceof LlmError && error.retryable;
}
