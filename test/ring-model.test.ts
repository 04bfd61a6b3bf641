import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IoRing, RingFullError, VirtualClock, type Completion, type IoHandler, type IoOp, type IoRequest, type RingCounters } from "../src/index.js";

// A reference model of a standalone IoRing (API.md "I/O ring"), small enough to check by reading:
// plain arrays and a linear scan for deadlines. fast-check drives the model and a real ring on a
// VirtualClock with the same random commands; after every command (and the microtask turn in which
// a standalone ring starts linked ops) their counters, every seq's status, and the completions
// `reap()` hands out must agree.

/** Op types of the model: how each handler settles its batch. */
type OpType = "manual" | "echo" | "boom" | "half" | "nop" | "timeout" | "ghost";

const handlers: Record<string, IoHandler> = {
  /** Kept for the test to settle (pushed to `manual` by the real side's wrapper). */
  manual: () => {},
  echo: (requests) => {
    for (const r of requests) r.complete(r.op.value);
  },
  boom: () => {
    throw new Error("boom");
  },
  /** Completes its first request, then throws: the ring fails the rest and ignores the first's fail. */
  half: (requests) => {
    requests[0].complete("half");
    throw new Error("half");
  },
};

interface Submission {
  type: OpType;
  /** For `timeout` ops. */
  ms: number;
  link: boolean;
  timeout: number | undefined;
  signal: "none" | "live" | "aborted";
}

type ErrorShape = { name: string; message: string } | undefined;

interface ModelOp {
  seq: number;
  type: OpType;
  userData: string;
  value: unknown;
  ms: number;
  timeout: number | undefined;
  state: "queued" | "held" | "in-flight" | "completed";
  next: ModelOp | null;
  chainLength: number;
  submittedAt: number;
  startedAt: number;
  completedAt: number;
  ok: boolean;
  result: unknown;
  error: ErrorShape;
  aborted: boolean;
  /** Index of its controller, if submitted with a live signal. */
  signal: number | undefined;
  timeoutDeadline: Deadline | null;
  afterDeadline: Deadline | null;
}

interface Deadline {
  at: number;
  seq: number;
  fire: () => void;
}

type Outcome = "ok" | "failed" | "timeout" | "cancelled";

const err = (name: string, message: string): ErrorShape => ({ name, message });

class RingModel {
  now = 0;
  seq = 0;
  readonly ops: ModelOp[] = [];
  /** The SQ, holding ops cancelled while queued until enter() skips them. */
  readonly sq: ModelOp[] = [];
  readonly cq: ModelOp[] = [];
  ready: ModelOp[] = [];
  /** Manual ops in dispatch order: what the real side's `manual` list holds. */
  readonly manual: ModelOp[] = [];
  deadlines: Deadline[] = [];
  deadlineSeq = 0;
  openChain: ModelOp | null = null;
  counters: RingCounters = { queued: 0, inFlight: 0, unreaped: 0, submitted: 0, completed: 0, failed: 0, cancelled: 0, ignored: 0 };
  held = 0;
  queued = 0;
  inFlight = 0;

  constructor(
    readonly entries: number,
    readonly cqEntries: number,
  ) {}

  snapshot(): RingCounters {
    return { ...this.counters, queued: this.queued + this.held, inFlight: this.inFlight, unreaped: this.cq.length };
  }

  status(seq: number): string {
    const op = this.ops[seq - 1];
    if (op === undefined || !Number.isInteger(seq)) return "unknown";
    return op.state === "held" ? "queued" : op.state;
  }

  /** What `submit` throws, if anything, for an op joining the open chain. */
  refusal(extraChain: number, count: number): "chain" | "full" | null {
    if (extraChain > 0 && extraChain + 1 > this.cqEntries) return "chain";
    if (this.entries - this.sq.length < count) return "full";
    return null;
  }

  push(s: Submission, userData: string, signalIndex: number | undefined): ModelOp {
    const op: ModelOp = {
      seq: ++this.seq, type: s.type, userData, value: `v${this.seq}`, ms: s.ms, timeout: s.timeout, state: "queued",
      next: null, chainLength: 1, submittedAt: this.now, startedAt: NaN, completedAt: NaN, ok: false, result: undefined,
      error: undefined, aborted: false, signal: undefined, timeoutDeadline: null, afterDeadline: null,
    };
    this.ops.push(op);
    const pred = this.openChain;
    if (pred !== null) {
      pred.next = op;
      op.chainLength = pred.chainLength + 1;
    }
    this.openChain = s.link ? op : null;
    this.sq.push(op);
    this.queued++;
    this.counters.submitted++;
    if (pred !== null && pred.state === "completed") {
      this.settle(op, "cancelled", undefined, chainError(op, pred, "was cancelled"));
    } else if (s.signal === "aborted") {
      this.settle(op, "cancelled", undefined, err("OpCancelledError", `op #${op.seq} "${op.type}" was cancelled: early`));
    } else if (s.signal === "live") {
      op.signal = signalIndex;
    }
    return op;
  }

