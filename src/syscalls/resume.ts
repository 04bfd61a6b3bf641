import { Kind, Syscall } from "./syscall.js";

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
}

/** Returns a {@link Resume} syscall. @example `yield* resume(kid);` */
export function resume(tid: number): Resume {
  return new Resume(tid);
}
