import type { CapabilitySpec } from "../caps/cap-spec.js";
import { describeValue } from "../checks.js";
import type { Dispatched } from "../kernel/dispatched.js";
import type { Kernel } from "../kernel/kernel.js";
import type { Task } from "../kernel/task.js";
import { Kind, Syscall, type SyscallDescription } from "./syscall.js";

/**
 * Removes capability `cap` from task `tid` and all its live descendants; their ops in flight
 * that it no longer allows are cancelled. Returns `true` if the task was alive. A malformed
 * `cap` throws a `TypeError` into the caller, naming it.
 *
 * @example
 * ```ts
 * yield* revoke(researcher, "fs.write:/data/out");
 * ```
 */
export class Revoke extends Syscall<boolean> {
  /** @internal */
  override readonly _kind = Kind.Revoke;
  constructor(
    readonly tid: number,
    readonly cap: CapabilitySpec,
  ) {
    super();
  }

  override describe(): SyscallDescription {
    return { name: "revoke", detail: `#${String(this.tid)} ${typeof this.cap === "string" ? this.cap : describeValue(this.cap)}` };
  }
}

/** Returns a {@link Revoke} syscall. @example `yield* revoke(kid, "llm");` */
export function revoke(tid: number, cap: CapabilitySpec): Revoke {
  return new Revoke(tid, cap);
}

/** @internal The kernel's handling of {@link Revoke}. */
export function runRevoke(k: Kernel, task: Task, syscall: Revoke): Dispatched {
  const tid = syscall.tid;
  if (typeof tid !== "number" || !Number.isInteger(tid)) {
    return k.answer(task, false, new TypeError(`revoke(tid, cap) expects an integer tid, got ${describeValue(tid)}`));
  }
  try {
    return k.answer(task, true, k.revoke(k.tasks.get(tid), syscall.cap));
  } catch (error) {
    return k.answer(task, false, error);
  }
}