  enter(): number {
    if (this.ready.length === 0 && this.sq.length === 0) return 0;
    const started: ModelOp[] = [];
    let dispatched = this.startReady(started);
    const room = () => this.cqEntries - (this.inFlight + this.held + this.cq.length);
    while (room() > 0 && this.sq.length > 0) {
      const head = this.sq[0];
      if (head.state !== "queued") {
        this.shift();
        continue;
      }
      let length = 1;
      for (let n = head.next; n !== null && n.state === "queued"; n = n.next) length++;
      if (length > room()) break;
      this.shift();
      this.queued--;
      this.start(head, started);
      dispatched++;
      for (let n = head.next, i = 1; i < length; i++, n = n!.next) {
        this.shift();
        this.queued--;
        this.held++;
        n!.state = "held";
      }
    }
    this.runHandlers(started);
    return dispatched;
  }

  /** The standalone ring's microtask: start linked ops whose predecessor succeeded. */
  flushReady(): void {
    while (this.ready.length > 0) {
      const started: ModelOp[] = [];
      if (this.startReady(started) > 0) this.runHandlers(started);
    }
  }

  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      let next: Deadline | undefined;
      for (const d of this.deadlines) if (d.at <= target && (next === undefined || d.at < next.at || (d.at === next.at && d.seq < next.seq))) next = d;
      if (next === undefined) break;
      this.deadlines.splice(this.deadlines.indexOf(next), 1);
      if (next.at > this.now) this.now = next.at;
      next.fire();
    }
    this.now = target;
  }

  cancel(seq: number, reason: string): boolean {
    const op = this.ops[seq - 1];
    if (op === undefined || op.state === "completed") return false;
    return this.settle(op, "cancelled", undefined, err("OpCancelledError", `op #${op.seq} "${op.type}" was cancelled: ${reason}`));
  }

  abort(index: number): void {
    const op = this.ops.find((o) => o.signal === index);
    if (op === undefined || op.state === "completed") return;
    this.settle(op, "cancelled", undefined, err("OpCancelledError", `op #${op.seq} "${op.type}" was cancelled: abort-${index}`));
  }

  /** A handler's `request.after(ms, ...)`: `true` if it threw for a second pending after(). */
  after(op: ModelOp, ms: number, fn: () => void): boolean {
    if (op.state !== "in-flight") return false;
    if (op.afterDeadline !== null) return true;
    const deadline = this.addDeadline(this.now + ms, () => {
      op.afterDeadline = null;
      fn();
    });
    op.afterDeadline = deadline;
    return false;
  }

  reap(max: number): ModelOp[] {
    return this.cq.splice(0, Math.min(Math.floor(max), this.cq.length));
  }

  /** The one place an op ends, as in the ring: the first outcome wins. */
  settle(op: ModelOp, outcome: Outcome, value: unknown, error: ErrorShape): boolean {
    if (op.state === "completed") {
      this.counters.ignored++;
      return false;
    }
    if (op.state === "queued") this.queued--;
    else if (op.state === "held") this.held--;
    else this.inFlight--;
    op.state = "completed";
    for (const d of [op.timeoutDeadline, op.afterDeadline]) if (d !== null) this.deadlines.splice(this.deadlines.indexOf(d), 1);
    op.timeoutDeadline = op.afterDeadline = null;
    op.signal = undefined;
    op.completedAt = this.now;
    if (outcome === "ok") {
      op.ok = true;
      op.result = value;
      this.counters.completed++;
    } else {
      op.error = error;
      if (outcome === "cancelled") this.counters.cancelled++;
      else this.counters.failed++;
    }
    const next = op.next;
    op.next = null;
    if (next !== null && outcome === "ok" && next.state === "held") this.ready.push(next);
    this.cq.push(op);
    if (outcome === "cancelled" || outcome === "timeout") op.aborted = true;
    if (next !== null && outcome !== "ok") {
      const how = outcome === "failed" ? "failed" : outcome === "timeout" ? "timed out" : "was cancelled";
      for (let n: ModelOp | null = next; n !== null; ) {
        const after: ModelOp | null = n.next;
        n.next = null;
        if (n.state !== "completed") this.settle(n, "cancelled", undefined, chainError(n, op, how));
        n = after;
      }
    }
    return true;
  }

  addDeadline(at: number, fire: () => void): Deadline {
    const d = { at, seq: this.deadlineSeq++, fire };
    this.deadlines.push(d);
    return d;
  }

  shift(): void {
    if (this.sq.shift() === this.openChain) this.openChain = null;
  }

  start(op: ModelOp, started: ModelOp[]): void {
    op.state = "in-flight";
    op.startedAt = this.now;
    this.inFlight++;
    const timeout = op.timeout;
    if (timeout !== undefined) {
      op.timeoutDeadline = this.addDeadline(this.now + timeout, () => {
        op.timeoutDeadline = null;
        this.settle(op, "timeout", undefined, err("TimeoutError", `op #${op.seq} "${op.type}" timed out after ${timeout} ms`));
      });
    }
    started.push(op);
  }

  startReady(started: ModelOp[]): number {
    const ready = this.ready;
    this.ready = [];
    let n = 0;
    for (const op of ready) {
      if (op.state !== "held") continue;
      this.held--;
      this.start(op, started);
      n++;
    }
    return n;
  }

  /** One handler call per op type, types in the order their first op started. */
  runHandlers(started: ModelOp[]): void {
    const groups = new Map<OpType, ModelOp[]>();
    for (const op of started) groups.set(op.type, [...(groups.get(op.type) ?? []), op]);
    for (const [type, batch] of groups) {
      const failAll = (e: ErrorShape) => {
        for (const op of batch) this.settle(op, "failed", undefined, e);
      };
      switch (type) {
        case "manual":
          this.manual.push(...batch);
          break;
        case "echo":
          for (const op of batch) this.settle(op, "ok", op.value, undefined);
          break;
        case "nop":
          for (const op of batch) this.settle(op, "ok", undefined, undefined);
          break;
        case "timeout":
          for (const op of batch) this.after(op, op.ms, () => this.settle(op, "ok", undefined, undefined));
          break;
        case "boom":
          failAll(err("Error", "boom"));
          break;
        case "half":
          this.settle(batch[0], "ok", "half", undefined);
          failAll(err("Error", "half"));
          break;
        case "ghost":
          failAll(err("TypeError", `No handler for op type "ghost": register one with ring.register("ghost", handler) or the \`handlers\` option`));
          break;
      }
    }
  }
}

