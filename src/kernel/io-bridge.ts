import { admitOp, recheckInFlight } from "../caps/gate.js";
import { describeValue } from "../checks.js";
import { CapabilityDeniedError } from "../errors.js";
import { validateOp } from "../io/builtin-ops.js";
import type { IoEntry } from "../io/entry.js";
import { pushBatch, pushOp, ringOver, type IoRing } from "../io/io-ring.js";
import { RingEngine } from "../io/ring-engine.js";
import { isBareOp, resolveRingOptions, validateSubmitFields } from "../io/ring-options.js";
import type { Completion, IoOp, IoRingOptions, SubmitOptions } from "../io/types.js";
import type { IoItem, SubmitIO } from "../syscalls/submit-io.js";
import { Deque } from "./deque.js";
import { Dispatched } from "./dispatched.js";
import type { Kernel } from "./kernel.js";
import type { Task } from "./task.js";

/** What a task's pending submission is: the ring routes the completions of these to the kernel. */
abstract class IoWait {
  abstract readonly size: number;
  abstract readonly task: Task;
  posted = false;
  done = false;
}

/** A task's pending `SubmitIO` of one op (`call(fn)`, `submitIO(op)`): the common case, no arrays. */
class OneOpWait extends IoWait {
  readonly size = 1;
  seq = 0;
  constructor(
    readonly task: Task,
    readonly op: IoOp,
    readonly timeout: unknown,
    readonly link: unknown,
    readonly signal: unknown,
  ) {
    super();
  }
}

/** A task's pending `SubmitIO` of an array of ops: its items, and the results gathered so far. */
class BatchWait extends IoWait {
  readonly size: number;
  first = 0;
  remaining: number;
  readonly results: unknown[];
  constructor(
    readonly task: Task,
    readonly items: ({ op: IoOp } & SubmitOptions)[],
  ) {
    super();
    this.size = this.remaining = items.length;
    this.results = new Array<unknown>(items.length);
  }
}

type AnyWait = OneOpWait | BatchWait;

/**
 * Connects tasks to the scheduler's {@link IoRing}: submits their ops (or parks them, FIFO, while
 * the submission queue is full), enters the ring once per scheduler pass, and turns reaped
 * completions into task wake-ups in completion order.
 */
export class IoBridge {
  /** The public face of the engine, for handlers and ops submitted directly. */
  readonly ring: IoRing;
  readonly #engine: RingEngine;
  readonly #k: Kernel;
  readonly #roomWaiters = new Deque<AnyWait>();
  #dirty = false;

