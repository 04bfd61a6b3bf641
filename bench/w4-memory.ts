/**
 * W4 memory per suspended task: heap after GC with N tasks suspended, minus the heap before,
 * divided by N. Each system's tasks are then ended so the next system starts clean.
 */
import { run as effectionRun, spawn as effectionSpawn, suspend } from "effection";
import { runSaga, stdChannel } from "redux-saga";
import { fork as sagaFork, take } from "redux-saga/effects";
import { Scheduler, Sleep, sleep } from "../src/index.js";
import { atMost, heapAfterGc, type Case, type Workload } from "./harness.js";

/** Suspends `n` tasks; returns the heap bytes per task and a function that ends them all. */
type Suspender = (n: number) => Promise<{ bytes: number; end: () => Promise<void> }>;

/**
 * yieldos: tasks asleep on the real clock for a day (one host timer), killed afterwards. The
 * PyOS form `yield new Sleep(ms)` keeps no syscall iterator alive while the task is suspended.
 */
const yieldosSuspend =
  (form: "yield*" | "pyos"): Suspender =>
  async (n) => {
    const before = heapAfterGc();
    const sched = new Scheduler();
    const parked =
      form === "yield*"
        ? function* parked(): Generator<unknown, void, unknown> {
            yield* sleep(86_400_000);
          }
        : function* parked(): Generator<unknown, void, unknown> {
            yield new Sleep(86_400_000);
          };
    for (let i = 0; i < n; i++) sched.spawn(parked);
    const done = sched.run(); // its first pass runs every task into its sleep, synchronously
    const bytes = (heapAfterGc() - before) / n;
    return {
      bytes,
      end: async () => {
        for (let tid = 1; tid <= n; tid++) sched.kill(tid);
        await done;
      },
    };
  };

const rawSuspend: Suspender = async (n) => {
  const before = heapAfterGc();
  function* parked(): Generator<void, void, void> {
    yield;
  }
  let gens: Generator<void, void, void>[] | null = new Array(n);
  for (let i = 0; i < n; i++) {
    const g = parked();
    g.next();
    gens[i] = g;
  }
  const bytes = (heapAfterGc() - before) / n;
  return {
    bytes,
    end: async () => {
      gens = null;
    },
  };
};

const asyncSuspend: Suspender = async (n) => {
  const before = heapAfterGc();
  let never: Promise<void> | null = new Promise<void>(() => {});
  const gate = never;
  async function parked(): Promise<void> {
    await gate;
  }
  for (let i = 0; i < n; i++) void parked();
  const bytes = (heapAfterGc() - before) / n;
  return {
    bytes,
    end: async () => {
      never = null; // the functions stay suspended forever; dropping the promise frees them all
    },
  };
};

const sagaSuspend: Suspender = async (n) => {
  const before = heapAfterGc();
  const channel = stdChannel();
  function* parked(): Generator<unknown, void, unknown> {
    yield take("NEVER");
  }
  function* root(): Generator<unknown, void, unknown> {
    for (let i = 0; i < n; i++) yield sagaFork(parked);
  }
  const task = runSaga({ channel, dispatch: (a: unknown) => channel.put(a as { type: string }), getState: () => ({}) }, root);
  const bytes = (heapAfterGc() - before) / n;
  return {
    bytes,
    end: async () => {
      task.cancel();
    },
  };
};

const effectionSuspend: Suspender = async (n) => {
  const before = heapAfterGc();
  let started!: () => void;
  const ready = new Promise<void>((r) => (started = r));
  const task = effectionRun(function* () {
    for (let i = 0; i < n; i++) yield* effectionSpawn(suspend);
    started();
    yield* suspend();
  });
  await ready;
  await new Promise((r) => setImmediate(r)); // let every child reach its suspend()
  const bytes = (heapAfterGc() - before) / n;
  return {
    bytes,
    end: async () => {
      await task.halt();
    },
  };
};

export function w4(quick: boolean): Workload {
  const n = quick ? 50_000 : 1_000_000;
  const mk = (system: string, s: Suspender, count = n, extra?: Partial<Case>): Case => ({
    system,
    run: async () => {
      const { bytes, end } = await s(count);
      await end();
      return bytes;
    },
    ...(count !== n ? { note: `scaled down to ${count.toLocaleString("en-US")} tasks (${system} at full size would need several GB of heap)` } : {}),
    ...extra,
  });
  return {
    id: "W4 memory per suspended task",
    title: `${n} suspended tasks`,
    unit: "B/task",
    better: "lower",
    rounds: quick ? 1 : 3,
    noWarmup: true,
    cases: [
      mk("yieldos", yieldosSuspend("yield*"), n, {
        target: atMost(250, "B"),
        note: "tasks asleep in `yield* sleep(1 day)` on the real clock, the TaskHandles spawn returns dropped",
      }),
      mk("yieldos, PyOS form", yieldosSuspend("pyos"), n, {
        target: atMost(250, "B"),
        note: "tasks asleep in `yield new Sleep(1 day)`: no syscall iterator kept alive, smaller generator frame",
      }),
      mk("raw generator", rawSuspend),
      mk("async fn awaiting a pending promise", asyncSuspend),
      mk("redux-saga take", sagaSuspend, quick ? n : n / 10),
      mk("effection 4 suspend", effectionSuspend, quick ? n / 5 : n / 50),
    ],
  };
}
