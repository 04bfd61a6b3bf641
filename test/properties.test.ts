import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DeadlockError,
  NoSuchTaskError,
  Scheduler,
  Syscall,
  TaskKilledError,
  TimeoutError,
  VirtualClock,
  fork,
  getTid,
  kill,
  pause,
  resume,
  sleep,
  submitIO,
  wait,
  type IoHandler,
  type IoOp,
  type SyscallContext,
  type TaskHandle,
} from "../src/index.js";

// ---- programs as data ------------------------------------------------------------------------
//
// A program is a tree of task nodes; each node is a list of steps run by one task, an ending
// (return or throw) and cleanup steps run in a `finally`. `interpret` turns a node into a
// generator; `Program#toString` prints it, so a shrunk counterexample reads as a program.

/** Which tid a `wait` or `kill` names: one of this task's forked children, itself, its parent, or a raw tid. */
type Ref = { kind: "child"; i: number } | { kind: "self" } | { kind: "parent" } | { kind: "tid"; tid: number };

/** One op of the clock-driven `lat` type: completes (or fails) `lat` ms after dispatch. */
interface OpSpec {
  lat: number;
  fail: boolean;
  /** Submit option `timeout`: the op fails with `TimeoutError` if it has not settled by then. */
  timeout: number | undefined;
}

/** A call of a scheduler method (`pause`, `resume`, `kill`) made from a syscall's handle or a listener. */
interface Act {
  what: "pause" | "resume" | "kill";
  ref: Ref;
}

/** An act done by a `wake` listener on the `nth` wake event, on a raw tid. */
interface ListenerAct {
  nth: number;
  what: Act["what"];
  tid: number;
}

type Step =
  | { k: "yield" }
  | { k: "pause"; ref: Ref }
  | { k: "resume"; ref: Ref }
  | { k: "getTid" }
  | { k: "sleep"; ms: number }
  | { k: "fork"; child: TaskNode }
  | { k: "wait"; ref: Ref; caught: boolean }
  | { k: "kill"; ref: Ref }
  | { k: "io"; ops: OpSpec[]; batch: boolean; caught: boolean }
  | { k: "ask"; ms: number; fail: boolean; caught: boolean; act: Act | undefined };

interface TaskNode {
  /** "A", "A.1", "A.1.2": the task's name, and the id in its values and errors. */
  id: string;
  priority: number | undefined;
  timeLimit: number | undefined;
  steps: Step[];
  /** Ends by throwing its own error instead of returning `ret:<id>`. */
  fails: boolean;
  cleanup: Step[];
}

interface Root {
  node: TaskNode;
  /** Read the handle's `done` before running (which counts as observing a failure). */
  readDone: boolean;
}

class Program {
  constructor(
    readonly entries: number,
    readonly cqEntries: number,
    readonly roots: Root[],
    /** Tasks are native generators (the kernel's fast path), not {@link WatchedGenerator}s. */
    readonly native = false,
    /** Scheduler calls made by a `wake` listener. */
    readonly listeners: ListenerAct[] = [],
  ) {}

  /** Every task node, roots first, then depth first. */
  nodes(): TaskNode[] {
    const out: TaskNode[] = [];
    const visit = (n: TaskNode) => {
      out.push(n);
      for (const s of n.steps) if (s.k === "fork") visit(s.child);
    };
    for (const r of this.roots) visit(r.node);
    return out;
  }

  /** An upper bound on the virtual time a run can take: every duration, end to end. */
  timeBound(): number {
    let total = 0;
    const steps = (list: Step[]) => {
      for (const s of list) {
        if (s.k === "sleep" || s.k === "ask") total += s.ms;
        if (s.k === "io") for (const op of s.ops) total += op.lat + (op.timeout ?? 0);
      }
    };
    for (const n of this.nodes()) {
      total += n.timeLimit ?? 0;
      steps(n.steps);
      steps(n.cleanup);
    }
    return total;
  }

  [fc.toStringMethod](): string {
    return this.toString();
  }

  toString(): string {
    const lines = [`ring { entries: ${this.entries}, cqEntries: ${this.cqEntries} }${this.native ? ", native generators" : ""}`];
    for (const r of this.roots) printNode(r.node, r.readDone ? "spawn (done read)" : "spawn", 0, lines);
    for (const l of this.listeners) lines.push(`on wake #${l.nth}: sched.${l.what}(${l.tid})`);
    return lines.join("\n");
  }
}

function printNode(n: TaskNode, how: string, depth: number, lines: string[]): void {
  const pad = "  ".repeat(depth);
  const opts = [n.priority !== undefined && `priority ${n.priority}`, n.timeLimit !== undefined && `timeLimit ${n.timeLimit}`]
    .filter(Boolean)
    .join(", ");
  lines.push(`${pad}${how} ${n.id}${opts ? ` { ${opts} }` : ""}:`);
  let forks = 0;
  for (const s of n.steps) {
    if (s.k === "fork") printNode(s.child, `k${forks++} = fork`, depth + 1, lines);
    else lines.push(`${pad}  ${printStep(s)}`);
  }
  lines.push(`${pad}  ${n.fails ? `throw Error("fail:${n.id}")` : `return "ret:${n.id}"`}`);
  if (n.cleanup.length > 0) lines.push(`${pad}  finally: ${n.cleanup.map(printStep).join("; ")}`);
}

