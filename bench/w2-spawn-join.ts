/**
 * W2 spawn+join: a parent starts N children that return their index, and collects every result.
 * "sequential": start one, wait for it, start the next. "all-then-join": start all, then wait
 * for each in turn. Every system's sum of results is checked. yieldos runs twice: on its default
 * real clock and on a `VirtualClock` (issue #12 sets the same target for both).
 */
import co from "co";
import { run as effectionRun, spawn as effectionSpawn, type Task as EffectionTask } from "effection";
import { runSaga, stdChannel, type Task as SagaTask } from "redux-saga";
import { fork as sagaFork, join as sagaJoin } from "redux-saga/effects";
import { Scheduler, VirtualClock, fork, wait, type Tid } from "../src/index.js";
import { atLeast, timed, type Case, type Workload } from "./harness.js";

type Mode = "sequential" | "all";
/** Runs a parent with `n` children; resolves with the sum of the children's results. */
type Runner = (n: number, mode: Mode) => Promise<number>;

function* child(i: number): Generator<never, number, unknown> {
  return i;
}

const yieldosOn =
  (virtual: boolean): Runner =>
  async (n, mode) => {
    const sched = new Scheduler(virtual ? { clock: new VirtualClock() } : {});
    const parent = sched.spawn(function* () {
      let sum = 0;
      if (mode === "sequential") {
        for (let i = 0; i < n; i++) sum += yield* wait(yield* fork(child(i)));
      } else {
        const tids = new Array<Tid<number>>(n);
        for (let i = 0; i < n; i++) tids[i] = yield* fork(child(i));
        for (let i = 0; i < n; i++) sum += yield* wait(tids[i]);
      }
      return sum;
    });
    await sched.run();
    return parent.done;
  };

async function asyncChild(i: number): Promise<number> {
  return i;
}

const asyncRun: Runner = async (n, mode) => {
  let sum = 0;
  if (mode === "sequential") {
    for (let i = 0; i < n; i++) sum += await asyncChild(i);
  } else {
    const all = new Array<Promise<number>>(n);
    for (let i = 0; i < n; i++) all[i] = asyncChild(i);
    for (let i = 0; i < n; i++) sum += await all[i];
  }
  return sum;
};

const coRun: Runner = (n, mode) =>
  co(function* () {
    let sum = 0;
    if (mode === "sequential") {
      for (let i = 0; i < n; i++) sum += (yield co(child, i)) as number;
    } else {
      const all = new Array<Promise<number>>(n);
      for (let i = 0; i < n; i++) all[i] = co(child, i);
      for (let i = 0; i < n; i++) sum += (yield all[i]) as number;
    }
    return sum;
  });

const sagaRun: Runner = async (n, mode) => {
  const channel = stdChannel();
  function* root(): Generator<unknown, number, unknown> {
    let sum = 0;
    if (mode === "sequential") {
      for (let i = 0; i < n; i++) sum += (yield sagaJoin((yield sagaFork(child, i)) as SagaTask)) as number;
    } else {
      const all = new Array<SagaTask>(n);
      for (let i = 0; i < n; i++) all[i] = (yield sagaFork(child, i)) as SagaTask;
      for (let i = 0; i < n; i++) sum += (yield sagaJoin(all[i])) as number;
    }
    return sum;
  }
  const task = runSaga({ channel, dispatch: (a: unknown) => channel.put(a as { type: string }), getState: () => ({}) }, root);
  return (await task.toPromise()) as number;
};

const effectionRunner: Runner = (n, mode) =>
  effectionRun(function* () {
    let sum = 0;
    if (mode === "sequential") {
      for (let i = 0; i < n; i++) sum += yield* yield* effectionSpawn(() => child(i));
    } else {
      const all = new Array<EffectionTask<number>>(n);
      for (let i = 0; i < n; i++) all[i] = yield* effectionSpawn(() => child(i));
      for (let i = 0; i < n; i++) sum += yield* all[i];
    }
    return sum;
  });

export function w2(quick: boolean, mode: Mode): Workload {
  const n = quick ? 10_000 : 100_000;
  const mk = (system: string, runner: Runner, count = n, extra?: Partial<Case>): Case => ({
    system,
    verify: async () => {
      const sum = await runner(100, mode);
      return sum === 4950 ? null : `children's results summed to ${sum}, not 4950`;
    },
    run: async () => {
      let sum = 0;
      const ms = await timed(async () => {
        sum = await runner(count, mode);
      });
      if (sum !== (count * (count - 1)) / 2) throw new Error(`${system}: wrong sum ${sum}`);
      return count / 1e3 / (ms / 1e3);
    },
    ...(count !== n ? { note: `scaled down to ${count.toLocaleString("en-US")} children (too slow at full size)` } : {}),
    ...extra,
  });
  const seq = mode === "sequential";
  return {
    id: seq ? "W2 spawn+join sequential" : "W2 spawn all, then join",
    title: `${n} children, ${mode}`,
    unit: "k children/s",
    better: "higher",
    cases: [
      mk("yieldos", yieldosOn(false)),
      mk("yieldos, VirtualClock", yieldosOn(true)),
      mk("native async", asyncRun, n, { target: atLeast(seq ? 0.25 : 0.15) }),
      mk("co", coRun),
      mk("redux-saga fork/join", sagaRun, n, { target: atLeast(10) }),
      mk("effection 4 spawn", effectionRunner, seq ? n / 5 : n / 10),
    ],
  };
}
