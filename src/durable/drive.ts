import { Fork } from "../syscalls/fork.js";
import { Sleep } from "../syscalls/sleep.js";
import { SubmitIO, type IoItem } from "../syscalls/submit-io.js";
import { Receive, Send } from "../sync/channel.js";
import type { Syscall } from "../syscalls/syscall.js";
import { Join, Race } from "../syscalls/join.js";
import { Wait } from "../syscalls/wait.js";
import type { IoOp } from "../io/types.js";
import type { TaskOptions, TaskTarget } from "../kernel/types.js";
import { decode, decodeError } from "./codec.js";
import { NonDeterminismError } from "./errors.js";
import type { WorkflowRun } from "./run.js";
import { StepIo, StepReading, StepSignal, StepSleep } from "./steps.js";
import { Now, Patched, Random, Uuid, WaitSignal } from "./syscalls.js";

type Gen = Generator<unknown, unknown, unknown>;

/**
 * Drives one task of a workflow: runs the workflow's own generator, counts its steps, and
 * turns what it yields into journal-aware syscalls (ops, sleeps, readings, signals) or passes
 * it on (everything deterministic: forks, waits, kills, channels). Forked children are driven
 * the same way. A kill reaches the workflow's `finally` blocks as usual, unless the run is
 * halted (finished, closed, or failed its replay), when its code is left as a crash leaves it.
 */
export function* drive(run: WorkflowRun, gen: Gen, root: boolean): Gen {
  let ok = true;
  let input: unknown;
  let ended = false;
  run.tasks++;
  if (!root) run.unstarted--;
  try {
    for (;;) {
      if (run.replaying && run.deliverDue()) {
        yield; // a cancel was delivered: the kill lands here, before more of the code runs
        continue;
      }
      if (run.halted) {
        ended = true;
        return undefined;
      }
      let r: IteratorResult<unknown, unknown>;
      try {
        r = ok ? gen.next(input) : gen.throw(input);
      } catch (error) {
        ended = true;
        if (root) run.halted = true;
        throw error;
      }
      if (r.done) {
        ended = true;
        if (root) run.halted = true;
        return r.value;
      }
      const y: unknown = r.value;
      if (y instanceof SubmitIO && !run.replaying) {
        // The hot path (an op, live), inline: no helper generator and result tuple per step.
        const s = run.counter++;
        ok = true;
        try {
          if (!run.hasOutcome(s)) {
            let opOk = true;
            let value: unknown;
            try {
              const ops = keyed(run.id, s, y.ops);
              value = yield ops === y.ops ? y : new SubmitIO(ops, y.options);
            } catch (error) {
              opOk = false;
              value = error;
            }
            run.arriveValue(s, "io", opOk, value);
          }
          input = yield new StepIo(run, s);
        } catch (error) {
          ok = false;
          input = error;
        }
        continue;
      }
      if (run.replaying) {
        const kind = directKind(y);
        const e = kind === null ? null : run.takeDirect(kind);
        if (e !== null) {
          if (run.host.sched.listenerCount("replayed") > 0) replayed(run, y as Syscall<unknown>, e.step);
          ok = e.ok;
          input = ok ? decode(e.value) : decodeError(e.value);
          continue;
        }
      }
      [ok, input] = yield* step(run, y);
    }
  } finally {
    try {
      if (!ended && !run.halted) {
        // Killed at a yield: the workflow's finally blocks run, their yields journaled as any.
        let r = gen.return(undefined);
        while (!r.done) {
          const [ok2, v] = yield* step(run, r.value);
          r = ok2 ? gen.next(v) : gen.throw(v);
        }
      }
    } finally {
      run.taskEnded();
    }
  }
}

/**
 * Yields `y`, counting the task as blocked meanwhile: on a durable wait (a sleep, a waitSignal),
 * or on the workflow's own tasks. What the engine's `onIdle` hook is told rests on these counts.
 */