function printRef(r: Ref): string {
  return r.kind === "child" ? `k${r.i}` : r.kind === "tid" ? `#${r.tid}` : r.kind;
}

function printStep(s: Step): string {
  const caught = (c: boolean) => (c ? " (caught)" : "");
  switch (s.k) {
    case "yield":
    case "getTid":
      return s.k;
    case "sleep":
      return `sleep ${s.ms}`;
    case "fork":
      return `fork ${s.child.id}`;
    case "wait":
      return `wait ${printRef(s.ref)}${caught(s.caught)}`;
    case "kill":
    case "pause":
    case "resume":
      return `${s.k} ${printRef(s.ref)}`;
    case "ask":
      return `ask ${s.ms}${s.fail ? " fail" : ""}${s.act ? ` (its handle calls sched.${s.act.what}(${printRef(s.act.ref)}))` : ""}${caught(s.caught)}`;
    case "io": {
      const ops = s.ops.map((o) => `lat ${o.lat}${o.fail ? " fail" : ""}${o.timeout === undefined ? "" : ` timeout ${o.timeout}`}`);
      return `io ${s.batch ? `[${ops.join(", ")}]` : ops[0]}${caught(s.caught)}`;
    }
  }
}

// ---- generating programs ---------------------------------------------------------------------

/** `undefined` n - 1 times in n, else a value of `arb`; shrinks towards `undefined`. */
function sometimes<T>(arb: fc.Arbitrary<T>, n: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ withCrossShrink: true }, { weight: n - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

const ms = fc.integer({ min: 0, max: 8 });
const caught = fc.constantFrom(true, true, false);
const ref: fc.Arbitrary<Ref> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("child" as const), i: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "self" as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: "parent" as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("tid" as const), tid: fc.integer({ min: 1, max: 6 }) }) },
);
const opSpec: fc.Arbitrary<OpSpec> = fc.record({
  lat: ms,
  fail: fc.constantFrom(false, false, true),
  timeout: sometimes(ms, 3),
});
const ioStep = fc.record({
  k: fc.constant("io" as const),
  ops: fc.array(opSpec, { minLength: 1, maxLength: 3 }),
  batch: fc.boolean(),
  caught,
});
const what = fc.constantFrom("pause" as const, "resume" as const, "kill" as const);
const act: fc.Arbitrary<Act> = fc.record({ what, ref });
const askStep = fc.record({ k: fc.constant("ask" as const), ms, fail: fc.constantFrom(false, true), caught, act: sometimes(act, 3) });
const cleanupStep: fc.Arbitrary<Step> = fc.oneof(
  fc.constant({ k: "yield" as const }),
  fc.record({ k: fc.constant("sleep" as const), ms }),
  ioStep,
  askStep,
);
const leafStep: fc.Arbitrary<Step> = fc.oneof(
  fc.constant({ k: "yield" as const }),
  fc.constant({ k: "getTid" as const }),
  fc.record({ k: fc.constant("sleep" as const), ms }),
  { weight: 3, arbitrary: fc.record({ k: fc.constant("wait" as const), ref, caught }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("kill" as const), ref }) },
  fc.record({ k: fc.constant("pause" as const), ref }),
  fc.record({ k: fc.constant("resume" as const), ref }),
  { weight: 2, arbitrary: ioStep },
  askStep,
);

type RawNode = Omit<TaskNode, "id">;

const tree = fc.letrec<{ node: RawNode; step: Step }>((tie) => ({
  node: fc.record({
    priority: sometimes(fc.integer({ min: -1, max: 1 }), 3),
    timeLimit: sometimes(fc.integer({ min: 0, max: 30 }), 5),
    steps: fc.array(tie("step"), { maxLength: 5 }),
    fails: fc.constantFrom(false, false, false, false, true),
    cleanup: fc.array(cleanupStep, { maxLength: 2 }),
  }),
  step: fc.oneof(
    { maxDepth: 2, depthIdentifier: "task-tree" },
    { weight: 4, arbitrary: leafStep },
    { weight: 2, arbitrary: fc.record({ k: fc.constant("fork" as const), child: tie("node") as fc.Arbitrary<TaskNode> }) },
  ),
}));

/** Copies `raw` with ids: "A" for a root, "A.1" for its first fork, and so on. */
function withIds(raw: RawNode, id: string): TaskNode {
  let forks = 0;
  const steps = raw.steps.map((s): Step => (s.k === "fork" ? { k: "fork", child: withIds(s.child, `${id}.${++forks}`) } : s));
  return { ...raw, id, steps };
}

const programs: fc.Arbitrary<Program> = fc
  .record({
    entries: fc.constantFrom(1, 2, 4),
    cqEntries: fc.integer({ min: 1, max: 4 }),
    roots: fc.array(fc.record({ node: tree.node, readDone: fc.constantFrom(false, true) }), { minLength: 1, maxLength: 3 }),
    native: fc.boolean(),
    listeners: fc.array(fc.record({ nth: fc.integer({ min: 1, max: 12 }), what, tid: fc.integer({ min: 1, max: 6 }) }), { maxLength: 2 }),
  })
  .map(
    ({ entries, cqEntries, roots, native, listeners }) =>
      new Program(
        entries,
        cqEntries,
        roots.map((r, i) => ({ node: withIds(r.node, String.fromCharCode(65 + i)), readDone: r.readDone })),
        native,
        listeners,
      ),
  );

