// The workflow the recovery benchmarks (D3 in bench/durable.ts, R3 in bench/redis-store.ts) resume:
// `steps` journaled ops that must not run again, then a wait that never ends.
import { call, waitSignal } from "../src/durable/index.js";

/** A `replayer` workflow for `workflows` journals of `steps` ops each, and a promise that resolves once all have replayed. */
export function replayers(workflows: number, steps: number): { replayer: () => Generator<unknown, void, any>; all: Promise<void> } {
  let live = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  function* replayer() {
    for (let i = 0; i < steps; i++) yield* call(() => Promise.reject(new Error("a journaled op ran again")));
    if (++live === workflows) resolveAll();
    yield* waitSignal("never");
  }
  return { replayer, all };
}
