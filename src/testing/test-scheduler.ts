import { VirtualClock } from "../time/clock.js";
import { Scheduler, type SchedulerOptions } from "../kernel/scheduler.js";
import { scriptedHandlers, type IoScript } from "./scripted-io.js";
import { seededPolicy } from "./seeded-policy.js";
import { recordTrace, type Trace } from "./trace.js";

/**
 * Options of {@link createTestScheduler}: the `Scheduler`'s own options (but the clock is always
 * virtual), plus `seed` and `io`.
 *
 * @example
 * ```ts
 * createTestScheduler({ seed: 7, io: { llm: { latency: 30_000, result: "ok" } }, ring: { entries: 8 } });
 * ```
 */
export interface TestSchedulerOptions extends Omit<SchedulerOptions, "clock"> {
  /** The virtual clock to run on. Default a new `VirtualClock()` starting at 0. */
  clock?: VirtualClock;
  /** Pick among ready tasks with `seededPolicy(seed)` instead of FIFO. Not together with `policy`. */
  seed?: number;
  /** Scripted I/O: fake handlers for these op types, see {@link scriptedHandlers}. */
  io?: IoScript;
}

/**
 * What {@link createTestScheduler} returns: the scheduler, its virtual clock, and the trace
 * recording it since creation.
 */
export interface TestScheduler {
  sched: Scheduler;
  clock: VirtualClock;
  trace: Trace;
}

/**
 * A `Scheduler` on a `VirtualClock`, with a trace recorder attached from the start. Other
 * options pass through to the `Scheduler`; `seed` installs a {@link seededPolicy}, `io` registers
 * {@link scriptedHandlers} on its ring.
 *
 * @example
 * ```ts
 * import { expect, it } from "vitest";
 * import { sleep } from "yieldos";
 * import { createTestScheduler } from "yieldos/testing";
 *
 * it("sleeps 5 ms of virtual time", async () => {
 *   const { sched, trace } = createTestScheduler();
 *   sched.spawn(function* () { yield* sleep(5); }, { name: "worker" });
 *   await sched.run();
 *   expect(trace.lines({ kind: ["syscall", "wake"] })).toEqual(["t=0 #1 worker sleep 5", "t=5 #1 worker wake sleeping"]);
 * });
 * ```
 */
export function createTestScheduler(options: TestSchedulerOptions = {}): TestScheduler {
  const { clock = new VirtualClock(), seed, io, ...rest } = options;
  if (!(clock instanceof VirtualClock)) {
    throw new TypeError("createTestScheduler: options.clock must be a VirtualClock; for a real clock use new Scheduler() and recordTrace()");
  }
  if (seed !== undefined && rest.policy !== undefined) {
    throw new TypeError("createTestScheduler: pass either options.seed or options.policy, not both");
  }
  const sched = new Scheduler({ ...rest, clock, policy: seed === undefined ? rest.policy : seededPolicy(seed) });
  if (io !== undefined) {
    for (const [type, handler] of Object.entries(scriptedHandlers(io))) sched.ring.register(type, handler);
  }
  return { sched, clock, trace: recordTrace(sched) };
}
