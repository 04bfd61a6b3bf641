import type { Kernel } from "../kernel/kernel.js";
import { Dispatched } from "../kernel/dispatched.js";
import type { Task } from "../kernel/task.js";
import { Kind, Syscall, type SyscallDescription } from "./syscall.js";

/**
 * Returns the calling task's tid.
 *
 * @example
 * ```ts
 * const me = yield* getTid(); // number
 * const same = yield new GetTid(); // PyOS form, untyped
 * ```
 */
export class GetTid extends Syscall<number> {
  /** @internal */
  override readonly _kind = Kind.GetTid;

  override describe(): SyscallDescription {
    return { name: "getTid", detail: "" };
  }
}

/** @internal The kernel's handling of {@link GetTid}. */
export function runGetTid(k: Kernel, task: Task): Dispatched {
  return k.answer(task, true, task.tid);
}

/** Returns a {@link GetTid} syscall. @example `const me = yield* getTid();` */
export function getTid(): GetTid {
  return new GetTid();
}