function chainError(op: ModelOp, failed: ModelOp, how: string): ErrorShape {
  return err("OpCancelledError", `op #${op.seq} "${op.type}" was cancelled: linked op #${failed.seq} "${failed.type}" before it ${how}`);
}

/** The real ring, with the requests of its `manual` ops and the controllers of submitted signals. */
class RealRing {
  readonly clock = new VirtualClock();
  readonly ring: IoRing;
  readonly manual: IoRequest[] = [];
  readonly controllers: AbortController[] = [];

  constructor(entries: number, cqEntries: number) {
    this.ring = new IoRing({
      entries,
      cqEntries,
      clock: this.clock,
      handlers: { ...handlers, manual: (requests) => void this.manual.push(...requests) },
    });
  }
}

interface World {
  model: RingModel;
  real: RealRing;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function shape(e: unknown): ErrorShape {
  return e instanceof Error ? { name: e.name, message: e.message } : e === undefined ? undefined : { name: typeof e, message: String(e) };
}

function completionOf(c: Completion): object {
  return {
    seq: c.seq, userData: c.userData, type: c.type, ok: c.ok, value: c.value, error: shape(c.error),
    submittedAt: c.submittedAt, startedAt: c.startedAt, completedAt: c.completedAt,
  };
}

function expectedCompletion(op: ModelOp): object {
  return {
    seq: op.seq, userData: op.userData, type: op.type, ok: op.ok, value: op.result, error: op.error,
    submittedAt: op.submittedAt, startedAt: op.startedAt, completedAt: op.completedAt,
  };
}

/** Counters, every seq's status, and each manual request's `settled` and signal agree. */
async function settleAndCompare({ model, real }: World): Promise<void> {
  await tick();
  model.flushReady();
  const ring = real.ring;
  expect(ring.counters).toEqual(model.snapshot());
  for (let seq = 0; seq <= model.seq + 1; seq++) expect(ring.status(seq), `status(${seq})`).toBe(model.status(seq));
  expect(real.manual.length).toBe(model.manual.length);
  real.manual.forEach((r, i) => {
    const op = model.manual[i];
    expect(r.seq).toBe(op.seq);
    expect(r.settled).toBe(op.state === "completed");
    expect(r.signal.aborted, `signal of #${op.seq}`).toBe(op.aborted);
  });
  const c = ring.counters;
  expect(c.inFlight).toBeLessThanOrEqual(ring.cqEntries);
  expect(c.inFlight + c.unreaped).toBeLessThanOrEqual(ring.cqEntries + ring.entries);
}

type Cmd = fc.AsyncCommand<RingModel, RealRing>;

/** Submits through `submit` or `submitBatch`, and expects the same refusal from model and ring. */
class SubmitCommand implements fc.AsyncCommand<RingModel, RealRing> {
  constructor(
    readonly items: Submission[],
    readonly batch: boolean,
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: RingModel, real: RealRing): Promise<void> {
    const ring = real.ring;
    // Chain lengths as submitBatch checks them, item by item, from the open chain.
    let chain = model.openChain?.chainLength ?? 0;
    let refusal: "chain" | "full" | null = null;
    for (const s of this.batch ? this.items : this.items.slice(0, 1)) {
      if (chain > 0 && chain + 1 > model.cqEntries) refusal = "chain";
      chain = s.link ? chain + 1 : 0;
      if (refusal !== null) break;
    }
    const count = this.batch ? this.items.length : 1;
    refusal ??= model.refusal(0, count);
    const controllers: (AbortController | undefined)[] = [];
    const built = (this.batch ? this.items : this.items.slice(0, 1)).map((s, i) => {
      const op: IoOp = s.type === "timeout" ? { type: s.type, ms: s.ms } : { type: s.type, value: `v${model.seq + i + 1}` };
      let signal: AbortSignal | undefined;
      if (s.signal !== "none") {
        const ac = new AbortController();
        if (s.signal === "aborted") ac.abort("early");
        signal = ac.signal;
        controllers.push(s.signal === "live" ? ac : undefined);
      } else controllers.push(undefined);
      return { op, userData: `u${model.seq + i + 1}`, link: s.link, timeout: s.timeout, signal };
    });
    let thrown: unknown;
    try {
      if (this.batch) ring.submitBatch(built);
      else ring.submit(built[0].op, { userData: built[0].userData, link: built[0].link, timeout: built[0].timeout, signal: built[0].signal });
    } catch (e) {
      thrown = e;
    }
    if (refusal === "full") expect(thrown).toBeInstanceOf(RingFullError);
    else if (refusal === "chain") expect(shape(thrown)?.message).toMatch(/link chain of \d+ ops cannot fit the completion queue/);
    else expect(thrown).toBeUndefined();
    if (refusal === null) {
      built.forEach((b, i) => {
        const ac = controllers[i];
        if (ac !== undefined) real.controllers.push(ac);
        model.push(this.items[i], b.userData, ac === undefined ? undefined : real.controllers.length - 1);
      });
    }
    await settleAndCompare({ model, real });
  }

