/**
 * Soak test: `npm run soak` (node --expose-gc --import tsx soak/index.ts). Not part of `npm test`.
 *
 * 1. 1,000,000 fork-and-wait cycles (half collect an ended child, half wait on a live one).
 * 2. 1,000,000 ring ops through a scheduler (single ops with a timeout, sync `call`s, batches of 4).
 * 3. 200,000 kills of a task whose `call` op is in flight (cancellation, abort signals, ignored results).
 * 4. Real-clock sleepers: many tasks sleeping on a `RealClock`, counting the host timers armed at once.
 *
 * Heap is sampled after `global.gc()` at every 10% of phases 1 and 2 and must stay flat: it may
 * grow by less than HEAP_BOUND_MB from the 10% mark to the end (phase 3 too). Phase 4 must never have more than
 * one host timer armed. Prints the figures; exits 1 on any violation.
 */
import { Scheduler, TaskKilledError, call, fork, kill, sleep, submitIO, wait, type IoHandler } from "../src/index.js";
import { watchHostTimers } from "../bench/host-timers.js";

const HEAP_BOUND_MB = 2;
const CYCLES = 1_000_000;
const OPS = 1_000_000;
const KILLS = 200_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error("soak needs --expose-gc: run it with npm run soak");
  process.exit(2);
}

const violations: string[] = [];
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(2);
const count = (n: number) => n.toLocaleString("en-US");

