/**
 * Errors of the agent layer. Each message names the provider, request, channel or value involved.
 *
 * @example
 * ```ts
 * try { yield* llm.query({ model: "gpt-4o-mini", messages }); }
 * catch (e) { if (e instanceof LlmError && e.status === 429) console.log(e.retryAfterMs); }
 * ```
 * @module
 */

/**
 * What an {@link LlmError} knows about the failure.
 *
 * @example
 * ```ts
 * const details: LlmErrorDetails = { provider: "my-proxy", status: 429, retryable: true, retryAfterMs: 1_000 };
 * throw new LlmError("HTTP 429 Too Many Requests", details);
 * ```
 */
export interface LlmErrorDetails {
  /** The provider's name, e.g. `"openai-compatible"`. */
  provider: string;
  /** The HTTP status, when the provider answered with one. */
  status?: number;
  /** Whether trying again may help (429 and 5xx answers). */
  retryable?: boolean;
  /** How long the server asked to wait (`retry-after` / `retry-after-ms`), in ms. */
  retryAfterMs?: number;
  /** Attempts made before giving up (set by the retry loop). */
  attempts?: number;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * An LLM query failed: an HTTP error status, a malformed answer, a network error, or a provider
 * that rejected the request. `retryable` errors (429, 5xx) are retried with backoff on the
 * scheduler clock before they reach the task.
 *
 * @example
 * ```ts
 * throw new LlmError("HTTP 503 Service Unavailable", { provider: "openai-compatible", status: 503, retryable: true });
 * ```
 */
export class LlmError extends Error {
  override name = "LlmError";
  readonly provider: string;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  attempts: number;

  constructor(message: string, details: LlmErrorDetails) {
    super(`${details.provider}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.provider = details.provider;
    this.status = details.status;
    this.retryable = details.retryable ?? false;
    this.retryAfterMs = details.retryAfterMs;
    this.attempts = details.attempts ?? 1;
  }
}
