import { Syscall, type SyscallContext } from "../syscalls/syscall.js";
import type { Channel, Received } from "./channel.js";

/**
 * The syscall of {@link Channel.send}.
 *
 * @example
 * ```ts
 * yield* new Send(ch, "hello"); // same as yield* ch.send("hello")
 * ```
 */
export class Send<T> extends Syscall<void> {
  constructor(
    readonly channel: Channel<T>,
    readonly value: T,
  ) {
    super();
  }

  override handle(ctx: SyscallContext<void>): void {
    this.channel._send(this.value, ctx);
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
  constructor(
    readonly channel: Channel<T>,
    readonly timeout?: number,
  ) {
    super();
  }

  override handle(ctx: SyscallContext<Received<T>>): void {
    this.channel._receive(this.timeout, ctx);
  }
}