// ---- running a program under observation -----------------------------------------------------

type Terminal = "exited" | "failed" | "killed";

/** What the test knows of one task, kept from events and from its wrapped generator. */
interface TaskModel {
  node: TaskNode;
  tid: number;
  parent: number | null;
  created: number;
  spawns: number;
  exits: number;
  kills: number;
  status: "alive" | "dying" | Terminal;
  result: unknown;
  killReason: unknown;
  /** How the generator itself ended, seen by its wrapper. */
  genEnd: { threw: boolean; value: unknown } | null;
  returnCalled: boolean;
  /** Its generator has begun running. */
  started: boolean;
  /** Its parent has collected its exit record (waited on it). */
  collected: boolean;
  /** A failure someone saw: through `wait`, or by reading `done`. */
  observed: boolean;
  waiters: Set<TaskModel>;
  waitingOn: TaskModel | null;
  /** A `kill` returned true for it or an ancestor while it was alive: it must end killed. */
  mustBeKilled: boolean;
  handle: TaskHandle<unknown> | null;
  done: { ok: boolean; value: unknown } | null;
  /** Paused now (by a `pause` that returned true, not yet resumed or killed). */
  paused: boolean;
  /** Times it was paused: a step during which this changed may end later than its durations say. */
  pauses: number;
}

interface LatOp extends IoOp {
  type: "lat";
  lat: number;
  fail: boolean;
  value: string;
  error: Error;
  /** Set by the handler at dispatch. */
  seq?: number;
  startedAt?: number;
}

/** A custom syscall answered on the clock through `ctx.after`, or at once for 0 ms; its handle may first call the scheduler. */
class Ask extends Syscall<string> {
  constructor(
    readonly ms: number,
    readonly value: string,
    readonly error: Error | null,
    readonly act: (() => void) | null = null,
  ) {
    super();
  }

  override handle(ctx: SyscallContext<string>): void {
    this.act?.();
    const answer = () => (this.error === null ? ctx.resume(this.value) : ctx.fail(this.error));
    if (this.ms === 0) answer();
    else ctx.after(this.ms, answer);
  }
}

/** Wraps a generator to see how it ends, and to catch any resume after it ended. */
class WatchedGenerator {
  constructor(
    readonly inner: Generator<unknown, unknown, unknown>,
    readonly m: TaskModel,
    readonly violation: (text: string) => void,
  ) {}

  next(value?: unknown): IteratorResult<unknown, unknown> {
    return this.#resume("next", value);
  }

  throw(error?: unknown): IteratorResult<unknown, unknown> {
    return this.#resume("throw", error);
  }

  return(value?: unknown): IteratorResult<unknown, unknown> {
    this.m.returnCalled = true;
    return this.#resume("return", value);
  }

  #resume(how: "next" | "throw" | "return", arg: unknown): IteratorResult<unknown, unknown> {
    if (this.m.genEnd !== null) this.violation(`task #${this.m.tid} ${this.m.node.id} resumed with ${how}() after its generator ended`);
    let r: IteratorResult<unknown, unknown>;
    try {
      r = this.inner[how](arg);
    } catch (error) {
      this.m.genEnd = { threw: true, value: error };
      throw error;
    }
    if (r.done === true) this.m.genEnd = { threw: false, value: r.value };
    return r;
  }
}

/**
 * The same watch as a native generator, so the kernel takes its fast path for native generators.
 * It sees how the task's generator ends, but cannot see a resume after the end.
 */
function* watchNative(inner: Generator<unknown, unknown, unknown>, m: TaskModel): Generator<unknown, unknown, unknown> {
  let ended = false;
  try {
    const value = yield* inner;
    ended = true;
    m.genEnd = { threw: false, value };
    return value;
  } catch (error) {
    ended = true;
    m.genEnd = { threw: true, value: error };
    throw error;
  } finally {
    if (!ended) {
      m.returnCalled = true;
      m.genEnd = { threw: false, value: undefined };
    }
  }
}

type Outcome = { ok: boolean; value: unknown };

interface RunResult {
  trace: string[];
  violations: string[];
  outcome: string;
}

class Observation {
  readonly sched: Scheduler;
  readonly clock = new VirtualClock();
  readonly tasks = new Map<number, TaskModel>();
  readonly trace: string[] = [];
  readonly violations: string[] = [];
  /** Failed tasks in the order they ended. */
  readonly failed: TaskModel[] = [];
  readonly dispatched = new Set<number>();
  readonly submitted = new Map<number, number>();
  readonly completed = new Map<number, number>();
  #pending: TaskModel | null = null;
  maxInFlight = 0;
  maxArmed = 0;

