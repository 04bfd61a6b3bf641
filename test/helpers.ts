import { Scheduler, VirtualClock, type IoHandler, type IoRequest, type IoRingOptions, type SchedulerOptions } from "../src/index.js";
import { ringOver, type IoRing } from "../src/io/io-ring.js";
import { RingEngine } from "../src/io/ring-engine.js";
import { resolveRingOptions } from "../src/io/ring-options.js";
import type { TimerSource } from "../src/time/timers.js";

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

/** A fresh directory under the OS temp dir, and a function that deletes it with its contents. */
export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const { mkdtemp, rm } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const path = await mkdtemp(join(tmpdir(), "yieldos-"));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A handler that keeps its requests for the test to settle, and logs each batch's seqs. */
export function holding(): { handler: IoHandler; pending: IoRequest[]; batches: number[][] } {
  const pending: IoRequest[] = [];
  const batches: number[][] = [];
  const handler: IoHandler = (requests) => {
    batches.push(requests.map((r) => r.seq));
    pending.push(...requests);
  };
  return { handler, pending, batches };
}

/** Lets timers, I/O callbacks and the scheduler's run loop take a turn. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * A ring as a scheduler owns it (on given timers, a callback per completion), with its engine for
 * the internals a scheduler reads (`dispatchable`, `externalPending`, `sqSpace`).
 */
export function ownedRing(
  options: IoRingOptions,
  timers: TimerSource,
  onCompletion: () => void = () => {},
): { ring: IoRing; engine: RingEngine } {
  const { entries, cqEntries, handlers } = resolveRingOptions(options, true);
  const engine = new RingEngine(entries, cqEntries, handlers, timers, timers, { owns: () => false, onCompletion });
  return { ring: ringOver(engine), engine };
}
