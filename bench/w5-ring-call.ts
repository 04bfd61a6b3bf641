/**
 * W5 ring: N `call` ops of an already-resolved async function, 256 in flight at a time. yieldos
 * runs 256 tasks that each `yield* call(fn)` in a loop; the peers are p-queue at concurrency
 * 256 and 256 hand-rolled async workers pulling jobs from one array.
 */
import PQueue from "p-queue";
import { Scheduler, call } from "../src/index.js";
import { atLeast, timed, type Case, type Workload } from "./harness.js";

const CONCURRENCY = 256;

const job = async (): Promise<number> => 1;

/** Runs `n` jobs; resolves with how many completed (checked against `n`). */
type Runner = (n: number) => Promise<number>;

const yieldosRun: Runner = async (n) => {
  const sched = new Scheduler({ ring: { entries: CONCURRENCY } });
  let next = 0;
  let done = 0;
  function* worker(): Generator<unknown, void, unknown> {
    while (next < n) {
      next++;
      const v = yield* call(job); // not `done += yield* ...`: that reads `done` before suspending
      done += v;
    }
  }
  for (let i = 0; i < CONCURRENCY; i++) sched.spawn(worker);
  await sched.run();
  return done;
};

/**
 * p-queue slows down as its queue grows (each dequeue is an `Array#shift`), so the producer keeps
 * at most 20,000 jobs queued, as a real producer with back-pressure would.
 */
const pQueueRun: Runner = async (n) => {
  const queue = new PQueue({ concurrency: CONCURRENCY });
  let done = 0;
  const count = (v: number | void) => {
    done += v as number;
  };
  for (let i = 0; i < n; i++) {
    if (queue.size >= 20_000) await queue.onSizeLessThan(10_000);
    void queue.add(job).then(count);
  }
  await queue.onIdle();
  return done;
};

const workersRun: Runner = async (n) => {
  const jobs = new Array<() => Promise<number>>(n).fill(job);
  let next = 0;
  let done = 0;
  async function worker(): Promise<void> {
    while (next < n) {
      const v = await jobs[next++]();
      done += v;
    }
  }
  const all: Promise<void>[] = [];
  for (let i = 0; i < CONCURRENCY; i++) all.push(worker());
  await Promise.all(all);
  return done;
};

export function w5(quick: boolean): Workload {
  const n = quick ? 50_000 : 1_000_000;
  const mk = (system: string, runner: Runner, count = n, extra?: Partial<Case>): Case => ({
    system,
    run: async () => {
      let done = 0;
      const ms = await timed(async () => {
        done = await runner(count);
      });
      if (done !== count) throw new Error(`${system}: ${done} of ${count} jobs completed`);
      return count / 1e3 / (ms / 1e3);
    },
    ...(count !== n ? { note: `scaled down to ${count.toLocaleString("en-US")} jobs (too slow at full size)` } : {}),
    ...extra,
  });
  return {
    id: "W5 ring call ops",
    title: `${n} call ops, ${CONCURRENCY} in flight`,
    unit: "k ops/s",
    better: "higher",
    cases: [
      mk("yieldos", yieldosRun, n, { note: `${CONCURRENCY} tasks each looping yield* call(async () => 1); ring entries ${CONCURRENCY}` }),
      mk("p-queue", pQueueRun, quick ? n : n / 5, { target: atLeast(20) }),
      mk("async worker loop", workersRun, n, { target: atLeast(0.25) }),
    ],
  };
}
