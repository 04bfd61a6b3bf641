// Workloads bench/durable.ts and bench/redis-store.ts share: a lone workflow's step latency (D2,
// R2) and the workflow the recovery benchmarks (D3, R3) resume.
import { DurableEngine, call, waitSignal, type Store } from "../src/durable/index.js";

/** A lone workflow's `call` step on `store`, in ms: `steps` steps timed from the signal that starts them. */
export async function loneStepMs(store: Store, steps: number): Promise<number> {
  function* lone(n: number) {
    yield* waitSignal("go");
    for (let i = 0; i < n; i++) yield* call(() => Promise.resolve(i));
    return n;
  }
  const engine = new DurableEngine({ store, workflows: { lone } });
  await engine.start("lone", [steps], { id: "lone" });
  await new Promise((r) => setTimeout(r, 20));
  const t0 = performance.now();
  await engine.signal("lone", "go");
  await engine.result("lone");
  const t = performance.now() - t0;
  await engine.close();
  return t / steps;
}

/** D3, R3: a `replayer` workflow for `workflows` journals of `steps` ops each, and a promise that resolves once all have replayed. */
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