  toString(): string {
    const one = (s: Submission) =>
      `${s.type}${s.type === "timeout" ? `(${s.ms})` : ""}${s.link ? " link" : ""}${s.timeout === undefined ? "" : ` timeout ${s.timeout}`}${s.signal === "none" ? "" : ` signal ${s.signal}`}`;
    return this.batch ? `submitBatch([${this.items.map(one).join(", ")}])` : `submit(${one(this.items[0])})`;
  }
}

class EnterCommand implements Cmd {
  check = () => true;
  async run(model: RingModel, real: RealRing): Promise<void> {
    expect(real.ring.enter()).toBe(model.enter());
    await settleAndCompare({ model, real });
  }
  toString = () => "enter()";
}

/** Completes or fails the pick-th manual request ever dispatched, settled or not. */
class SettleCommand implements Cmd {
  constructor(
    readonly pick: number,
    readonly how: "complete" | "fail",
  ) {}
  check = (m: Readonly<RingModel>) => m.manual.length > 0;
  async run(model: RingModel, real: RealRing): Promise<void> {
    const i = this.pick % model.manual.length;
    const op = model.manual[i];
    const r = real.manual[i];
    const got = this.how === "complete" ? r.complete(`done${this.pick}`) : r.fail(new Error(`fail${this.pick}`));
    const want =
      this.how === "complete" ? model.settle(op, "ok", `done${this.pick}`, undefined) : model.settle(op, "failed", undefined, err("Error", `fail${this.pick}`));
    expect(got).toBe(want);
    await settleAndCompare({ model, real });
  }
  toString = () => `manual[${this.pick}].${this.how}()`;
}

/** `request.after(ms)` on a manual request: completes it later, on the clock. */
class DeferCommand implements Cmd {
  constructor(
    readonly pick: number,
    readonly ms: number,
  ) {}
  check = (m: Readonly<RingModel>) => m.manual.length > 0;
  async run(model: RingModel, real: RealRing): Promise<void> {
    const i = this.pick % model.manual.length;
    const op = model.manual[i];
    let threw = false;
    try {
      real.manual[i].after(this.ms, (r) => r.complete("late"));
    } catch (e) {
      threw = true;
      expect(shape(e)?.message).toMatch(/already waits on after\(\)/);
    }
    expect(threw).toBe(model.after(op, this.ms, () => model.settle(op, "ok", "late", undefined)));
    await settleAndCompare({ model, real });
  }
  toString = () => `manual[${this.pick}].after(${this.ms})`;
}

class CancelCommand implements Cmd {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(model: RingModel, real: RealRing): Promise<void> {
    const seq = this.pick % (model.seq + 2);
    expect(real.ring.cancel(seq, `cancel-${seq}`)).toBe(model.cancel(seq, `cancel-${seq}`));
    await settleAndCompare({ model, real });
  }
  toString = () => `cancel(pick ${this.pick})`;
}

class AbortCommand implements Cmd {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(model: RingModel, real: RealRing): Promise<void> {
    if (real.controllers.length === 0) return;
    const i = this.pick % real.controllers.length;
    const ac = real.controllers[i];
    if (!ac.signal.aborted) {
      ac.abort(`abort-${i}`);
      model.abort(i);
    }
    await settleAndCompare({ model, real });
  }
  toString = () => `controller[${this.pick}].abort()`;
}

/** Moves the clock: op timeouts, `timeout` ops and `after()` waits fire in (time, arming) order. */
class AdvanceCommand implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(model: RingModel, real: RealRing): Promise<void> {
    real.clock.advance(this.ms);
    model.advance(this.ms);
    await settleAndCompare({ model, real });
  }
  toString = () => `clock.advance(${this.ms})`;
}

