/**
 * Path arithmetic for path scopes, on POSIX-style absolute paths, without `node:path` (the core
 * runs anywhere). These functions are lexical: they never look at a file system. `yieldos/node`
 * resolves symlinks before its own check; the kernel's check uses {@link lexicalResolve}.
 * @module
 */

/**
 * Whether `path` is `prefix` itself or lies under it, on segment boundaries. Both must be
 * canonical absolute paths (see {@link lexicalResolve}).
 *
 * @example
 * ```ts
 * pathCovers("/data", "/data/x");   // true
 * pathCovers("/data", "/database"); // false
 * ```
 */
export function pathCovers(prefix: string, path: string): boolean {
  if (prefix === "/") return path.startsWith("/");
  return path === prefix || (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 47 /* "/" */);
}

/**
 * The canonical form of a path scope in a capability spec, or a string saying what is wrong with
 * it: absolute, no `.`/`..` segments, no empty segments, no trailing slash (except `/` itself).
 * `..` is refused rather than folded because `/a/link/..` need not be `/a` on disk.
 */
export function canonicalScopePath(path: string): string | { problem: string } {
  if (!path.startsWith("/")) return { problem: "a path scope must be absolute (start with /)" };
  if (path.includes("\0")) return { problem: "a path scope must not contain a NUL character" };
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") return { problem: "a path scope must not contain .. segments" };
    parts.push(part);
  }
  return `/${parts.join("/")}`;
}

/** A `.` or `..` segment, a repeated slash, or a trailing slash other than `/` itself. */
const NEEDS_FOLDING = /(^|\/)\.\.?(\/|$)|\/\/|.\/$/;

/**
 * `path` made absolute against `cwd` and normalised lexically (`.`, `..`, repeated and trailing
 * slashes); `..` above the root stays at the root. `undefined` when `path` is relative and there
 * is no `cwd`, or it contains a NUL, or is empty.
 *
 * @example
 * ```ts
 * lexicalResolve("../b/./c/", "/data/a"); // "/data/b/c"
 * ```
 */
export function lexicalResolve(path: string, cwd?: string): string | undefined {
  if (path.length === 0 || path.includes("\0")) return undefined;
  if (!NEEDS_FOLDING.test(path)) {
    if (path.startsWith("/")) return path;
    if (cwd !== undefined && cwd.startsWith("/") && !NEEDS_FOLDING.test(cwd)) return cwd === "/" ? `/${path}` : `${cwd}/${path}`;
  }
  let full = path;
  if (!path.startsWith("/")) {
    if (cwd === undefined || !cwd.startsWith("/")) return undefined;
    full = `${cwd}/${path}`;
  }
  const parts: string[] = [];
  for (const part of full.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}
