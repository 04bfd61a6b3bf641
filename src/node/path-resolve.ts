import { realpath } from "node:fs/promises";

/** The longest path Linux accepts (`PATH_MAX` less the NUL), in bytes. @example `Buffer.byteLength(path) <= MAX_PATH_BYTES` */
export const MAX_PATH_BYTES = 4095;
/** The longest name of one path component (`NAME_MAX`), in bytes. @example `Buffer.byteLength(name) <= MAX_NAME_BYTES` */
export const MAX_NAME_BYTES = 255;

/** An error with a Node-style `code`, so `FsError` carries it. */
function pathError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * Throws an error (with `code` `EINVAL` or `ENAMETOOLONG`) for a path that cannot name a file:
 * not a string, empty, containing a NUL character, over {@link MAX_PATH_BYTES} bytes, or with a
 * component over {@link MAX_NAME_BYTES} bytes. Returns the path.
 *
 * @example
 * ```ts
 * checkPathText("notes\0.md"); // throws: path contains a NUL character at index 5: no file name can hold one
 * ```
 */
export function checkPathText(path: unknown, what = "path"): string {
  if (typeof path !== "string") throw pathError("EINVAL", `${what} must be a string, got ${typeof path}`);
  if (path.length === 0) throw pathError("EINVAL", `${what} is empty: name a file or directory`);
  const nul = path.indexOf("\0");
  if (nul !== -1) throw pathError("EINVAL", `${what} contains a NUL character at index ${nul}: no file name can hold one`);
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_PATH_BYTES) throw pathError("ENAMETOOLONG", `${what} is ${bytes} bytes long, over the ${MAX_PATH_BYTES}-byte limit`);
  for (const part of path.split("/")) {
    const n = Buffer.byteLength(part);
    if (n > MAX_NAME_BYTES) {
      throw pathError("ENAMETOOLONG", `${what} has a component of ${n} bytes ("${part.slice(0, 16)}..."), over the ${MAX_NAME_BYTES}-byte limit`);
    }
  }
  return path;
}

function code(error: unknown): unknown {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** `/` + parts, without any lexical folding of `..` (realpath folds it physically). */
function joinRaw(parts: readonly string[]): string {
  return `/${parts.join("/")}`;
}

/**
 * The real path of `parts`, or of its deepest existing ancestor followed by the missing
 * components. A missing component followed by `..` is refused: what `..` means depends on a
 * directory that does not exist yet.
 */
async function resolveParts(parts: readonly string[]): Promise<string> {
  for (let n = parts.length; n >= 0; n--) {
    let real: string;
    try {
      real = await realpath(joinRaw(parts.slice(0, n)));
    } catch (error) {
      if (code(error) === "ENOENT" && n > 0) continue;
      throw error;
    }
    const rest = parts.slice(n);
    if (rest.includes("..")) {
      throw pathError("ENOENT", `cannot resolve ".." below "${parts[n]}", which does not exist in ${real}`);
    }
    return rest.length === 0 ? real : `${real === "/" ? "" : real}/${rest.join("/")}`;
  }
  /* c8 ignore next */
  throw pathError("ENOENT", "no ancestor of the path exists");
}

/**
 * Options of {@link resolveForCheck}.
 *
 * @example
 * ```ts
 * await resolveForCheck("old-link", cwd, { followLast: false }); // the link itself, as rm sees it
 * ```
 */
export interface ResolveOptions {
  /**
   * Whether a symlink as the last component is followed (default `true`). Ops that replace or
   * remove the entry itself (an atomic write's rename, `rm`) pass `false`: their last component is
   * not followed, only its parent directory is resolved.
   */
  followLast?: boolean;
}

/**
 * The path a capability check must look at: `path` made absolute against `cwd`, with every
 * symlink followed (`realpath`) and `..` taken physically, as the kernel would. For a path that
 * does not exist yet (a file being created), the deepest existing ancestor is resolved and the
 * missing components appended; `..` among those is refused. The result is absolute, has no `.`,
 * `..`, repeated or trailing slashes, and is what the fs handlers then open.
 *
 * Fails with `code` `EINVAL` (empty path, NUL), `ENAMETOOLONG`, `ENOENT` (`..` below a missing
 * directory) or the error of `realpath` (`ELOOP`, `EACCES`, `ENOTDIR`).
 *
 * @example
 * ```ts
 * // /data/in/latest -> /data/in/2024
 * await resolveForCheck("latest/report.md", "/data/in");   // "/data/in/2024/report.md"
 * await resolveForCheck("../in/./new/x.md", "/data/out");  // "/data/in/new/x.md" (new/ missing)
 * ```
 */
export async function resolveForCheck(path: string, cwd: string, options: ResolveOptions = {}): Promise<string> {
  checkPathText(path);
  let full = path;
  if (!path.startsWith("/")) {
    checkPathText(cwd, "working directory");
    if (!cwd.startsWith("/")) throw pathError("EINVAL", `working directory must be absolute, got ${JSON.stringify(cwd)}`);
    full = `${cwd}/${path}`;
    checkPathText(full);
  }
  const parts = full.split("/").filter((p) => p !== "" && p !== ".");
  const last = parts.at(-1);
  if (options.followLast === false && last !== undefined && last !== "..") {
    const parent = await resolveParts(parts.slice(0, -1));
    return `${parent === "/" ? "" : parent}/${last}`;
  }
  return resolveParts(parts);
}