function* blockOn(run: WorkflowRun, durable: boolean, s: number, y: unknown): Generator<unknown, unknown, unknown> {
  run.block(durable);
  try {
    return yield y;
  } finally {
    run.unblock(durable, s);
  }
}

/** Syscalls that wait only on other tasks (of the workflow, as workflows share nothing else). */
function waitsOnTasks(y: unknown): boolean {
  return y instanceof Wait || y instanceof Join || y instanceof Race || y instanceof Receive || y instanceof Send;
}

/** What the journal calls the syscall `y`. */
function kindOf(y: unknown): string {
  if (y instanceof SubmitIO) return "io";
  if (y instanceof Sleep) return "sleep";
  if (y instanceof Now) return "now";
  if (y instanceof Random) return "random";
  if (y instanceof Uuid) return "uuid";
  if (y instanceof WaitSignal) return "waitSignal";
  if (y === undefined) return "yield";
  return (y as object)?.constructor?.name ?? typeof y;
}

/**
 * Tells the scheduler's `replayed` listeners (traces) about a step replayed directly. The run
 * has one task then, its root (children never outlive it), so the tid is the root's.
 */
function replayed(run: WorkflowRun, y: Syscall<unknown>, step: number): void {
  const d = y.describe();
  const sched = run.host.sched;
  try {
    sched.emit("replayed", run.rootTid, { step, call: d.name, args: d.detail, time: sched.now() });
  } catch (error) {
    run.host.report(error);
  }
}

/** The journal kind of `y` when its outcome can be replayed without the scheduler (see `takeDirect`), else `null`. */
function directKind(y: unknown): string | null {
  if (y instanceof SubmitIO) return "io";
  if (y instanceof Sleep) return typeof y.ms === "number" && y.ms >= 0 && Number.isFinite(y.ms) ? "sleep" : null;
  if (y instanceof Now) return "now";
  if (y instanceof Random) return "random";
  if (y instanceof Uuid) return "uuid";
  return null;
}

/** One step: returns `[ok, value]` to resume the workflow's code with. */
function* step(run: WorkflowRun, y: unknown): Generator<unknown, [boolean, unknown], unknown> {
  if (y instanceof Patched) return [true, run.patched(y.id)]; // no step: old journals stay valid
  const s = run.counter++;
  const kind = kindOf(y);
  if (run.replaying) {
    const journaled = run.journaledKind(s);
    if (journaled !== undefined && journaled !== kind) {
      run.fail(new NonDeterminismError(run.id, s, `a ${journaled} step`, `a ${kind} step`));
      yield; // halted: the kill lands here
    }
  }
  try {
    if (y instanceof SubmitIO) {
      // Live, the op's outcome goes to the journal when it completes, and reaches the workflow
      // only after its commit (StepIo). This task takes no step in between, so on replay it
      // waits in StepIo at once: the steps of the workflow come in the same order.
      if (!run.hasOutcome(s)) {
        let ok = true;
        let value: unknown;
        try {
          const ops = keyed(run.id, s, y.ops);
          value = yield ops === y.ops ? y : new SubmitIO(ops, y.options);
        } catch (error) {
          ok = false;
          value = error;
        }
        run.arriveValue(s, "io", ok, value);
      }
      return [true, yield new StepIo(run, s, run.replaying ? y : null)];
    }
    if (y instanceof Sleep) {
      if (!(typeof y.ms === "number" && y.ms >= 0 && Number.isFinite(y.ms))) return [true, yield y]; // the kernel's RangeError
      return [true, yield* blockOn(run, true, s, new StepSleep(run, s, y.ms))];
    }
    if (y instanceof Now || y instanceof Random || y instanceof Uuid) return [true, yield new StepReading(run, s, kind as "now")];
    if (y instanceof WaitSignal) return [true, yield* blockOn(run, true, s, new StepSignal(run, s, y.name, y.options.timeout))];
    if (y instanceof Fork) {
      const limit = y.options?.timeLimit;
      const timed = typeof limit === "number" && limit >= 0 && Number.isFinite(limit);
      const tid = (yield wrapFork(run, y, timed)) as number;
      run.tids.add(tid);
      if (timed) {
        // A durable time limit: its deadline is journaled, its firing too (as a kill at a step).
        run.limit(s, tid, limit);
        run.tids.add((yield new Fork(limitWatcher(run, s), { name: `durable-limit ${run.id}:${s}` })) as number);
      }
      return [true, tid];
    }
    if (y instanceof Receive && y.timeout !== undefined) {
      return [false, new TypeError(`workflow "${run.id}" step ${s}: a channel receive with a timeout is not journaled; race waitSignal/sleep or use receive() without one`)];
    }
    if (waitsOnTasks(y)) return [true, yield* blockOn(run, false, s, y)];
    return [true, yield y];
  } catch (error) {
    return [false, error];
  }
}

