import { describeValue } from "../errors.js";
import { IoRing } from "../io/io-ring.js";
import type { Completion, IoOp, IoRingOptions, SubmitOptions } from "../io/types.js";
import type { IoItem, SubmitIO } from "../syscalls/submit-io.js";
import { Deque } from "./deque.js";
import type { Kernel } from "./kernel.js";
import type { Task } from "./task.js";

/** A task's pending `SubmitIO` of one op (`call(fn)`, `submitIO(op)`): the common case, no arrays. */
class OneOpWait {
  readonly size = 1;
  seq = 0;
  posted = false;
  done = false;
  constructor(
    readonly task: Task,
    readonly op: IoOp,
    readonly timeout: unknown,
    readonly link: unknown,
    readonly signal: unknown,
  ) {}
}

/** A task's pending `SubmitIO` of an array of ops: its items, and the results gathered so far. */
class BatchWait {
  readonly size: number;
  first = 0;
  posted = false;
  done = false;
  remaining: number;
  readonly results: unknown[];
  constructor(
    readonly task: Task,
    readonly items: ({ op: IoOp } & SubmitOptions)[],
  ) {
    this.size = this.remaining = items.length;
    this.results = new Array<unknown>(items.length);
  }
}

type IoWait = OneOpWait | BatchWait;

/**
 * Connects tasks to the scheduler's {@link IoRing}: submits their ops (or parks them, FIFO, while
 * the submission queue is full), enters the ring once per scheduler pass, and turns reaped
 * completions into task wake-ups in completion order.
 */
export class IoBridge {
  readonly ring: IoRing;
  readonly #k: Kernel;
  readonly #roomWaiters = new Deque<IoWait>();
  #dirty = false;

  constructor(k: Kernel, options: IoRingOptions | undefined) {
    this.#k = k;
    this.ring = new IoRing(
      options ?? {},
      {
        clock: k.clock,
        timers: k,
        onCompletion: () => {
          this.#dirty = true;
          k.poke();
        },
      },
    );
  }

  /** In-flight ops that wait on something other than the clock. */
  get externalPending(): number {
    return this.ring.externalPending;
  }

  submit(task: Task, syscall: SubmitIO): void {
    const ops = syscall.ops;
    if (Array.isArray(ops)) return this.#submitBatch(task, ops as readonly IoItem[], syscall.options);
    if (ops === null || typeof ops !== "object") return this.#k.wake(task, false, notAnOp(ops));
    let wait: OneOpWait;
    if ("op" in ops && !("type" in ops)) {
      const item = { ...syscall.options, ...ops }; // the item's own options win
      wait = new OneOpWait(task, item.op, item.timeout, endChain(item.link), item.signal);
    } else {
      const options = syscall.options;
      const o = options !== null && typeof options === "object" ? options : undefined;
      wait = new OneOpWait(task, ops as IoOp, o?.timeout, endChain(o?.link), o?.signal);
    }
    this.#admit(task, wait);
  }

  #submitBatch(task: Task, list: readonly IoItem[], options: SubmitIO["options"]): void {
    if (list.length === 0) return this.#k.wake(task, true, []);
    if (list.length > this.ring.entries) {
      return this.#k.wake(
        task,
        false,
        new RangeError(`submitIO got ${list.length} ops, more than the ring's ${this.ring.entries} submission entries: split the batch or raise ring.entries`),
      );
    }
    const items: ({ op: IoOp } & SubmitOptions)[] = [];
    for (const item of list) {
      if (item === null || typeof item !== "object") return this.#k.wake(task, false, notAnOp(item));
      items.push("op" in item && !("type" in item) ? { ...options, ...item } : { ...options, op: item as IoOp });
    }
    const last = items[items.length - 1];
    if (last.link === true) last.link = false; // see endChain
    this.#admit(task, new BatchWait(task, items));
  }

  /** Posts the wait now, or parks it (FIFO) while the SQ lacks room or others wait before it. */
  #admit(task: Task, wait: IoWait): void {
    task.status = "io";
    task.blockedOn = wait;
    if (this.#roomWaiters.size > 0 || this.ring.sqSpace < wait.size) {
      this.#roomWaiters.push(wait);
      // Slots of ops cancelled while queued are freed only by enter(): make the next flush call it,
      // or a task parked behind such slots waits for a completion that never comes.
      this.#dirty = true;
    } else this.#post(wait);
  }

  #post(wait: IoWait): void {
    if (wait instanceof OneOpWait) this.#postOne(wait);
    else this.#postBatch(wait);
  }

  #postOne(wait: OneOpWait): void {
    try {
      wait.seq = this.ring.submitFields(wait.op, wait, wait.timeout, wait.link, wait.signal);
    } catch (error) {
      wait.done = true;
      if (error instanceof Error) error.message = `submitIO: ${error.message}`;
      return this.#k.wake(wait.task, false, error);
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
      seqs = this.ring.submitBatch(wait.items);
    } catch (error) {
      wait.done = true;
      // Speak of the call the task made, not of the ring method behind it.
      if (error instanceof Error) error.message = error.message.replace(/^submitBatch item (\d+): /, "submitIO op $1: ");
      return this.#k.wake(task, false, error);
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
      this.ring.enter();
      while (this.#roomWaiters.size > 0 && this.ring.sqSpace >= this.#roomWaiters.peek()!.size) {
        this.#post(this.#roomWaiters.shift()!);
      }
      const completions = this.ring.reap();
      for (let i = 0; i < completions.length; i++) this.#deliver(completions[i]);
      // Reaping freed CQ slots: ops left in the SQ for want of room may be dispatched now, and
      // enter() may now free the SQ slots of ops cancelled while queued, which parked tasks wait for.
      if (completions.length > 0 && (this.ring.dispatchable || this.#roomWaiters.size > 0)) this.#dirty = true;
    }
  }

  #deliver(c: Completion): void {
    const wait = c.userData as IoWait;
    const task = wait.task;
    this.#k.events.ioCompleted(task, c);
    if (wait.done) return;
    if (wait instanceof OneOpWait || !c.ok) {
      wait.done = true;
      if (wait instanceof BatchWait) this.#cancel(wait, "another op of the batch failed");
      return this.#k.wake(task, c.ok, c.ok ? c.value : c.error);
    }
    wait.results[c.seq - wait.first] = c.value;
    if (--wait.remaining === 0) {
      wait.done = true;
      this.#k.wake(task, true, wait.results);
    }
  }

  /** The task was killed: cancel its ops (their signals fire) or take it out of the room queue. */
  abandon(task: Task): void {
    const wait = task.blockedOn as IoWait;
    if (!wait.posted) {
      this.#roomWaiters.remove(wait);
      return;
    }
    wait.done = true;
    this.#cancel(wait, task.killError ?? "task ended");
  }

  #cancel(wait: IoWait, reason: unknown): void {
    if (wait instanceof OneOpWait) this.ring.cancel(wait.seq, reason);
    else for (let i = 0; i < wait.size; i++) this.ring.cancel(wait.first + i, reason);
    this.#dirty = true;
  }

  describe(task: Task): string {
    const wait = task.blockedOn as IoWait;
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