  constructor(readonly program: Program) {
    const clock = this.clock;
    const setTimer = clock.setTimer.bind(clock);
    const clearTimer = clock.clearTimer.bind(clock);
    const live = new Set<unknown>();
    clock.setTimer = (at, callback) => {
      const handle: unknown = setTimer(at, () => {
        live.delete(handle);
        callback();
      });
      live.add(handle);
      this.maxArmed = Math.max(this.maxArmed, live.size);
      return handle;
    };
    clock.clearTimer = (handle) => {
      live.delete(handle);
      clearTimer(handle);
    };
    this.sched = new Scheduler({
      clock,
      ring: { entries: program.entries, cqEntries: program.cqEntries, handlers: { lat: this.#lat } },
    });
    this.#listen();
  }

  violation(text: string): void {
    this.violations.push(`t=${this.clock.now()} ${text}`);
  }

  #inFlight(): void {
    const n = this.sched.ring.counters.inFlight;
    this.maxInFlight = Math.max(this.maxInFlight, n);
    if (n > this.program.cqEntries) this.violation(`${n} ops in flight, more than cqEntries ${this.program.cqEntries}`);
  }

  #lat: IoHandler<LatOp> = (requests) => {
    this.#inFlight();
    for (const r of requests) {
      if (this.dispatched.has(r.seq)) this.violation(`op #${r.seq} dispatched twice`);
      this.dispatched.add(r.seq);
      const start = this.clock.now();
      r.op.seq = r.seq;
      r.op.startedAt = start;
      r.after(r.op.lat, (late) => {
        if (this.clock.now() !== start + late.op.lat) this.violation(`op #${late.seq} woke at the wrong time`);
        const settled = late.op.fail ? late.fail(late.op.error) : late.complete(late.op.value);
        if (!settled) this.violation(`op #${late.seq}'s after() fired after it settled`);
        this.#inFlight();
      });
    }
  };

