import { checkMs, describeValue } from "../checks.js";
import { ChannelClosedError, TimeoutError } from "../errors.js";
import type { Context } from "../kernel/context.js";
import { Deque } from "../kernel/deque.js";
import { Kind, Syscall, type SyscallContext, type SyscallDescription } from "../syscalls/syscall.js";

/**
 * What `receive` returns: a value, or the done marker once the channel is closed and drained.
 *
 * @example
 * ```ts
 * const msg: Received<string> = yield* inbox.receive();
 * if (!msg.done) console.log(msg.value);
 * ```
 */
export type Received<T> = { done: false; value: T } | { done: true; value?: undefined };

/**
 * Options of {@link channel}.
 *
 * @example
 * ```ts
 * const jobs = channel<string>({ capacity: 8, name: "jobs" });
 * ```
 */
export interface ChannelOptions {
  /** Messages it buffers before `send` blocks: an integer >= 1, or `Infinity`. Default 1. */
  capacity?: number;
  /** Shown in errors, deadlock reports and audit records. Default `"channel"`. */
  name?: string;
}

/**
 * Options of {@link Channel.receive}.
 *
 * @example
 * ```ts
 * yield* inbox.receive({ timeout: 1_000 }); // TimeoutError after 1 s of clock time
 * ```
 */
export interface ReceiveOptions {
  /** Ms of scheduler clock time to wait for a message; then a `TimeoutError` is thrown. */
  timeout?: number;
}

interface Waiter<T> {
  ctx: SyscallContext<T>;
}

/** A channel's state and mechanism, reached by its syscalls through {@link coreOf}. */
class ChannelCore<T> {
  readonly buffer = new Deque<T>(4);
  readonly receivers = new Deque<Waiter<Received<T>>>(4);
  readonly senders = new Deque<Waiter<void> & { value: T }>(4);
  closed = false;

  constructor(
    readonly name: string,
    readonly capacity: number,
  ) {}

  send(value: T, ctx: SyscallContext<void>): void {
    if (this.closed) return ctx.fail(new ChannelClosedError(this.name, value, "it was closed before the send"));
    if (this.#handOver(value)) return ctx.resume();
    if (this.buffer.size < this.capacity) {
      this.buffer.push(value);
      return ctx.resume();
    }
    this.#block(this.senders, { ctx, value });
  }

  receive(timeout: number | undefined, ctx: SyscallContext<Received<T>>): void {
    if (this.buffer.size > 0) {
      const value = this.buffer.shift()!;
      const sender = this.senders.shift();
      if (sender !== undefined) {
        this.buffer.push(sender.value);
        sender.ctx.resume();
      }
      return ctx.resume({ done: false, value });
    }
    if (this.closed) return ctx.resume({ done: true });
    const waiter: Waiter<Received<T>> = { ctx };
    this.#block(this.receivers, waiter);
    if (timeout !== undefined) {
      ctx.after(timeout, () => {
        this.receivers.remove(waiter);
        ctx.fail(new TimeoutError(`receive on channel "${this.name}" by task #${ctx.task.tid} "${ctx.task.name}" timed out after ${timeout} ms`, timeout));
      });
    }
  }

  close(): boolean {
    if (this.closed) return false;
    this.closed = true;
    for (let r = this.receivers.shift(); r !== undefined; r = this.receivers.shift()) r.ctx.resume({ done: true });
    for (let s = this.senders.shift(); s !== undefined; s = this.senders.shift()) {
      s.ctx.fail(new ChannelClosedError(this.name, s.value, "it was closed while the send waited for room"));
    }
    return true;
  }

  /**
   * Hands `value` to the longest-waiting receiver, if any. If that receiver is killed before it
   * takes the value, the value comes back here: to the next receiver, or the front of the buffer.
   */
  #handOver(value: T): boolean {
    const receiver = this.receivers.shift();
    if (receiver === undefined) return false;
    (receiver.ctx as Context<Received<T>>).resumeHandingOver({ done: false, value }, this.#putBack);
    return true;
  }

  readonly #putBack = (received: unknown): void => {
    const value = (received as { value: T }).value;
    if (!this.#handOver(value)) this.buffer.unshift(value);
  };

  #block<W extends Waiter<never>>(queue: Deque<W>, waiter: W): void {
    queue.push(waiter);
    waiter.ctx.park();
    // A killed task leaves the queue, so nothing is handed to a task that will never take it.
    waiter.ctx.signal.addEventListener("abort", () => queue.remove(waiter), { once: true });
  }
}

/** The core of a channel, for its syscalls (set in `Channel`'s static block: no public back door). */
let coreOf: <T>(channel: Channel<T>) => ChannelCore<T>;

/**
 * A bounded FIFO message queue between tasks (agent to agent), made with {@link channel}.
 * `send` blocks while the buffer is full, `receive` while it is empty; both queue their callers
 * first come, first served, so a program gives the same order on every run. Blocked callers
 * wait on other tasks, not on the outside world: a `VirtualClock` jumps past them, and a
 * program where they can never be woken ends in a `DeadlockError`. A task killed while blocked
 * leaves the queue.
 *
 * @example
 * ```ts
 * const ch = channel<number>({ capacity: 2 });
 * sched.spawn(function* producer() {
 *   for (let i = 0; i < 5; i++) yield* ch.send(i);
 *   ch.close();
 * });
 * sched.spawn(function* consumer() {
 *   for (let m = yield* ch.receive(); !m.done; m = yield* ch.receive()) console.log(m.value);
 * });
 * ```
 */
