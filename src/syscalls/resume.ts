import { describeValue } from "../checks.js";
import { Kind, Syscall, type SyscallDescription } from "./syscall.js";

/**
 * Resumes a task paused with {@link Pause} (Agent-libOS `SIGCONT`). Returns `true` if it was
 * paused, `false` otherwise.
 *
 * @example
 * ```ts
 * yield* resume(worker);
 * ```
 */
export class Resume extends Syscall<boolean> {
  /** @internal */
  override readonly _kind = Kind.Resume;
  constructor(readonly tid: number) {
    super();
  }

  override describe(): SyscallDescription {
    return { name: "resume", detail: typeof this.tid === "number" ? `#${this.tid}` : describeValue(this.tid) };
  }
}

/** Returns a {@link Resume} syscall. @example `yield* resume(kid);` */
export function resume(tid: number): Resume {
  return new Resume(tid);
}
