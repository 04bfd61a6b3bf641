/**
 * W3 sleepers: many tasks that each sleep a random time once. On the virtual clock: wall
 * seconds to spawn and finish them all. On the real clock: wall time beyond the longest sleep
 * (vs async functions each awaiting a `setTimeout` promise, the issue #12 baseline, and bare
 * `setTimeout` callbacks), host timers armed at once, and heap bytes per sleeper.
 */
import { Scheduler, VirtualClock, sleep } from "../src/index.js";
import { atMost, below, exactly, heapAfterGc, rng, timed, type Workload } from "./harness.js";
import { watchHostTimers } from "./host-timers.js";

function* sleeper(ms: number): Generator<unknown, void, unknown> {
  yield* sleep(ms);
}

function delays(n: number, seed: number, make: (r: number) => number): Float64Array {
  const random = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = make(random());
  return out;
}

function maxOf(xs: Float64Array): number {
  let m = 0;
  for (const x of xs) if (x > m) m = x;
  return m;
}

/**
 * The physical limit of a sleeper loop: generators that yield their sleep time, a FIFO of ready
 * generators and a binary min-heap of small `{ at, seq, gen }` entries, with a virtual "now".
 */
function rawSleepers(ds: Float64Array): number {
  type Entry = { at: number; seq: number; gen: Generator<number, void, void> };
  function* raw(ms: number): Generator<number, void, void> {
    yield ms;
  }
  const heap: Entry[] = [];
  const less = (a: Entry, b: Entry) => a.at < b.at || (a.at === b.at && a.seq < b.seq);
  const push = (e: Entry) => {
    let i = heap.length;
    heap.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(e, heap[p])) break;
      heap[i] = heap[p];
      i = p;
    }
    heap[i] = e;
  };
  const pop = (): Entry => {
    const top = heap[0];
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const c = l + 1 < n && less(heap[l + 1], heap[l]) ? l + 1 : l;
        if (!less(heap[c], last)) break;
        heap[i] = heap[c];
        i = c;
      }
      heap[i] = last;
    }
    return top;
  };
  let ready: Generator<number, void, void>[] = [];
  for (let i = 0; i < ds.length; i++) ready.push(raw(ds[i]));
  let now = 0;
  let seq = 0;
  let next: Generator<number, void, void>[] = [];
  while (ready.length > 0 || heap.length > 0) {
    for (let i = 0; i < ready.length; i++) {
      const g = ready[i];
      const r = g.next();
      if (r.done !== true) push({ at: now + r.value, seq: seq++, gen: g });
    }
    ready.length = 0;
    if (heap.length > 0) now = heap[0].at;
    while (heap.length > 0 && heap[0].at <= now) next.push(pop().gen);
    [ready, next] = [next, ready];
  }
  return now;
}

export function w3Virtual(quick: boolean, kind: "distinct" | "integer"): Workload {
  const n = quick ? 50_000 : 1_000_000;
  // "distinct": real-valued sleeps in [0, 1000) ms, so nearly every sleeper has its own deadline
  // and the clock jumps once per task; "integer": whole ms in 0..50, so sleepers share deadlines.
  const ds = kind === "distinct" ? delays(n, 1, (r) => r * 1000) : delays(n, 2, (r) => Math.floor(r * 51));
  const longest = maxOf(ds);
  return {
    id: kind === "distinct" ? "W3 sleepers, virtual clock, distinct deadlines" : "W3 sleepers, virtual clock, 0-50 ms",
    title: `${n} sleepers on a VirtualClock`,
    unit: "s",
    better: "lower",
    rounds: quick ? 1 : 3,
    cases: [
      {
        system: "yieldos",
        target: kind === "distinct" ? below(2, "s") : undefined,
        note:
          kind === "distinct"
            ? `${n.toLocaleString("en-US")} tasks, each sleep(random real ms in [0, 1000)); spawn + run() to the end`
            : `${n.toLocaleString("en-US")} tasks, each sleep(random whole ms in 0..50); spawn + run() to the end`,
        run: async () => {
          const clock = new VirtualClock();
          const sched = new Scheduler({ clock });
          const ms = await timed(async () => {
            for (let i = 0; i < n; i++) sched.spawn(sleeper(ds[i]));
            await sched.run();
          });
          if (clock.now() !== longest) throw new Error(`virtual clock ended at ${clock.now()}, expected ${longest}`);
          return ms / 1e3;
        },
      },
      {
        system: "raw generators + binary heap",
        run: async () => {
          let end = 0;
          const ms = await timed(() => {
            end = rawSleepers(ds);
          });
          if (end !== longest) throw new Error(`raw sleepers ended at ${end}, expected ${longest}`);
          return ms / 1e3;
        },
      },
    ],
  };
}

