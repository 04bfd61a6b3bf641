/**
 * W1 switches: N tasks x M bare yields, round-robin. Every system must really hand control to
 * the other tasks at each yield: each is checked to log 012012012 for 3 tasks x 3 yields, and a
 * system that does not is refused.
 */
import co from "co";
import { action, run as effectionRun, sleep as effectionSleep, spawn as effectionSpawn, type Operation } from "effection";
import { runSaga, stdChannel } from "redux-saga";
import { fork as sagaFork, put } from "redux-saga/effects";
import { Scheduler } from "../src/index.js";
import { atLeast, timed, type Case, type Workload } from "./harness.js";

/** Runs `tasks` tasks of `yields` switches each; `log`, when given, records who ran. */
type Runner = (tasks: number, yields: number, log?: number[]) => Promise<void>;

const yieldosRun: Runner = async (tasks, yields, log) => {
  const sched = new Scheduler();
  for (let i = 0; i < tasks; i++) {
    sched.spawn(
      (function* () {
        for (let k = 0; k < yields; k++) {
          log?.push(i);
          yield;
        }
      })(),
    );
  }
  await sched.run();
};

/** Our physical limit: generator objects in a power-of-two ring-buffer deque, resumed in turn. */
const rawRun: Runner = async (tasks, yields, log) => {
  let cap = 1;
  while (cap < tasks) cap <<= 1;
  const slots = new Array<Generator<void, void, void> | undefined>(cap).fill(undefined);
  const mask = cap - 1;
  let head = 0;
  let size = 0;
  for (let i = 0; i < tasks; i++) {
    slots[size++] = (function* () {
      for (let k = 0; k < yields; k++) {
        log?.push(i);
        yield;
      }
    })();
  }
  while (size > 0) {
    const g = slots[head]!;
    slots[head] = undefined;
    head = (head + 1) & mask;
    size--;
    if (g.next().done !== true) {
      slots[(head + size) & mask] = g;
      size++;
    }
  }
};

const awaitRun: Runner = async (tasks, yields, log) => {
  const all: Promise<void>[] = [];
  for (let i = 0; i < tasks; i++) {
    all.push(
      (async () => {
        for (let k = 0; k < yields; k++) {
          log?.push(i);
          await null;
        }
      })(),
    );
  }
  await Promise.all(all);
};

const resolved = Promise.resolve();

const coRun: Runner = async (tasks, yields, log) => {
  const all: Promise<void>[] = [];
  for (let i = 0; i < tasks; i++) {
    all.push(
      co(function* () {
        for (let k = 0; k < yields; k++) {
          log?.push(i);
          yield resolved;
        }
      }),
    );
  }
  await Promise.all(all);
};

/** redux-saga: `yield put(action)` goes through the saga scheduler's queue, a real hand-over. */
const sagaRun: Runner = async (tasks, yields, log) => {
  const channel = stdChannel();
  const tick = { type: "TICK" };
  function* worker(i: number): Generator<unknown, void, unknown> {
    for (let k = 0; k < yields; k++) {
      log?.push(i);
      yield put(tick);
    }
  }
  function* root(): Generator<unknown, void, unknown> {
    for (let i = 0; i < tasks; i++) yield sagaFork(worker, i);
  }
  const task = runSaga({ channel, dispatch: (a: unknown) => channel.put(a as { type: string }), getState: () => ({}) }, root);
  await task.toPromise();
};

/**
 * effection 4 has no "yield now"; an action resolved inside its executor re-queues the routine
 * at the back of effection's reducer queue, which then runs the other ready routines first.
 */
const yieldNow = (): Operation<void> =>
  action<void>((resolve) => {
    resolve();
    return () => {};
  });

const effectionWith =
  (op: () => Operation<void>): Runner =>
  async (tasks, yields, log) => {
    await effectionRun(function* () {
      const children = [];
      for (let i = 0; i < tasks; i++) {
        children.push(
          yield* effectionSpawn(function* () {
            for (let k = 0; k < yields; k++) {
              log?.push(i);
              yield* op();
            }
          }),
        );
      }
      for (const child of children) yield* child;
    });
  };

async function interleaves(runner: Runner): Promise<string | null> {
  const log: number[] = [];
  await runner(3, 3, log);
  const got = log.join("");
  return got === "012012012" ? null : `3 tasks x 3 yields ran as ${got}, not 012012012: no real switch`;
}

export function w1(quick: boolean): Workload {
  const tasks = quick ? 200 : 1_000;
  const yields = quick ? 500 : 2_000;
  /** `yieldsFor` scales down the yields of a system too slow for the full count; tasks stay. */
  const mk = (system: string, runner: Runner, yieldsFor = yields, extra?: Partial<Case>): Case => ({
    system,
    verify: () => interleaves(runner),
    run: async () => (tasks * yieldsFor) / 1e6 / ((await timed(() => runner(tasks, yieldsFor))) / 1e3),
    ...(yieldsFor !== yields ? { note: `scaled down to ${tasks.toLocaleString("en-US")} tasks x ${yieldsFor.toLocaleString("en-US")} yields (too slow at full size)` } : {}),
    ...extra,
  });
  return {
    id: "W1 switches",
    title: `${tasks} tasks x ${yields} bare yields`,
    unit: "M switches/s",
    better: "higher",
    cases: [
      mk("yieldos", yieldosRun),
      mk("raw generator loop", rawRun, yields, { target: atLeast(0.6) }),
      mk("native await null", awaitRun, yields, { target: atLeast(1.5) }),
      mk("co", coRun, yields, { target: atLeast(1.5) }),
      mk("redux-saga put", sagaRun, yields / 4),
      mk("effection 4 action", effectionWith(yieldNow), yields / 10),
      mk("effection 4 sleep(0)", effectionWith(() => effectionSleep(0)), quick ? 5 : 20),
    ],
  };
}