  #listen(): void {
    const s = this.sched;
    const now = () => this.clock.now();
    s.on("spawn", (tid, e) => {
      this.trace.push(`${now()} spawn #${tid} ${e.name} parent=${e.parent} prio=${e.priority}`);
      const m = this.#pending;
      this.#pending = null;
      if (m === null || m.node.id !== e.name) return this.violation(`spawn #${tid} ${e.name} without a generator made for it`);
      if (this.tasks.has(tid)) return this.violation(`spawn #${tid} twice`);
      m.tid = tid;
      m.parent = e.parent;
      m.created = e.time;
      m.spawns++;
      this.tasks.set(tid, m);
    });
    s.on("exit", (tid, e) => {
      this.trace.push(`${now()} exit #${tid} ${e.status} ${show(e.result)}`);
      const m = this.tasks.get(tid);
      if (m === undefined) return this.violation(`exit of #${tid}, never spawned`);
      this.#exited(m, e.status, e.result);
    });
    s.on("kill", (tid, reason) => {
      this.trace.push(`${now()} kill #${tid} ${show(reason)}`);
      const m = this.tasks.get(tid);
      if (m === undefined) return this.violation(`kill of #${tid}, never spawned`);
      if (m.status !== "alive") this.violation(`kill event for #${tid}, which is ${m.status}`);
      m.kills++;
      m.status = "dying";
      m.paused = false;
      m.killReason = reason;
      m.waitingOn?.waiters.delete(m);
      m.waitingOn = null;
      if (reason instanceof TimeoutError) {
        const limit = m.node.timeLimit;
        if (limit === undefined || now() !== m.created + limit) this.violation(`#${tid} timed out at ${now()}, its limit is ${limit}`);
      } else if (!(reason instanceof TaskKilledError) || reason.tid !== tid) {
        this.violation(`#${tid} killed with ${show(reason)}`);
      }
    });
    s.on("run", (tid, time) => this.trace.push(`${time} run #${tid}`));
    s.on("syscall", (tid, syscall, time) => this.trace.push(`${time} syscall #${tid} ${syscall.constructor.name}`));
    s.on("io:submit", (tid, e) => {
      this.trace.push(`${now()} io:submit #${tid} op ${e.seq}`);
      this.submitted.set(e.seq, (this.submitted.get(e.seq) ?? 0) + 1);
    });
    s.on("io:complete", (tid, c) => {
      this.trace.push(`${now()} io:complete #${tid} op ${c.seq} ${c.ok ? "ok" : show(c.error)}`);
      this.completed.set(c.seq, (this.completed.get(c.seq) ?? 0) + 1);
      this.#inFlight();
    });
    // Scheduler calls from a listener, in the middle of the kernel's own wake-ups.
    if (this.program.listeners.length > 0) {
      let wakes = 0;
      s.on("wake", () => {
        wakes++;
        for (const l of this.program.listeners) if (l.nth === wakes) this.act(l.what, l.tid, `a wake listener (wake #${wakes})`);
      });
    }
    // Failures go to run(), never to the `error` event: these programs' callbacks never throw.
    s.on("error", (error, source) => this.violation(`error event: ${source}: ${show(error)}`));
  }

  #exited(m: TaskModel, status: Terminal, result: unknown): void {
    m.exits++;
    if (m.status !== "alive" && m.status !== "dying") return this.violation(`#${m.tid} exited twice`);
    // return() on a native generator that never started ends it without running any of its code.
    const end = m.genEnd ?? (this.program.native && !m.started ? { threw: false, value: undefined } : null);
    if (end === null) this.violation(`#${m.tid} exited but its generator has not ended`);
    else if (m.returnCalled || m.status === "dying") {
      // A `finally` that throws during a kill replaces the kill: the task ends failed with that error.
      const want = end.threw ? { status: "failed", result: end.value } : { status: "killed", result: m.killReason };
      if (status !== want.status || result !== want.result) this.violation(`#${m.tid} was killed but ended ${status} with ${show(result)}`);
    } else if (end.threw ? status !== "failed" : status !== "exited") {
      this.violation(`#${m.tid}'s generator ${end.threw ? "threw" : "returned"} but it ended ${status}`);
    } else if (result !== end.value) {
      this.violation(`#${m.tid} ended with ${show(result)}, its generator gave ${show(end.value)}`);
    }
    m.status = status;
    m.result = result;
    if (m.waiters.size > 0) {
      m.observed = true;
      for (const w of m.waiters) if (w.tid === m.parent) m.collected = true;
      m.waiters.clear();
    }
    if (status === "failed") this.failed.push(m);
  }

  /** A record for `node`; its tid comes with the spawn event that follows. */
  make(node: TaskNode): () => Generator<unknown, unknown, unknown> {
    return () => {
      const m: TaskModel = {
        node, tid: -1, parent: null, created: 0, spawns: 0, exits: 0, kills: 0, status: "alive", result: undefined,
        killReason: undefined, genEnd: null, returnCalled: false, started: false, collected: false, observed: false,
        waiters: new Set(), waitingOn: null, mustBeKilled: false, handle: null, done: null, paused: false, pauses: 0,
      };
      if (this.#pending !== null) this.violation(`generator for ${this.#pending.node.id} made but never spawned`);
      this.#pending = m;
      const inner = interpret(node, m, this);
      if (this.program.native) return watchNative(inner, m);
      return new WatchedGenerator(inner, m, (t) => this.violation(t)) as unknown as Generator<unknown, unknown, unknown>;
    };
  }

  // ---- expectations, computed when a task yields and checked when it resumes ----

  /** What `wait(tid)` by `m` must do, per API.md "Exit records". */
  expectWait(m: TaskModel, tid: number): "no-such-task" | "outcome" {
    if (tid === m.tid) return "no-such-task";
    const t = this.tasks.get(tid);
    if (t === undefined) return "no-such-task";
    if (t.status === "alive" || t.status === "dying") {
      t.waiters.add(m);
      m.waitingOn = t;
      return "outcome";
    }
    if (t.parent !== m.tid || t.collected) return "no-such-task";
    t.collected = true;
    t.observed = true;
    m.waitingOn = t;
    return "outcome";
  }

  checkWait(m: TaskModel, tid: number, expected: "no-such-task" | "outcome", got: Outcome): void {
    const t = m.waitingOn;
    m.waitingOn = null;
    const what = `#${m.tid} wait(${tid})`;
    if (expected === "no-such-task") {
      if (got.ok || !(got.value instanceof NoSuchTaskError) || !(got.value as Error).message.includes(`#${tid}`)) {
        this.violation(`${what} should throw NoSuchTaskError, got ${got.ok ? "value" : ""} ${show(got.value)}`);
      }
      return;
    }
    if (t === null || t.status === "alive" || t.status === "dying") return this.violation(`${what} returned before #${tid} ended`);
    if (t.parent === m.tid) t.collected = true;
    if (got.ok !== (t.status === "exited") || got.value !== t.result) {
      this.violation(`${what} got ${got.ok ? "value" : "error"} ${show(got.value)}, but #${tid} ended ${t.status} with ${show(t.result)}`);
    }
    if (t.status === "killed" && !(t.result instanceof TaskKilledError)) this.violation(`${what}: killed task's error is ${show(t.result)}`);
  }

  /** What `pause(tid)` / `resume(tid)` must return; updates the model as the kernel will. */
  expectSignal(what: "pause" | "resume", tid: number): boolean {
    const t = this.tasks.get(tid);
    if (t === undefined || t.status !== "alive") return false;
    if (what === "pause") {
      if (t.paused) return false;
      t.paused = true;
      t.pauses++;
      return true;
    }
    if (!t.paused) return false;
    t.paused = false;
    return true;
  }

  /** A scheduler call from a callback (a handle, a listener), checked against the model. */
  act(what: Act["what"], tid: number, from: string): void {
    const expected = what === "kill" ? this.expectKill(null, tid) : this.expectSignal(what, tid);
    const got = this.sched[what](tid);
    if (got !== expected) this.violation(`sched.${what}(${tid}) from ${from} gave ${got}, expected ${expected}`);
  }

  /** What `kill(tid)` must return; marks who must end killed. */
  expectKill(_m: TaskModel | null, tid: number): boolean {
    const t = this.tasks.get(tid);
    if (t === undefined || t.status !== "alive") return false;
    const mark = (x: TaskModel) => {
      x.mustBeKilled = true;
      for (const c of this.tasks.values()) if (c.parent === x.tid && c.status === "alive") mark(c);
    };
    mark(t);
    return true;
  }

  // ---- after the run ----

  async run(mode: "run" | "runSync"): Promise<RunResult> {
    const bound = this.program.timeBound();
    for (const r of this.program.roots) {
      const h = this.sched.spawn(this.make(r.node), {
        name: r.node.id,
        priority: r.node.priority,
        timeLimit: r.node.timeLimit,
      });
      const m = this.tasks.get(h.tid)!;
      m.handle = h;
      if (r.readDone) {
        m.observed = true;
        h.done.then(
          (value) => (m.done = { ok: true, value }),
          (value) => (m.done = { ok: false, value }),
        );
      }
    }
    let outcome: Outcome;
    if (mode === "runSync") {
      try {
        this.sched.runSync();
        outcome = { ok: true, value: undefined };
      } catch (error) {
        outcome = { ok: false, value: error };
      }
    } else {
      let guard: ReturnType<typeof setTimeout> | undefined;
      const hung = new Promise<Outcome>((resolve) => {
        guard = setTimeout(() => resolve({ ok: false, value: "hung" }), 5_000);
      });
      outcome = await Promise.race([
        this.sched.run().then(
          () => ({ ok: true, value: undefined }),
          (error: unknown) => ({ ok: false, value: error }),
        ),
        hung,
      ]);
      clearTimeout(guard);
    }
    await new Promise((resolve) => setImmediate(resolve)); // lets `done` handlers run
    this.#checkEnd(outcome, bound);
    return { trace: this.trace, violations: this.violations, outcome: outcome.ok ? "resolved" : `rejected: ${show(outcome.value)}` };
  }

  #checkEnd(outcome: Outcome, bound: number): void {
    if (outcome.value === "hung") return this.violation("run() did not settle within 5 s of real time");
    const alive = [...this.tasks.values()].filter((m) => m.status === "alive" || m.status === "dying");
    if (this.clock.now() > bound) this.violation(`virtual time ${this.clock.now()} passed the program's bound ${bound}`);
    if (this.maxArmed > 1) this.violation(`${this.maxArmed} clock timers armed at once`);
    if (this.clock.nextTimer() !== undefined) this.violation(`a clock timer is still armed after run()`);
    // run() rejects with every unobserved failure, in order (several as an AggregateError), a deadlock last.
    const errors: unknown[] = outcome.ok ? [] : outcome.value instanceof AggregateError ? [...outcome.value.errors] : [outcome.value];
    if (!outcome.ok && outcome.value instanceof AggregateError && errors.length < 2) this.violation(`run() rejected with an AggregateError of ${errors.length}`);
    const deadlock = errors.length > 0 && errors[errors.length - 1] instanceof DeadlockError ? (errors.pop() as DeadlockError) : null;
    const unobserved = this.failed.filter((m) => !m.observed);
    if (errors.length !== unobserved.length || errors.some((e, i) => e !== unobserved[i].result)) {
      this.violation(`run() reported ${errors.length} failure(s) (${errors.map(show).join(", ")}), expected those of ${unobserved.map((m) => `#${m.tid}`).join(", ") || "nobody"}`);
    }
    if (deadlock === null) {
      if (alive.length > 0) this.violation(`run() ended with tasks alive: ${alive.map((m) => `#${m.tid}`).join(", ")}`);
    } else {
      const stuck = new Set(deadlock.tasks.map((t) => t.tid));
      const expected = new Set(alive.map((m) => m.tid));
      if ([...stuck].sort().join() !== [...expected].sort().join()) {
        this.violation(`DeadlockError names ${[...stuck].join(", ")}, but alive are ${[...expected].join(", ")}`);
      }
      for (const m of alive) {
        if (!m.paused && (m.waitingOn === null || !stuck.has(m.waitingOn.tid))) {
          this.violation(`#${m.tid} is in a DeadlockError but is not paused and waits on no stuck task`);
        }
      }
    }
    for (const m of this.tasks.values()) {
      if (m.spawns !== 1) this.violation(`#${m.tid} had ${m.spawns} spawn events`);
      const ended = m.status !== "alive" && m.status !== "dying";
      if (m.exits !== (ended ? 1 : 0)) this.violation(`#${m.tid} had ${m.exits} exit events`);
      const killed = m.status === "killed" || m.status === "dying" || (m.status === "failed" && m.killReason !== undefined);
      if (m.kills !== (killed ? 1 : 0)) this.violation(`#${m.tid} is ${m.status} after ${m.kills} kill events`);
      const cleanupThrew = m.status === "failed" && m.genEnd?.threw === true;
      if (m.mustBeKilled && ended && m.status !== "killed" && !cleanupThrew) this.violation(`#${m.tid} was killed but ended ${m.status}`);
      if (m.done !== null && (m.done.ok !== (m.status === "exited") || m.done.value !== m.result)) {
        this.violation(`#${m.tid}'s done settled with ${show(m.done.value)}, but it ended ${m.status}`);
      }
      if (m.handle !== null && m.handle.status !== m.status && ended) this.violation(`#${m.tid}'s handle says ${m.handle.status}`);
    }
    for (const [seq, n] of this.submitted) {
      if (n !== 1 || this.completed.get(seq) !== 1) this.violation(`op #${seq} submitted ${n}, completed ${this.completed.get(seq) ?? 0} times`);
    }
    if (this.completed.size !== this.submitted.size) this.violation(`${this.completed.size} ops completed, ${this.submitted.size} submitted`);
    const c = this.sched.ring.counters;
    if (c.queued + c.inFlight + c.unreaped !== 0) this.violation(`ring not empty after run(): ${JSON.stringify(c)}`);
  }
}

function show(value: unknown): string {
  if (value instanceof Error) return `${value.name}(${value.message})`;
  return JSON.stringify(value) ?? String(value);
}

/** The generator a task node runs. */
function* interpret(node: TaskNode, m: TaskModel, obs: Observation): Generator<unknown, unknown, unknown> {
  const kids: number[] = [];
  const resolve = (r: Ref): number => {
    if (r.kind === "child") return kids[r.i % Math.max(kids.length, 1)] ?? 999;
    return r.kind === "self" ? m.tid : r.kind === "parent" ? (m.parent ?? 999) : r.tid;
  };
  let stepNo = 0;
  m.started = true;
  /** Whether the step's times are exact: not if the task was paused during it. */
  let pausesAtStart = 0;
  const exactly = (now: number, expected: number) => (m.pauses === pausesAtStart ? now === expected : now >= expected);

  function* run(step: Step): Generator<unknown, void, unknown> {
    const label = `${node.id}:${stepNo++}`;
    pausesAtStart = m.pauses;
    switch (step.k) {
      case "yield":
        yield;
        return;
      case "pause":
      case "resume": {
        const tid = resolve(step.ref);
        const expected = obs.expectSignal(step.k, tid);
        const got = yield* (step.k === "pause" ? pause(tid) : resume(tid));
        if (got !== expected) obs.violation(`#${m.tid} ${step.k}(${tid}) gave ${got}, expected ${expected}`);
        return;
      }
      case "getTid": {
        const tid = yield* getTid();
        if (tid !== m.tid) obs.violation(`getTid() gave ${tid} to #${m.tid}`);
        return;
      }
      case "sleep": {
        const start = obs.clock.now();
        yield* sleep(step.ms);
        if (!exactly(obs.clock.now(), start + step.ms)) obs.violation(`#${m.tid} slept ${step.ms} from ${start}, woke at ${obs.clock.now()}`);
        return;
      }
      case "fork": {
        const child = step.child;
        const tid = yield* fork(obs.make(child), { name: child.id, priority: child.priority, timeLimit: child.timeLimit });
        kids.push(tid);
        const c = obs.tasks.get(tid);
        if (c === undefined || c.parent !== m.tid) obs.violation(`fork gave #${m.tid} the tid ${tid}, not its child's`);
        return;
      }
      case "wait": {
        const tid = resolve(step.ref);
        const expected = obs.expectWait(m, tid);
        let got: Outcome;
        try {
          got = { ok: true, value: yield* wait(tid) };
        } catch (error) {
          got = { ok: false, value: error };
        }
        obs.checkWait(m, tid, expected, got);
        if (!got.ok && !step.caught) throw got.value;
        return;
      }
      case "kill": {
        const tid = resolve(step.ref);
        const expected = obs.expectKill(m, tid);
        const got = yield* kill(tid);
        if (got !== expected) obs.violation(`#${m.tid} kill(${tid}) gave ${got}, expected ${expected}`);
        return;
      }
      case "ask": {
        const start = obs.clock.now();
        const error = step.fail ? new Error(`ask failed at ${label}`) : null;
        let got: Outcome;
        try {
          const a = step.act;
          const act = a === undefined ? null : () => obs.act(a.what, resolve(a.ref), `the handle of ask at ${label}`);
          got = { ok: true, value: yield* new Ask(step.ms, `ask:${label}`, error, act) };
        } catch (e) {
          got = { ok: false, value: e };
        }
        if (got.ok ? got.value !== `ask:${label}` || error !== null : got.value !== error) {
          obs.violation(`#${m.tid} ask at ${label} gave ${show(got.value)}`);
        }
        if (!exactly(obs.clock.now(), start + step.ms)) obs.violation(`#${m.tid} ask of ${step.ms} ms from ${start} answered at ${obs.clock.now()}`);
        if (!got.ok && !step.caught) throw got.value;
        return;
      }
      case "io": {
        const ops: LatOp[] = step.ops.map((o, j) => ({
          type: "lat",
          lat: o.lat,
          fail: o.fail,
          value: `io:${label}.${j}`,
          error: new Error(`io failed at ${label}.${j}`),
        }));
        const items = step.ops.map((o, j) => (o.timeout === undefined ? ops[j] : { op: ops[j], timeout: o.timeout }));
        const start = obs.clock.now();
        let got: Outcome;
        try {
          got = { ok: true, value: yield* submitIO(step.batch ? items : items[0]) };
        } catch (e) {
          got = { ok: false, value: e };
        }
        checkIo(obs, m, label, step, ops, got, start, m.pauses === pausesAtStart);
        if (!got.ok && !step.caught) throw got.value;
        return;
      }
    }
  }

  try {
    for (const step of node.steps) yield* run(step);
    if (node.fails) throw new Error(`fail:${node.id}`);
    return `ret:${node.id}`;
  } finally {
    for (const step of node.cleanup) yield* run(step);
  }
}

/** An io step's result: each op's value, or the error of an op that can fail (API.md, SubmitIO). */
function checkIo(obs: Observation, m: TaskModel, label: string, step: Step & { k: "io" }, ops: LatOp[], got: Outcome, start: number, exact: boolean): void {
  const at = (now: number, expected: number) => (exact ? now === expected : now >= expected);
  const specs = step.batch ? step.ops : step.ops.slice(0, 1);
  const what = `#${m.tid} io at ${label}`;
  if (step.batch && specs.length > obs.program.entries) {
    if (got.ok || !(got.value instanceof RangeError) || !(got.value as Error).message.includes(String(specs.length))) {
      obs.violation(`${what}: a batch of ${specs.length} > entries should throw RangeError, got ${show(got.value)}`);
    }
    return;
  }
  // An op whose timeout is below its latency must time out; at equal times either may win.
  const mayTimeOut = (o: OpSpec) => o.timeout !== undefined && o.timeout <= o.lat;
  const mustFail = (o: OpSpec) => (o.timeout !== undefined && o.timeout < o.lat) || (o.fail && !mayTimeOut(o));
  const mayFail = (o: OpSpec) => o.fail || mayTimeOut(o);
  if (got.ok) {
    const values = ops.slice(0, specs.length).map((o) => o.value);
    const expected = step.batch ? values : values[0];
    if (JSON.stringify(got.value) !== JSON.stringify(expected) || specs.some(mustFail)) {
      obs.violation(`${what} gave ${show(got.value)}, expected ${specs.some(mustFail) ? "a failure" : show(expected)}`);
    }
    // The task wakes when its last op completes, at that op's dispatch time plus its latency.
    const last = Math.max(...specs.map((o, j) => (ops[j].startedAt ?? NaN) + o.lat));
    if (!at(obs.clock.now(), last) || last < start) obs.violation(`${what} resumed at ${obs.clock.now()}, its ops completed at ${last}`);
    return;
  }
  const error = got.value;
  // The error of the op that failed first, at its dispatch time plus its latency or timeout.
  const now = obs.clock.now();
  const ok = specs.some((o, j) => {
    const op = ops[j];
    if (!mayFail(o) || op.startedAt === undefined) return false;
    if (o.fail && error === op.error && at(now, op.startedAt + o.lat)) return true;
    return (
      mayTimeOut(o) &&
      error instanceof TimeoutError &&
      error.message === `op #${op.seq} "lat" timed out after ${o.timeout} ms` &&
      at(now, op.startedAt + o.timeout!)
    );
  });
  if (!ok) obs.violation(`${what} threw ${show(error)} at ${now}, which none of its ops may throw then`);
}

/** Runs `program` twice (run(), then runSync()) and returns the first result, with both traces compared. */
async function check(program: Program): Promise<void> {
  const first = await new Observation(program).run("run");
  const second = await new Observation(program).run("runSync");
  expect(first.violations).toEqual([]);
  expect(second.violations).toEqual([]);
  expect(second.outcome).toBe(first.outcome);
  expect(second.trace).toEqual(first.trace);
}

/** A task node for hand-written programs. */
function task(id: string, steps: Step[], extra: Partial<Omit<TaskNode, "id" | "steps">> = {}): TaskNode {
  return { id, priority: undefined, timeLimit: undefined, fails: false, cleanup: [], steps, ...extra };
}

function io(ops: [lat: number, fail?: boolean][], caught = true): Step {
  return { k: "io", ops: ops.map(([lat, fail = false]) => ({ lat, fail, timeout: undefined })), batch: ops.length > 1, caught };
}

describe("properties", () => {
  it("never loses a task, a result, a failure or a completion in random programs, and replays them exactly", async () => {
    // PROPERTY_RUNS=100000 npx vitest run test/properties.test.ts fuzzes longer.
    await fc.assert(fc.asyncProperty(programs, check), { numRuns: Number(process.env.PROPERTY_RUNS ?? 4000) });
  });

  // Shrunk by the property above: B.1's failed batch cancels its second op while it is still in the
  // submission queue; that op's SQ slot is freed only by the next enter(), which never came, so A's
  // batch (needing the whole SQ) parked forever and run() rejected with a false DeadlockError.
  it("admits a task parked for SQ room once the slot of an op cancelled while queued is freed", async () => {
    await check(
      new Program(2, 1, [
        { node: task("A", [{ k: "wait", ref: { kind: "tid", tid: 2 }, caught: true }], { timeLimit: 1, cleanup: [io([[0], [0]])] }), readDone: false },
        { node: task("B", [{ k: "fork", child: task("B.1", [io([[0, true], [0]])]) }], { cleanup: [{ k: "sleep", ms: 1 }] }), readDone: false },
      ]),
    );
  });

  // The same slots, when the ops are cancelled by a kill in the same pass that a task parks: the
  // cancelled ops' completions fill the CQ, so that pass's enter() could not free the slots either.
  it("admits a task parked in the same pass that a kill cancelled queued ops", async () => {
    const program = new Program(2, 1, [
      { node: task("A", [io([[5], [5]], false)]), readDone: true },
      { node: task("B", [{ k: "yield" }, { k: "kill", ref: { kind: "tid", tid: 1 } }]), readDone: false },
      { node: task("C", [{ k: "yield" }, io([[5], [5]], false)]), readDone: false },
    ]);
    await check(program);
    const observed = new Observation(program);
    expect((await observed.run("run")).outcome).toBe("resolved");
    expect(observed.clock.now()).toBe(10);
  });
});
