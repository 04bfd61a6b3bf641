import { RunRecorder, type Decider } from "./choices.js";
import type { IoScript, OpScript } from "./scripted-io.js";
import { createTestScheduler, type TestScheduler, type TestSchedulerOptions } from "./test-scheduler.js";

/**
 * A program to explore: it gets a fresh test scheduler, spawns its tasks, and may return a
 * check to run after `sched.run()`. It fails by throwing (here, in a task, or in the check) or
 * by `run()` rejecting (an unobserved task failure, a deadlock).
 *
 * @example
 * ```ts
 * const program: Program = ({ sched }) => {
 *   let n = 0;
 *   sched.spawn(function* () { n++; });
 *   return () => expect(n).toBe(1);
 * };
 * ```
 */
export type Program = (t: TestScheduler) => void | (() => unknown) | Promise<void | (() => unknown)>;

/** How one run is set up, apart from its decider. */
export interface RunSetup {
  scheduler?: Omit<TestSchedulerOptions, "seed" | "policy">;
  /** Extra virtual ms in [0, jitter] added to each scripted op's latency, chosen by the strategy. */
  jitter?: number;
  maxSteps: number;
}

/** What one run did: its outcome and every decision it took. */
export interface RunRecord {
  ok: boolean;
  error: unknown;
  choices: number[];
  counts: number[];
  steps: number;
  /** The step during which a task first failed, or -1 (detail runs only). */
  failedAt: number;
  recorder: RunRecorder;
  t: TestScheduler;
}

/** Scripted I/O whose latencies get `draw(jitter + 1)` extra ms, so completion order varies. */
function jittered(script: IoScript, jitter: number, rec: RunRecorder): IoScript {
  const out: IoScript = {};
  for (const [type, s] of Object.entries(script)) {
    const base = s?.latency;
    const latency: OpScript["latency"] = (op, call) => {
      const ms = typeof base === "function" ? base(op, call) : (base ?? 0);
      return typeof ms === "number" ? ms + rec.draw(jitter + 1) : ms;
    };
    out[type] = s !== null && typeof s === "object" ? { ...s, latency } : s;
  }
  return out;
}

/**
 * Runs `program` once under `decider` on a fresh test scheduler, recording its decisions. The
 * trace recorder is attached (programs may read it) but never formatted here: formatting a full
 * trace on every passing run about doubles the time per run, and a failing run replays exactly.
 * `names` (if given) is filled with task names as they spawn, for a decider that ranks classes.
 */
export async function runOnce(
  program: Program,
  decider: Decider,
  setup: RunSetup,
  detail = false,
  names?: Map<number, string>,
): Promise<RunRecord> {
  const rec = new RunRecorder(decider, setup.maxSteps, detail);
  const options = { ...setup.scheduler, policy: rec };
  if (setup.jitter !== undefined && setup.jitter > 0 && options.io !== undefined) {
    options.io = jittered(options.io, setup.jitter, rec);
  }
  const t = createTestScheduler(options);
  if (names !== undefined) t.sched.on("spawn", (tid, e) => void names.set(tid, e.name));
  let failedAt = -1;
  if (detail) t.sched.on("exit", (_tid, e) => void (e.status === "failed" && failedAt < 0 && (failedAt = rec.steps)));
  let error: unknown;
  let ok = true;
  try {
    const check = await program(t);
    await t.sched.run();
    if (typeof check === "function") await check();
  } catch (e) {
    ok = false;
    error = e;
  } finally {
    t.trace.stop();
  }
  return { ok, error, choices: rec.choices, counts: rec.counts, steps: rec.steps, failedAt, recorder: rec, t };
}

/** The name a short trace shows for an error. */
export function errorKind(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