/** Heap used after two full collections, in bytes. */
function heapAfterGc(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

/** Checks and prints heap samples taken at 0%, 10%, ..., 100% of a phase. */
function reportHeap(phase: string, samples: number[]): void {
  const growth = samples[samples.length - 1] - samples[1];
  const ok = growth < HEAP_BOUND_MB * 2 ** 20;
  console.log(`  heap after GC (MB) at 0%, 10%, ..., 100%: ${samples.map(mb).join(", ")}`);
  console.log(`  growth from the 10% mark to the end: ${growth >= 0 ? "+" : ""}${mb(growth)} MB (bound < ${HEAP_BOUND_MB} MB) ${ok ? "OK" : "FAIL"}`);
  if (!ok) violations.push(`${phase}: heap grew ${mb(growth)} MB from the 10% mark to the end`);
}

async function forkAndWait(): Promise<void> {
  const sched = new Scheduler();
  const samples: number[] = [];
  const tenth = CYCLES / 10;
  let wrong = 0;
  function* quick(i: number) {
    return i;
  }
  function* slow(i: number) {
    yield;
    return i;
  }
  const main = sched.spawn(function* parent() {
    samples.push(heapAfterGc());
    for (let i = 0; i < CYCLES; i++) {
      // Even: the child ends before the parent waits (its exit record is collected); odd: the
      // parent waits on a live child (the wait-queue path).
      const kid = yield* fork(i % 2 === 0 ? quick(i) : slow(i));
      if ((yield* wait(kid)) !== i) wrong++;
      if ((i + 1) % tenth === 0) samples.push(heapAfterGc());
    }
    return sched.ps().length;
  });
  const start = performance.now();
  await sched.run();
  const seconds = (performance.now() - start) / 1000;
  const liveAtEnd = await main.done;
  console.log(`fork-and-wait: ${count(CYCLES)} cycles in ${seconds.toFixed(2)} s (${count(Math.round(CYCLES / seconds))} cycles/s)`);
  if (wrong > 0) violations.push(`fork-and-wait: ${wrong} waits returned the wrong value`);
  if (liveAtEnd !== 1) violations.push(`fork-and-wait: ${liveAtEnd} tasks alive at the end, expected only the parent`);
  reportHeap("fork-and-wait", samples);
}

async function ringOps(): Promise<void> {
  const echo: IoHandler = (requests) => {
    for (const r of requests) r.complete(r.op.value);
  };
  const sched = new Scheduler({ ring: { handlers: { echo } } });
  const TASKS = 50;
  const PER_ITERATION = 5; // one single op + a batch of four
  const iterations = OPS / TASKS / PER_ITERATION;
  const samples: number[] = [heapAfterGc()];
  const tenth = OPS / 10;
  let done = 0;
  let wrong = 0;
  for (let t = 0; t < TASKS; t++) {
    sched.spawn(function* worker() {
      for (let i = 0; i < iterations; i++) {
        // A single op with a timeout arms (and on completion cancels) a deadline in the kernel's heap.
        const single = i % 2 === 0 ? yield* submitIO({ type: "nop" }, { timeout: 60_000 }) : yield* call(() => i);
        if (single !== (i % 2 === 0 ? undefined : i)) wrong++;
        const batch = yield* submitIO<number[]>([0, 1, 2, 3].map((j) => ({ type: "echo", value: i + j })));
        if (batch.length !== 4 || batch.some((v, j) => v !== i + j)) wrong++;
        const before = done;
        done += PER_ITERATION;
        if (Math.floor(done / tenth) > Math.floor(before / tenth)) samples.push(heapAfterGc());
      }
    });
  }
  const start = performance.now();
  await sched.run();
  const seconds = (performance.now() - start) / 1000;
  const c = sched.ring.counters;
  console.log(
    `ring ops: ${count(c.submitted)} ops (${TASKS} tasks; nop with timeout, call, batches of 4 echo) in ${seconds.toFixed(2)} s (${count(Math.round(c.submitted / seconds))} ops/s)`,
  );
  console.log(`  ring counters at the end: ${JSON.stringify(c)}`);
  if (c.submitted !== OPS || c.completed !== OPS) violations.push(`ring ops: ${c.submitted} submitted, ${c.completed} completed, expected ${OPS}`);
  if (c.queued + c.inFlight + c.unreaped !== 0) violations.push(`ring ops: ring not empty at the end`);
  if (wrong > 0) violations.push(`ring ops: ${wrong} results were wrong`);
  reportHeap("ring ops", samples);
}

async function killsInFlight(): Promise<void> {
  const sched = new Scheduler();
  const samples: number[] = [];
  const tenth = KILLS / 10;
  let wrong = 0;
  let aborted = 0;
  function* child() {
    // Settles only when its signal fires: the kill cancels the op, and the late result is ignored.
    yield* call((signal) => new Promise<void>((resolve) => signal.addEventListener("abort", () => ((aborted += 1), resolve()))));
  }
  sched.spawn(function* parent() {
    samples.push(heapAfterGc());
    for (let i = 0; i < KILLS; i++) {
      const kid = yield* fork(child());
      yield; // the child submits its op
      if (!(yield* kill(kid, "soak"))) wrong++;
      try {
        yield* wait(kid);
        wrong++;
      } catch (error) {
        if (!(error instanceof TaskKilledError)) wrong++;
      }
      if ((i + 1) % tenth === 0) samples.push(heapAfterGc());
    }
  });
  const start = performance.now();
  await sched.run();
  await new Promise((resolve) => setImmediate(resolve));
  const seconds = (performance.now() - start) / 1000;
  const c = sched.ring.counters;
  console.log(`kills with I/O in flight: ${count(KILLS)} cycles in ${seconds.toFixed(2)} s (${count(Math.round(KILLS / seconds))} cycles/s); signals aborted: ${count(aborted)}`);
  console.log(`  ring counters at the end: ${JSON.stringify(c)}`);
  if (wrong > 0) violations.push(`kills with I/O in flight: ${wrong} kills or waits went wrong`);
  if (c.cancelled !== KILLS || aborted !== KILLS) violations.push(`kills with I/O in flight: ${c.cancelled} ops cancelled, ${aborted} signals aborted, expected ${KILLS}`);
  reportHeap("kills with I/O in flight", samples);
}

async function realClockSleepers(): Promise<void> {
  const TASKS = 10_000;
  const SLEEPS = 3;
  const timers = watchHostTimers();
  let early = 0;
  const lateMs: number[] = [];
  try {
    const sched = new Scheduler();
    for (let t = 0; t < TASKS; t++) {
      sched.spawn(function* sleeper() {
        for (let s = 0; s < SLEEPS; s++) {
          const ms = 1 + ((t * 7 + s * 13) % 50);
          const from = sched.now();
          yield* sleep(ms);
          const slept = sched.now() - from;
          if (slept < ms) early++;
          lateMs.push(slept - ms);
        }
      });
    }
    // Ops waiting on the real clock share the same one timer: `timeout` ops and op timeouts.
    for (let t = 0; t < 100; t++) {
      sched.spawn(function* ticker() {
        for (let s = 0; s < 5; s++) yield* submitIO({ type: "timeout", ms: 3 + ((t + s) % 20) }, { timeout: 1_000 });
      });
    }
    const start = performance.now();
    await sched.run();
    const seconds = (performance.now() - start) / 1000;
    console.log(
      `real-clock sleepers: ${count(TASKS)} tasks x ${SLEEPS} sleeps of 1-50 ms, and 100 tasks x 5 timeout ops, in ${seconds.toFixed(2)} s`,
    );
    console.log(`  host timers armed at once: max ${timers.max} (bound 1) ${timers.max <= 1 ? "OK" : "FAIL"}; setTimeout calls: ${count(timers.created)}`);
    lateMs.sort((a, b) => a - b);
    const at = (q: number) => lateMs[Math.min(lateMs.length - 1, Math.floor(q * lateMs.length))].toFixed(1);
    console.log(`  sleeps that woke early: ${early}; wake-up after the deadline: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`);
    if (timers.max > 1) violations.push(`real-clock sleepers: ${timers.max} host timers armed at once`);
    if (early > 0) violations.push(`real-clock sleepers: ${early} sleeps woke before their time`);
    if (timers.armed !== 0) violations.push(`real-clock sleepers: ${timers.armed} host timers still armed after run()`);
  } finally {
    timers.restore();
  }
}

console.log(`yieldos soak: node ${process.version}, ${process.platform}/${process.arch}`);
await forkAndWait();
await ringOps();
await killsInFlight();
await realClockSleepers();
if (violations.length > 0) {
  console.error(`\nFAIL: ${violations.length} violation(s):\n${violations.map((v) => `  - ${v}`).join("\n")}`);
  process.exit(1);
}
console.log("\nsoak passed");
