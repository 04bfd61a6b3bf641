/**
 * Fans out simulated "LLM calls" through a scheduler's I/O ring: one task per call, a custom op
 * type `llm` whose handler receives batches, and `cqEntries` bounding how many are in flight.
 * Latencies come from a seeded PRNG, so a run is reproducible; they are waited on the scheduler's
 * clock with `request.after`: real milliseconds by default, virtual ones with a `VirtualClock`
 * (then the run is instant and its clock time exact).
 *
 *   npx tsx examples/llm-fanout.ts [calls] [inFlight]
 */
import { Scheduler, VirtualClock, submitIO, type Clock, type IoHandler, type TypedOp } from "../src/index.js";

/** One LLM call: the result type rides on the op, so `yield* submitIO(ask(p))` is a `string`. */
interface LlmOp extends TypedOp<string> {
  type: "llm";
  prompt: string;
}

const ask = (prompt: string): LlmOp => ({ type: "llm", prompt });

export interface FanoutOptions {
  /** LLM calls to make. Default 1,000. */
  calls?: number;
  /** The ring's `cqEntries`: the most calls in flight at once. Default 32. */
  inFlight?: number;
  /** Latency range of one call, in ms of clock time. Default 5 to 50. */
  minMs?: number;
  maxMs?: number;
  seed?: number;
  /** The scheduler's clock. Default a real clock. */
  clock?: Clock;
}

export interface FanoutReport {
  calls: number;
  inFlight: number;
  /** Answers received, each checked against its prompt. */
  answers: number;
  /** The most requests the handler held at once. */
  maxInFlight: number;
  /** Handler calls, and how many of them served how many requests: `{ 32: 1, 1: 950, ... }`. */
  handlerCalls: number;
  batchSizes: Record<number, number>;
  /** Real time of the run, and time on the scheduler's clock (the same on a real clock). */
  realMs: number;
  clockMs: number;
  callsPerSecond: number;
}

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runFanout(options: FanoutOptions = {}): Promise<FanoutReport> {
  const { calls = 1_000, inFlight = 32, minMs = 5, maxMs = 50, seed = 42, clock } = options;
  const entries = 2 ** Math.ceil(Math.log2(inFlight)); // SQ slots must be a power of two
  const sched = new Scheduler({ clock, ring: { entries, cqEntries: inFlight } });
  const random = prng(seed);
  let outstanding = 0;
  let maxInFlight = 0;
  const batchSizes: Record<number, number> = {};

  // The simulated backend: every request of the batch answers after its own latency.
  const llm: IoHandler<LlmOp> = (requests) => {
    batchSizes[requests.length] = (batchSizes[requests.length] ?? 0) + 1;
    outstanding += requests.length;
    maxInFlight = Math.max(maxInFlight, outstanding);
    for (const r of requests) {
      const latency = minMs + Math.floor(random() * (maxMs - minMs + 1));
      r.after(latency, () => {
        outstanding--;
        r.complete(`answer to ${r.op.prompt}`);
      });
    }
  };
  sched.ring.register("llm", llm);

  function* call(i: number) {
    return yield* submitIO(ask(`prompt #${i}`)); // string
  }

  const startClock = sched.now();
  const startReal = performance.now();
  // All calls are spawned before the run, so the first enter carries a full ring in one batch.
  const tasks = Array.from({ length: calls }, (_, i) => sched.spawn(call(i), { name: `call ${i}` }));
  await sched.run();
  const realMs = performance.now() - startReal;
  const clockMs = sched.now() - startClock;
  const handlerCalls = Object.values(batchSizes).reduce((a, b) => a + b, 0);
  return {
    calls,
    inFlight,
    answers: (await Promise.all(tasks.map((t) => t.done))).filter((a, i) => a === `answer to prompt #${i}`).length,
    maxInFlight,
    handlerCalls,
    batchSizes,
    realMs,
    clockMs,
    callsPerSecond: calls / (Math.max(clockMs, 1e-9) / 1000),
  };
}

export function formatReport(r: FanoutReport): string {
  const sizes = Object.entries(r.batchSizes)
    .sort(([a], [b]) => Number(b) - Number(a))
    .map(([size, n]) => `${n} x ${size}`)
    .join(", ");
  return [
    `${r.answers}/${r.calls} answers, at most ${r.inFlight} in flight`,
    `total time:   ${r.clockMs.toFixed(0)} ms on the scheduler clock (${r.realMs.toFixed(0)} ms real)`,
    `throughput:   ${r.callsPerSecond.toFixed(0)} calls/s`,
    `max in flight observed: ${r.maxInFlight} (limit ${r.inFlight})`,
    `handler calls: ${r.handlerCalls} for ${r.calls} requests (handler calls x requests each: ${sizes})`,
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [calls = 1_000, inFlight = 32] = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
  const clock = process.argv.includes("--virtual") ? new VirtualClock() : undefined;
  console.log(formatReport(await runFanout({ calls, inFlight, clock })));
}
