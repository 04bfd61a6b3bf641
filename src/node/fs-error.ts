/**
 * A file-system op failed. It keeps Node's `code` (`ENOENT`, `EACCES`, ...), `errno` and
 * `syscall`, names the op and the path in its message, and has Node's error as its `cause`.
 *
 * @example
 * ```ts
 * try {
 *   yield* submitIO(fsOps.readFile("missing.txt", "utf8"));
 * } catch (e) {
 *   if (e instanceof FsError && e.code === "ENOENT") console.log(e.message);
 *   // fs.readFile "missing.txt" failed: ENOENT: no such file or directory, open 'missing.txt'
 * }
 * ```
 */
export class FsError extends Error {
  override name = "FsError";
  /** Node's error code, e.g. `"ENOENT"`; `undefined` if the failure had none. */
  readonly code: string | undefined;
  readonly errno: number | undefined;
  /** The system call that failed, e.g. `"open"`, `"rename"`. */
  readonly syscall: string | undefined;

  constructor(
    /** The op type, e.g. `"fs.readFile"`. */
    readonly op: string,
    /** The path the op was given. */
    readonly path: string,
    cause: unknown,
  ) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`${op} ${JSON.stringify(path)} failed: ${detail}`, { cause });
    const node = (typeof cause === "object" && cause !== null ? cause : {}) as NodeJS.ErrnoException;
    this.code = typeof node.code === "string" ? node.code : undefined;
    this.errno = typeof node.errno === "number" ? node.errno : undefined;
    this.syscall = typeof node.syscall === "string" ? node.syscall : undefined;
  }
}
