/**
 * W6 ring alone: `nop` ops through a standalone IoRing, 64 per batch: submit 64, one `enter`,
 * one `reap`. No scheduler involved.
 */
import { IoRing, type NopOp } from "../src/index.js";
import { atLeast, timed, type Workload } from "./harness.js";

const BATCH = 64;

function nops(n: number): number {
  const ring = new IoRing({ entries: BATCH });
  const op: NopOp = { type: "nop" };
  let reaped = 0;
  for (let done = 0; done < n; done += BATCH) {
    for (let i = 0; i < BATCH; i++) ring.submit(op);
    ring.enter();
    reaped += ring.reap().length;
  }
  return reaped;
}

export function w6(quick: boolean): Workload {
  const n = quick ? 200_000 : 5_000_000 - (5_000_000 % BATCH);
  return {
    id: "W6 ring nop ops",
    title: `${n} nop ops, batches of ${BATCH}`,
    unit: "M ops/s",
    better: "higher",
    cases: [
      {
        system: "yieldos",
        target: atLeast(10, " M ops/s"),
        note: `standalone IoRing({ entries: ${BATCH} }): ${BATCH} x submit(), enter(), reap(), repeated`,
        run: async () => {
          let reaped = 0;
          const ms = await timed(() => {
            reaped = nops(n);
          });
          if (reaped !== Math.ceil(n / BATCH) * BATCH) throw new Error(`reaped ${reaped} of ${n} nops`);
          return reaped / 1e6 / (ms / 1e3);
        },
      },
    ],
  };
}