function realParams(quick: boolean): { n: number; ds: Float64Array; longest: number } {
  const n = quick ? 20_000 : 100_000;
  const ds = delays(n, 3, (r) => Math.floor(r * 51));
  return { n, ds, longest: maxOf(ds) };
}

async function yieldosSleepers(ds: Float64Array): Promise<void> {
  const sched = new Scheduler();
  for (let i = 0; i < ds.length; i++) sched.spawn(sleeper(ds[i]));
  await sched.run();
}

function bareTimers(ds: Float64Array): Promise<void> {
  return new Promise((resolve) => {
    let left = ds.length;
    const done = () => {
      if (--left === 0) resolve();
    };
    for (let i = 0; i < ds.length; i++) setTimeout(done, ds[i]);
  });
}

/** The same sleeps as async functions, each awaiting a promise that a `setTimeout` resolves. */
async function asyncSleepers(ds: Float64Array): Promise<void> {
  const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  async function sleeper(ms: number): Promise<void> {
    await sleepFor(ms);
  }
  const all = new Array<Promise<void>>(ds.length);
  for (let i = 0; i < ds.length; i++) all[i] = sleeper(ds[i]);
  await Promise.all(all);
}

export function w3RealOverhead(quick: boolean): Workload {
  const { n, ds, longest } = realParams(quick);
  return {
    id: "W3 sleepers, real clock: overhead",
    title: `${n} sleepers, random 0-50 ms, real clock`,
    unit: "ms beyond longest sleep",
    better: "lower",
    cases: [
      {
        system: "yieldos",
        target: atMost(60, "ms"),
        note: `${n.toLocaleString("en-US")} tasks, sleep(random whole ms in 0..50); wall time from the first spawn to run() resolving, minus the longest sleep (${longest} ms)`,
        run: async () => (await timed(() => yieldosSleepers(ds))) - longest,
      },
      { system: "async fns awaiting setTimeout", run: async () => (await timed(() => asyncSleepers(ds))) - longest },
      { system: "bare setTimeout callbacks", run: async () => (await timed(() => bareTimers(ds))) - longest },
    ],
  };
}

/** Runs `fn` with host timers watched; returns the most armed at once. */
async function maxTimersArmed(fn: () => Promise<void>): Promise<number> {
  const watch = watchHostTimers();
  try {
    await fn();
  } finally {
    watch.restore();
  }
  return watch.max;
}

export function w3RealTimers(quick: boolean): Workload {
  const { n, ds } = realParams(quick);
  return {
    id: "W3 sleepers, real clock: host timers armed at once",
    title: `${n} sleepers, most setTimeout timers armed at one time`,
    unit: "timers",
    better: "lower",
    rounds: 1,
    noWarmup: true,
    cases: [
      { system: "yieldos", target: exactly(1), run: () => maxTimersArmed(() => yieldosSleepers(ds)) },
      { system: "bare setTimeout callbacks", run: () => maxTimersArmed(() => bareTimers(ds)) },
    ],
  };
}

export function w3RealHeap(quick: boolean): Workload {
  const { n, ds } = realParams(quick);
  return {
    id: "W3 sleepers, real clock: heap per sleeper",
    title: `${n} sleepers, heap after GC while all sleep`,
    unit: "B/sleeper",
    better: "lower",
    rounds: quick ? 1 : 3,
    noWarmup: true,
    cases: [
      {
        system: "yieldos",
        target: atMost(300, "B"),
        note: "heap after GC with every task asleep, minus the heap before spawning, / count (the TaskHandles spawn returns are dropped)",
        run: async () => {
          const before = heapAfterGc();
          const sched = new Scheduler();
          for (let i = 0; i < n; i++) sched.spawn(sleeper(ds[i]));
          const done = sched.run(); // its first pass runs every task into its sleep, synchronously
          const bytes = (heapAfterGc() - before) / n;
          await done;
          return bytes;
        },
      },
      {
        system: "bare setTimeout callbacks",
        run: async () => {
          const before = heapAfterGc();
          let left = n;
          let resolve!: () => void;
          const done = new Promise<void>((r) => (resolve = r));
          const cb = () => {
            if (--left === 0) resolve();
          };
          for (let i = 0; i < n; i++) setTimeout(cb, ds[i]);
          const bytes = (heapAfterGc() - before) / n;
          await done;
          return bytes;
        },
      },
    ],
  };
}
