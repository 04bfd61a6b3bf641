import { describeValue } from "../errors.js";
import type { TargetResult, TaskTarget } from "../kernel/types.js";
import { fork } from "../syscalls/fork.js";
import { channel } from "./channel.js";
import { cleanup, type Outcome } from "./join-watch.js";

/**
 * Runs `targets` as child tasks and returns the value of the first to finish. The others are
 * killed, and have ended (their `finally` blocks ran) before `race` returns. If the first to
 * finish threw, `race` throws its error, after the same cleanup. Each target is a generator
 * function or generator object, as for `fork`; the child tasks take the function's name.
 *
 * @example
 * ```ts
 * const answer = yield* race([
 *   function* fast() { return (yield* llm.query({ model: "small", messages })).text; },
 *   function* careful() { return (yield* llm.query({ model: "large", messages })).text; },
 *   function* deadline() { yield* sleep(5_000); return "no answer in time"; },
 * ]);
 * ```
 */
export function* race<const T extends readonly TaskTarget<unknown>[]>(targets: T): Generator<unknown, TargetResult<T[number]>, unknown> {
  if (!Array.isArray(targets) || targets.length === 0) {
    throw new TypeError(`race expects a non-empty array of generator functions or generators, got ${describeValue(targets)}`);
  }
  const reports = channel<Outcome>({ capacity: targets.length, name: "race" });
  const tids: number[] = [];
  for (let i = 0; i < targets.length; i++) {
    const target = targets[i];
    if (typeof target !== "function" && (target === null || typeof target !== "object" || typeof (target as Generator).next !== "function")) {
      throw new TypeError(`race: targets[${i}] must be a generator function or generator, got ${describeValue(target)}`);
    }
    const racer = function* (): Generator<unknown, void, unknown> {
      let outcome: Outcome;
      try {
        const gen = typeof target === "function" ? target() : target;
        outcome = { index: i, ok: true, value: yield* gen };
      } catch (error) {
        outcome = { index: i, ok: false, error };
      }
      yield* reports.send(outcome);
    };
    const name = typeof target === "function" && target.name !== "" ? target.name : `race#${i}`;
    tids.push(yield* fork(racer, { name }));
  }
  const m = yield* reports.receive();
  if (m.done) throw new Error("race: its channel closed early");
  const first = m.value;
  yield* cleanup(
    tids.filter((_, i) => i !== first.index),
    tids,
  );
  if (!first.ok) throw first.error;
  return first.value as TargetResult<T[number]>;
}