class ReapCommand implements Cmd {
  constructor(readonly max: number | undefined) {}
  check = () => true;
  async run(model: RingModel, real: RealRing): Promise<void> {
    const got = real.ring.reap(this.max).map(completionOf);
    expect(got).toEqual(model.reap(this.max ?? Infinity).map(expectedCompletion));
    await settleAndCompare({ model, real });
  }
  toString = () => `reap(${this.max ?? ""})`;
}

const submission: fc.Arbitrary<Submission> = fc.record({
  type: fc.constantFrom<OpType>("manual", "manual", "manual", "echo", "nop", "timeout", "boom", "half", "ghost"),
  ms: fc.integer({ min: 0, max: 6 }),
  link: fc.constantFrom(false, false, true),
  timeout: fc.oneof({ withCrossShrink: true }, { weight: 3, arbitrary: fc.constant(undefined) }, fc.integer({ min: 0, max: 6 })),
  signal: fc.constantFrom<Submission["signal"]>("none", "none", "none", "live", "aborted"),
});

const commands = fc.commands(
  [
    fc.tuple(submission).map(([s]) => new SubmitCommand([s], false)),
    fc.array(submission, { minLength: 0, maxLength: 5 }).map((items) => new SubmitCommand(items, true)),
    fc.constant(new EnterCommand()),
    fc.constant(new EnterCommand()),
    fc.tuple(fc.nat(), fc.constantFrom("complete" as const, "fail" as const)).map(([p, how]) => new SettleCommand(p, how)),
    fc.tuple(fc.nat(), fc.integer({ min: 0, max: 6 })).map(([p, ms]) => new DeferCommand(p, ms)),
    fc.nat().map((p) => new CancelCommand(p)),
    fc.nat().map((p) => new AbortCommand(p)),
    fc.integer({ min: 0, max: 7 }).map((ms) => new AdvanceCommand(ms)),
    fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }).map((max) => new ReapCommand(max)),
  ],
  { maxCommands: 80, size: "max" },
);

describe("IoRing model", () => {
  it("agrees with a reference model after every command of random submit, enter, settle, cancel, timeout and reap sequences", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(1, 2, 4, 8), fc.integer({ min: 1, max: 6 }), commands, async (entries, cqEntries, cmds) => {
        const setup = () => ({ model: new RingModel(entries, cqEntries), real: new RealRing(entries, cqEntries) });
        await fc.asyncModelRun(setup, cmds);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 500) },
    );
  });
});
