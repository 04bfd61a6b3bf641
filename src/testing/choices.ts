import { describeValue } from "../errors.js";
import type { SchedulingPolicy } from "../kernel/types.js";
import { mulberry32 } from "../random.js";

export { mulberry32 };

/**
 * What decides one explored run: which ready task runs next and how much virtual-time jitter an
 * op gets. Strategies ({@link randomDecider}, `pctDecider`, a schedule list) implement it; a
 * {@link RunRecorder} wraps one and records every decision that had more than one option.
 *
 * @example
 * ```ts
 * const fifo: Decider = { pick: () => 0, draw: () => 0 };
 * ```
 */
export interface Decider {
  /** Index among the `count` tasks ready at the top priority (`ready`: their tids, FIFO order). `step` counts picks from 1. */
  pick(count: number, ready: readonly number[], step: number): number;
  /** A number in `[0, n)`, for `n >= 2` (op latency jitter). */
  draw(n: number): number;
}

/** One step of a recorded run, kept only when the recorder is asked for detail. */
export interface StepRecord {
  tid: number;
  /** The FIFO choice (the head of the ready queue) at that step. */
  fifo: number;
}

/** Thrown into the run loop when a run passes `maxSteps` picks: a livelock under this schedule. */
export class LivelockError extends Error {
  override name = "LivelockError";
}

/**
 * The scheduling policy of an explored run: asks a {@link Decider} and records the decisions
 * (each as an index with its option count), so the run can be replayed from
 * {@link encodeSchedule}'s string, shrunk, or extended by a systematic search.
 *
 * @example
 * ```ts
 * const rec = new RunRecorder(randomDecider(7), 100_000, false);
 * createTestScheduler({ policy: rec });
 * ```
 */
export class RunRecorder implements SchedulingPolicy {
  /** Picks made (steps), including those with one ready task. */
  steps = 0;
  /** Every decision with two or more options, in order. */
  readonly choices: number[] = [];
  /** The number of options of each decision in {@link choices}. */
  readonly counts: number[] = [];
  /** Per-step tids, when detail was asked for. */
  readonly detail: StepRecord[] | null;
  readonly #decider: Decider;
  readonly #maxSteps: number;

  constructor(decider: Decider, maxSteps: number, detail: boolean) {
    this.#decider = decider;
    this.#maxSteps = maxSteps;
    this.detail = detail ? [] : null;
  }

  pick(count: number, ready: readonly number[]): number {
    const step = ++this.steps;
    if (step > this.#maxSteps) {
      throw new LivelockError(`explore: the run passed maxSteps (${this.#maxSteps} scheduling steps); a livelock under this schedule? Raise maxSteps if the program is just long`);
    }
    const k = this.#decider.pick(count, ready, step);
    if (count > 1) {
      this.choices.push(k);
      this.counts.push(count);
    }
    this.detail?.push({ tid: ready[k], fifo: ready[0] });
    return k;
  }

  draw(n: number): number {
    if (n <= 1) return 0;
    const k = this.#decider.draw(n);
    this.choices.push(k);
    this.counts.push(n);
    return k;
  }
}


/**
 * The seeded random walk: every decision with `n` options is uniform. Draws exactly as
 * `seededPolicy(seed)` does, so `replay(program, seed, { strategy: "random" })` matches it.
 *
 * @example
 * ```ts
 * const d = randomDecider(3);
 * d.pick(4, [1, 2, 3, 4], 1); // 0..3
 * ```
 */
export function randomDecider(seed: number): Decider {
  const next = mulberry32(seed);
  return {
    pick: (count) => (count <= 1 ? 0 : Math.floor(next() * count)),
    draw: (n) => Math.floor(next() * n),
  };
}

/**
 * Replays a list of decisions; past its end, or where a listed index no longer fits, it takes the
 * FIFO choice (0). Shrinking and the bounded search rely on that: a shorter list is "the same
 * schedule, then FIFO".
 *
 * @example
 * ```ts
 * const d = listDecider([0, 2, 1]);
 * ```
 */
export function listDecider(choices: readonly number[]): Decider {
  let i = 0;
  const next = (n: number) => {
    const c = choices[i++] ?? 0;
    return c < n ? c : 0;
  };
  return { pick: (count) => (count <= 1 ? 0 : next(count)), draw: next };
}

/**
 * A schedule as a short string: decisions separated by `.`, a run of equal decisions as
 * `value*times`, trailing FIFO (0) decisions dropped, so FIFO order is `""`.
 *
 * @example
 * ```ts
 * encodeSchedule([0, 0, 0, 2, 1, 0]); // "0*3.2.1"
 * ```
 */
export function encodeSchedule(choices: readonly number[]): string {
  let end = choices.length;
  while (end > 0 && choices[end - 1] === 0) end--;
  const parts: string[] = [];
  for (let i = 0; i < end; ) {
    let j = i + 1;
    while (j < end && choices[j] === choices[i]) j++;
    parts.push(j - i > 2 ? `${choices[i]}*${j - i}` : Array(j - i).fill(String(choices[i])).join("."));
    i = j;
  }
  return parts.join(".");
}

/**
 * Parses {@link encodeSchedule}'s string back into decisions.
 *
 * @example
 * ```ts
 * decodeSchedule("0*3.2.1"); // [0, 0, 0, 2, 1]
 * ```
 */
export function decodeSchedule(text: string): number[] {
  if (typeof text !== "string") throw new TypeError(`a schedule must be a string like "0*3.2.1", got ${describeValue(text)}`);
  const out: number[] = [];
  if (text.trim() === "") return out;
  for (const part of text.split(".")) {
    const m = /^\s*(\d+)(?:\*(\d+))?\s*$/.exec(part);
    if (m === null) throw new TypeError(`bad schedule ${JSON.stringify(text)}: "${part}" is not "<index>" or "<index>*<times>"`);
    const times = m[2] === undefined ? 1 : Number(m[2]);
    for (let i = 0; i < times; i++) out.push(Number(m[1]));
  }
  return out;
}

/** Drops trailing FIFO decisions, which a replay takes anyway. */
export function trimChoices(choices: readonly number[]): number[] {
  let end = choices.length;
  while (end > 0 && choices[end - 1] === 0) end--;
  return choices.slice(0, end);
}

/** How many decisions are not the FIFO choice. */
export function deviations(choices: readonly number[]): number {
  let n = 0;
  for (const c of choices) if (c !== 0) n++;
  return n;
}
