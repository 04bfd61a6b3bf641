import { Kind, Syscall } from "./syscall.js";

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
}

/** Returns a {@link GetTid} syscall. @example `const me = yield* getTid();` */
export function getTid(): GetTid {
  return new GetTid();
}
