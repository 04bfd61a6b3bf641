import { mulberry32 } from "../random.js";
import { checkMs } from "../checks.js";
import { TaskKilledError, TimeoutError, describeValue } from "../errors.js";
import { fork } from "../syscalls/fork.js";
import { sleep } from "../syscalls/sleep.js";
import { wait } from "../syscalls/wait.js";

/**
 * How {@link retry} tries a step again.
 *
 * @example
 * ```ts
 * const policy: RetryPolicy = {
 *   maxAttempts: 5,                         // the first try included
 *   baseMs: 200, factor: 2, maxMs: 5_000,   // waits 200, 400, 800, 1600 ms
 *   jitter: { seed: 42 },                   // each wait scaled by a seeded draw in [0.5, 1]
 *   retryIf: (e) => !(e instanceof TypeError),
 *   attemptTimeout: 10_000,
 * };
 * ```
 */
export interface RetryPolicy {
  /** Attempts in all, the first included; an integer >= 1. Default 3. */
  maxAttempts?: number;
  /** Wait before the second attempt, in ms of scheduler clock time. Default 100. */
  baseMs?: number;
  /** Each further wait is `factor` times longer; >= 1. Default 2. */
  factor?: number;
  /** Upper bound of any one wait, in ms. Default 30 000. */
  maxMs?: number;
  /**
   * Random spread of the waits, from a seeded generator so a run repeats exactly: each wait is
   * multiplied by a draw in `[1 - ratio, 1]` (`ratio` in (0, 1], default 0.5). Default: none.
   */
  jitter?: { seed: number; ratio?: number };
  /**
   * Whether an attempt's error is worth another try (not called after the last attempt). Default:
   * every error except a kill (a `TaskKilledError` other than a `TimeoutError`, so budgets and
   * explicit kills are not retried, while timeouts are).
   */
  retryIf?: (error: unknown, attempt: number) => boolean;
  /** Kills an attempt that runs longer than this many ms of clock time with a `TimeoutError`. Default: no limit. */
  attemptTimeout?: number;
  /** Called before each wait, e.g. to log. */
  onRetry?: (info: { error: unknown; attempt: number; delayMs: number }) => void;
}

const KNOWN = ["maxAttempts", "baseMs", "factor", "maxMs", "jitter", "retryIf", "attemptTimeout", "onRetry"];

const defaultRetryIf = (error: unknown): boolean => !(error instanceof TaskKilledError) || error instanceof TimeoutError;

/**
 * Runs `step(attempt)` until it returns, trying again after an error that `retryIf` accepts,
 * up to `maxAttempts` in all; then throws the last error. The waits between attempts are
 * `yield* sleep(...)` on the scheduler clock, so a `VirtualClock` jumps over them and a test can
 * assert exact times; there is no randomness unless `jitter` gives a seed.
 *
 * Each attempt runs as a child task (named `retry:<step name>#<attempt>`), which is what makes
 * it safe to kill: a kill of the caller during an attempt kills the attempt, whose `finally`
 * blocks run (yielding ones included) in its own task, and during a wait it simply ends the
 * wait. Either way nothing after the `retry` runs and no further attempt starts. An attempt
 * counts against the caller's `maxChildren` budget and shows up in traces.
 *
 * @example
 * ```ts
 * import { retry, call } from "yieldos";
 *
 * function* fetchReport(attempt: number) {
 *   return yield* call((signal) => fetch(url, { signal }).then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`)))));
 * }
 * const report = yield* retry(fetchReport, { maxAttempts: 4, baseMs: 500 });
 * ```
 */
export function* retry<T>(step: (attempt: number) => Generator<unknown, T, unknown>, policy: RetryPolicy = {}): Generator<unknown, T, unknown> {
  if (typeof step !== "function") {
    throw new TypeError(`retry expects a generator function step(attempt), got ${describeValue(step)}`);
  }
  const p = checkPolicy(policy);
  const name = step.name || "step";
  const random = p.jitter === undefined ? null : mulberry32(p.jitter.seed);
  for (let attempt = 1; ; attempt++) {
    const options = p.attemptTimeout === undefined ? { name: `retry:${name}#${attempt}` } : { name: `retry:${name}#${attempt}`, timeLimit: p.attemptTimeout };
    let failure: unknown;
    try {
      return yield* wait(yield* fork(step(attempt), options));
    } catch (error) {
      if (attempt >= p.maxAttempts || !p.retryIf(error, attempt)) throw error;
      failure = error;
    }
    let delayMs = Math.min(p.maxMs, p.baseMs * p.factor ** (attempt - 1));
    if (random !== null) delayMs *= 1 - p.jitter!.ratio * random();
    delayMs = Math.round(delayMs);
    p.onRetry?.({ error: failure, attempt, delayMs });
    yield* sleep(delayMs);
  }
}

interface CheckedPolicy {
  maxAttempts: number;
  baseMs: number;
  factor: number;
  maxMs: number;
  jitter: { seed: number; ratio: number } | undefined;
  retryIf: (error: unknown, attempt: number) => boolean;
  attemptTimeout: number | undefined;
  onRetry: RetryPolicy["onRetry"];
}

function checkPolicy(policy: RetryPolicy): CheckedPolicy {
  if (policy === null || typeof policy !== "object") {
    throw new TypeError(`retry policy must be an object like { maxAttempts: 3, baseMs: 100 }, got ${describeValue(policy)}`);
  }
  for (const key of Object.keys(policy)) {
    if (!KNOWN.includes(key)) throw new TypeError(`retry: unknown policy option ${JSON.stringify(key)}; known options: ${KNOWN.join(", ")}`);
  }
  const { maxAttempts = 3, baseMs = 100, factor = 2, maxMs = 30_000, jitter, retryIf = defaultRetryIf, attemptTimeout, onRetry } = policy;
  const ms = (key: string, v: unknown): void => {
    checkMs(v, `retry: \`${key}\``);
  };
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`retry: \`maxAttempts\` must be an integer >= 1 (the first try included), got ${describeValue(maxAttempts)}`);
  }
  ms("baseMs", baseMs);
  ms("maxMs", maxMs);
  if (attemptTimeout !== undefined) ms("attemptTimeout", attemptTimeout);
  if (typeof factor !== "number" || !(factor >= 1) || !Number.isFinite(factor)) {
    throw new RangeError(`retry: \`factor\` must be a finite number >= 1, got ${describeValue(factor)}`);
  }
  if (typeof retryIf !== "function") throw new TypeError(`retry: \`retryIf\` must be a function (error, attempt) => boolean, got ${describeValue(retryIf)}`);
  if (onRetry !== undefined && typeof onRetry !== "function") throw new TypeError(`retry: \`onRetry\` must be a function, got ${describeValue(onRetry)}`);
  let checkedJitter: CheckedPolicy["jitter"];
  if (jitter !== undefined) {
    const ratio = jitter?.ratio ?? 0.5;
    if (jitter === null || typeof jitter !== "object" || !Number.isInteger(jitter.seed)) {
      throw new TypeError(`retry: \`jitter\` must be { seed: <integer>, ratio?: number }, got ${describeValue(jitter)}`);
    }
    if (typeof ratio !== "number" || !(ratio > 0 && ratio <= 1)) throw new RangeError(`retry: \`jitter.ratio\` must be in (0, 1], got ${describeValue(ratio)}`);
    checkedJitter = { seed: jitter.seed, ratio };
  }
  return { maxAttempts, baseMs, factor, maxMs, jitter: checkedJitter, retryIf, attemptTimeout, onRetry };
}