  constructor(k: Kernel, options: IoRingOptions | undefined) {
    this.#k = k;
    const { entries, cqEntries, handlers } = resolveRingOptions(options ?? {}, true);
    this.#engine = new RingEngine(entries, cqEntries, handlers, k.clock, k, {
      // Tasks' completions go to the kernel's own queue; ops submitted on `sched.ring` directly
      // stay in the ring's, for whoever submitted them to reap.
      owns: (entry: IoEntry) => entry.userData instanceof IoWait,
      onCompletion: () => {
        this.#dirty = true;
        k.loop.poke();
      },
    });
    this.ring = ringOver(this.#engine);
  }

  /** In-flight ops that wait on something other than the clock. */
  get externalPending(): number {
    return this.#engine.externalPending;
  }

  submit(task: Task, syscall: SubmitIO): Dispatched {
    const ops = syscall.ops;
    if (Array.isArray(ops)) return this.#submitBatch(task, ops as readonly IoItem[], syscall.options);
    if (ops === null || typeof ops !== "object") return this.#k.answer(task, false, notAnOp(ops));
    let wait: OneOpWait;
    try {
      if (!isBareOp(ops)) {
        const item = { ...syscall.options, ...(ops as { op: IoOp } & SubmitOptions) }; // the item's own options win
        wait = new OneOpWait(task, this.#allowed(task, item.op), item.timeout, endChain(item.link), item.signal);
      } else {
        const options = syscall.options;
        const o = options !== null && typeof options === "object" ? options : undefined;
        wait = new OneOpWait(task, this.#allowed(task, ops), o?.timeout, endChain(o?.link), o?.signal);
      }
    } catch (error) {
      return this.#k.answer(task, false, error); // a capability the task does not hold
    }
    return this.#admit(task, wait);
  }

  #submitBatch(task: Task, list: readonly IoItem[], options: SubmitIO["options"]): Dispatched {
    if (list.length === 0) return this.#k.answer(task, true, []);
    if (list.length > this.#engine.entries) {
      return this.#k.answer(
        task,
        false,
        new RangeError(`submitIO got ${list.length} ops, more than the ring's ${this.#engine.entries} submission entries: split the batch or raise ring.entries`),
      );
    }
    const items: ({ op: IoOp } & SubmitOptions)[] = [];
    for (const item of list) {
      if (item === null || typeof item !== "object") return this.#k.answer(task, false, notAnOp(item));
      const full = isBareOp(item) ? { ...options, op: item } : { ...options, ...(item as { op: IoOp } & SubmitOptions) };
      try {
        full.op = this.#allowed(task, full.op);
      } catch (error) {
        return this.#k.answer(task, false, error); // one op refused refuses the batch
      }
      items.push(full);
    }
    const last = items[items.length - 1];
    if (last.link === true) last.link = false; // see endChain
    return this.#admit(task, new BatchWait(task, items));
  }

  /** Posts the wait now, or parks it (FIFO) while the SQ lacks room or others wait before it. */
  #admit(task: Task, wait: AnyWait): Dispatched {
    const outcome = this.#k.block(task, "io", wait);
    if (this.#roomWaiters.size > 0 || this.#engine.sqSpace < wait.size) {
      this.#roomWaiters.push(wait);
      // Slots of ops cancelled while queued are freed only by enter(): make the next flush call it,
      // or a task parked behind such slots waits for a completion that never comes.
      this.#dirty = true;
    } else this.#post(wait);
    return outcome;
  }

  #post(wait: AnyWait): void {
    if (wait instanceof OneOpWait) this.#postOne(wait);
    else this.#postBatch(wait);
  }

  #postOne(wait: OneOpWait): void {
    try {
      validateOp(wait.op);
      validateSubmitFields(wait.timeout, wait.link, wait.signal);
      wait.seq = pushOp(this.#engine, wait.op, wait, wait.timeout as number | undefined, wait.link === true, wait.signal as AbortSignal | undefined);
    } catch (error) {
      wait.done = true;
      if (error instanceof Error) error.message = `submitIO: ${error.message}`;
      this.#k.wake(wait.task, false, error);
      return;
    }
    wait.posted = true;
    this.#dirty = true;
    this.#k.events.ioSubmitted(wait.task, wait.seq, wait.op);
  }

  #postBatch(wait: BatchWait): void {
    const task = wait.task;
    for (const item of wait.items) item.userData = wait;
    let seqs: number[];
    try {
      seqs = pushBatch(this.#engine, wait.items);
    } catch (error) {
      wait.done = true;
      // Speak of the call the task made, not of the ring method behind it.
      if (error instanceof Error) error.message = error.message.replace(/^submitBatch item (\d+): /, "submitIO op $1: ");
      this.#k.wake(task, false, error);
      return;
    }
    wait.first = seqs[0];
    wait.posted = true;
    this.#dirty = true;
    for (let i = 0; i < seqs.length; i++) this.#k.events.ioSubmitted(task, seqs[i], wait.items[i].op);
  }

  /** Once per scheduler pass: dispatch what was submitted, admit parked tasks, reap. */
  flush(): void {
    while (this.#dirty) {
      this.#dirty = false;
      this.#engine.enter();
      while (this.#roomWaiters.size > 0 && this.#engine.sqSpace >= this.#roomWaiters.peek()!.size) {
        this.#post(this.#roomWaiters.shift()!);
      }
      const completions = this.#engine.kernelCq!.reap(Infinity);
      for (let i = 0; i < completions.length; i++) this.#deliver(completions[i]);
      // Reaping freed CQ slots: ops left in the SQ for want of room may be dispatched now, and
      // enter() may now free the SQ slots of ops cancelled while queued, which parked tasks wait for.
      if (completions.length > 0 && (this.#engine.dispatchable || this.#roomWaiters.size > 0)) this.#dirty = true;
    }
  }

  #deliver(c: Completion): void {
    const wait = c.userData as AnyWait;
    const task = wait.task;
    this.#k.events.ioCompleted(task, c);
    if (wait.done) return;
    if (wait instanceof OneOpWait || !c.ok) {
      wait.done = true;
      if (wait instanceof BatchWait) this.#cancel(wait, "another op of the batch failed");
      this.#k.wake(task, c.ok, c.ok ? c.value : c.error);
      return;
    }
    wait.results[c.seq - wait.first] = c.value;
    if (--wait.remaining === 0) {
      wait.done = true;
      this.#k.wake(task, true, wait.results);
    }
  }

  /**
   * The capability check, before any handler runs: the op to submit (for a file op of a confined
   * task, a copy carrying its confinement), or a `CapabilityDeniedError`. Unrestricted tasks skip it.
   */
  #allowed(task: Task, op: IoOp): IoOp {
    if (task.caps === null && task.cwd === undefined) return op;
    if (op === null || typeof op !== "object" || typeof op.type !== "string") return op; // validated at submit
    return admitOp(task.caps, op, task);
  }

  /** After a revoke: cancels the task's ops in flight that its capabilities no longer allow. */
  recheck(task: Task, revoked: string): void {
    if (task.status !== "io" || task.caps === null) return;
    const wait = task.blockedOn as AnyWait;
    const ops = wait instanceof OneOpWait ? [wait.op] : wait.items.map((i) => i.op);
    const refused = ops.findIndex((op) => !recheckInFlight(task.caps!, op, task));
    if (refused < 0) return;
    const reason = new CapabilityDeniedError({
      tid: task.tid,
      taskName: task.name,
      action: ops[refused].type,
      capability: revoked,
      held: task.caps.describe(),
      detail: `capability ${JSON.stringify(revoked)} was revoked while the op was in flight`,
    });
    if (!wait.posted) {
      this.#roomWaiters.remove(wait);
      wait.done = true;
      this.#k.wake(task, false, reason);
    } else this.ring.cancel(wait instanceof OneOpWait ? wait.seq : wait.first + refused, reason);
    this.#dirty = true;
  }

  /** The task was killed: cancel its ops (their signals fire) or take it out of the room queue. */
  abandon(task: Task): void {
    const wait = task.blockedOn as AnyWait;
    if (!wait.posted) {
      this.#roomWaiters.remove(wait);
      return;
    }
    wait.done = true;
    this.#cancel(wait, task.killError ?? "task ended");
  }

  #cancel(wait: AnyWait, reason: unknown): void {
    if (wait instanceof OneOpWait) this.ring.cancel(wait.seq, reason);
    else for (let i = 0; i < wait.size; i++) this.ring.cancel(wait.first + i, reason);
    this.#dirty = true;
  }

  describe(task: Task): string {
    const wait = task.blockedOn as AnyWait;
    const types = wait instanceof OneOpWait ? wait.op.type : wait.items.map((i) => i.op.type).join(", ");
    return wait.posted ? `io: ${types}` : `io: waiting for room to submit ${types}`;
  }
}

/** A chain ends with its task's submission: a trailing `link` would chain another task's op. */
function endChain(link: unknown): unknown {
  return link === true ? false : link;
}

function notAnOp(item: unknown): TypeError {
  return new TypeError(`submitIO expects an op object like { type: "nop" }, got ${describeValue(item)}`);
}