function isGenerator(g: unknown): g is Gen {
  return g !== null && typeof g === "object" && typeof (g as Gen).next === "function" && typeof (g as Gen).throw === "function";
}

function wrapFork(run: WorkflowRun, y: Fork, timed: boolean): Fork {
  const target = y.target as TaskTarget;
  const gen = typeof target === "function" ? (target as () => unknown)() : target;
  if (!isGenerator(gen)) return y; // the kernel reports the bad target
  const name = y.options?.name ?? ((typeof target === "function" && target.name) || "task");
  const options: TaskOptions = { ...y.options, name };
  if (timed) delete options.timeLimit; // the engine keeps it, durably
  run.unstarted++;
  return new Fork(drive(run, gen, false), options);
}

/** Sleeps until a child's journaled deadline, then reports it (unless the journal already has it). */
function* limitWatcher(run: WorkflowRun, s: number): Generator<unknown, void, unknown> {
  if (run.hasOutcome(s)) return;
  yield new Sleep(Math.max(0, run.deadlineOf(s) - run.host.wallNow()));
  run.arrive({ step: s, kind: "Fork", ok: true, value: "" });
}

/**
 * The ops of step `s` with their idempotency key `${id}:${s}`: `op.idempotencyKey` for ring
 * handlers, and the second argument of a `call` op's function. A batch's ops get `key.0`,
 * `key.1`, ... A lone `call` whose function takes no key is submitted as is (no key string).
 */
function keyed(id: string, s: number, ops: IoItem | readonly IoItem[]): IoItem | IoItem[] {
  if (Array.isArray(ops)) return ops.map((item, i) => keyItem(`${id}:${s}.${i}`, item as IoItem));
  if (isPlainCall(ops as IoItem)) return ops as IoItem;
  return keyItem(`${id}:${s}`, ops as IoItem);
}

function isPlainCall(item: IoItem): boolean {
  const op = item as { type?: unknown; fn?: unknown };
  return op !== null && typeof op === "object" && op.type === "call" && typeof op.fn === "function" && op.fn.length < 2;
}

function keyItem(key: string, item: IoItem): IoItem {
  if (item === null || typeof item !== "object") return item;
  if ("op" in item && !("type" in item)) return { ...item, op: keyOp(key, item.op) };
  return keyOp(key, item as IoOp);
}

function keyOp(key: string, op: IoOp): IoOp {
  if (op === null || typeof op !== "object") return op;
  const fn = (op as { fn?: unknown }).fn;
  if (op.type === "call" && typeof fn === "function") {
    // A call op's function gets the key as its second argument; one that does not take it is
    // submitted as is (no copy on the hot path).
    if (fn.length < 2) return op;
    return { ...op, idempotencyKey: key, fn: (signal: AbortSignal) => (fn as (s: AbortSignal, k: string) => unknown)(signal, key) } as IoOp;
  }
  return { ...op, idempotencyKey: key } as IoOp;
}