export class Channel<T> {
  readonly #core: ChannelCore<T>;

  static {
    coreOf = <T>(channel: Channel<T>) => channel.#core;
  }

  constructor(options: ChannelOptions = {}) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`channel options must be an object like { capacity: 8 }, got ${describeValue(options)}`);
    }
    const { capacity = 1, name = "channel" } = options;
    if (!(capacity === Infinity || (Number.isInteger(capacity) && capacity >= 1))) {
      throw new RangeError(`channel capacity must be an integer >= 1 (or Infinity), got ${describeValue(capacity)}`);
    }
    if (typeof name !== "string") throw new TypeError(`channel name must be a string, got ${describeValue(name)}`);
    this.#core = new ChannelCore<T>(name, capacity);
  }

  /** Shown in errors, deadlock reports, traces and audit records. */
  get name(): string {
    return this.#core.name;
  }

  /** Messages it buffers before `send` blocks. */
  get capacity(): number {
    return this.#core.capacity;
  }

  /** Messages buffered now. */
  get size(): number {
    return this.#core.buffer.size;
  }

  /** Whether {@link Channel.close} was called. */
  get closed(): boolean {
    return this.#core.closed;
  }

  /** Tasks blocked in `receive` and in `send`, in that order. */
  get waiting(): { receivers: number; senders: number } {
    return { receivers: this.#core.receivers.size, senders: this.#core.senders.size };
  }

  /**
   * A syscall that sends `value`: hands it to the longest-waiting receiver, or buffers it, or
   * blocks until there is room. Throws a {@link ChannelClosedError} if the channel is closed,
   * or is closed while the send waits. A message handed to a receiver that is killed before it
   * takes it is not lost: it goes to the next receiver, or back to the front of the buffer.
   *
   * @example
   * ```ts
   * yield* results.send({ worker: me, text });
   * ```
   */
  send(value: T): Send<T> {
    return new Send(this, value);
  }

  /**
   * A syscall that receives the oldest message, blocking until one arrives; `{ done: true }`
   * once the channel is closed and its buffer drained. With `timeout`, a `TimeoutError` is
   * thrown after that many ms of clock time.
   *
   * @example
   * ```ts
   * const msg = yield* inbox.receive({ timeout: 500 });
   * if (msg.done) return;
   * ```
   */
  receive(options: ReceiveOptions = {}): Receive<T> {
    const timeout = options?.timeout;
    if (timeout !== undefined) checkMs(timeout, `receive timeout on channel "${this.name}"`);
    return new Receive(this, timeout);
  }

  /**
   * Closes the channel: waiting receivers get `{ done: true }`, waiting senders a
   * {@link ChannelClosedError}; buffered messages can still be received. Callable from
   * anywhere, not only from tasks. Returns `false` if it was already closed.
   *
   * @example
   * ```ts
   * jobs.close(); // workers' receive loops end
   * ```
   */
  close(): boolean {
    return this.#core.close();
  }
}

/**
 * The syscall of {@link Channel.send}.
 *
 * @example
 * ```ts
 * yield* new Send(ch, "hello"); // same as yield* ch.send("hello")
 * ```
 */
export class Send<T> extends Syscall<void> {
  /** @internal */
  override readonly _kind = Kind.Trusted;
  constructor(
    readonly channel: Channel<T>,
    readonly value: T,
  ) {
    super();
  }

  override handle(ctx: SyscallContext<void>): void {
    coreOf(this.channel).send(this.value, ctx);
  }

  override describe(): SyscallDescription {
    return { name: "send", detail: `channel "${this.channel.name}"` };
  }
}

/**
 * The syscall of {@link Channel.receive}.
 *
 * @example
 * ```ts
 * const msg = yield* new Receive(ch); // same as yield* ch.receive()
 * ```
 */
export class Receive<T> extends Syscall<Received<T>> {
  /** @internal */
  override readonly _kind = Kind.Trusted;
  constructor(
    readonly channel: Channel<T>,
    readonly timeout?: number,
  ) {
    super();
  }

  override handle(ctx: SyscallContext<Received<T>>): void {
    coreOf(this.channel).receive(this.timeout, ctx);
  }

  override describe(): SyscallDescription {
    return { name: "receive", detail: `channel "${this.channel.name}"` };
  }
}

/**
 * Makes a {@link Channel}: a bounded FIFO queue whose `send` and `receive` are syscalls. A bad
 * `capacity` (0, -1, NaN, 1.5) is a `RangeError` naming it.
 *
 * @example
 * ```ts
 * const inbox = channel<{ from: number; text: string }>({ capacity: 4, name: "inbox" });
 * ```
 */
export function channel<T>(options?: ChannelOptions): Channel<T> {
  return new Channel<T>(options);
}
