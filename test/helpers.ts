import { Scheduler, VirtualClock, type SchedulerOptions } from "../src/index.js";

/** A scheduler on a fresh virtual clock. */
export function virtualScheduler(options: Omit<SchedulerOptions, "clock"> = {}): { sched: Scheduler; clock: VirtualClock } {
  const clock = new VirtualClock();
  return { sched: new Scheduler({ ...options, clock }), clock };
}

/** Collects `[time, text]` lines in the order they happen. */
export function recorder(sched: Scheduler): { log: (text: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (text: string) => lines.push(`t=${sched.now()} ${text}`) };
}
