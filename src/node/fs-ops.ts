import type { Dirent, Stats } from "node:fs";
import { describeValue } from "../errors.js";
import type { TypedOp } from "../io/types.js";

/**
 * A file-system op of `yieldos/node`: a plain ring op whose type carries its result type, so
 * `yield* submitIO(op)` is typed. Build them with {@link fsOps}; serve them with
 * `registerFs(ring)` or `fsHandlers()`.
 *
 * @example
 * ```ts
 * const op: FsOp<string> = fsOps.readFile("notes.txt", "utf8");
 * op.type; // "fs.readFile"
 * ```
 */
export interface FsOp<R = unknown> extends TypedOp<R> {
  type: FsOpType;
  /** The file or directory the op works on. */
  path: string;
}

/**
 * The op types `yieldos/node` registers, one handler each.
 *
 * @example
 * ```ts
 * const type: FsOpType = "fs.readFile";
 * ```
 */
export type FsOpType = "fs.readFile" | "fs.writeFile" | "fs.appendFile" | "fs.stat" | "fs.readdir" | "fs.mkdir" | "fs.rm";

/** Reads a whole file: a `string` with an encoding, else a `Buffer`. @example `fsOps.readFile("a.txt", "utf8")` */
export interface ReadFileOp<R = string | Buffer> extends FsOp<R> {
  type: "fs.readFile";
  encoding?: BufferEncoding;
}

/** Replaces a file atomically (temp file in the same directory, then rename). @example `fsOps.writeFile("a.txt", "hi")` */
export interface WriteFileOp extends FsOp<void> {
  type: "fs.writeFile";
  data: string | Uint8Array;
  encoding?: BufferEncoding;
  /** Mode of a new file (before umask); an existing file keeps its mode unless this is given. */
  mode?: number;
}

/** Appends to a file, creating it if missing. @example `fsOps.appendFile("log.txt", "line\n")` */
export interface AppendFileOp extends FsOp<void> {
  type: "fs.appendFile";
  data: string | Uint8Array;
  encoding?: BufferEncoding;
}

/** Node's `Stats` of a path (following symlinks). @example `fsOps.stat("a.txt")` */
export interface StatOp extends FsOp<Stats> {
  type: "fs.stat";
}

/** A directory's entry names, or `Dirent`s with `withFileTypes`. @example `fsOps.readdir(".")` */
export interface ReaddirOp<R = string[] | Dirent[]> extends FsOp<R> {
  type: "fs.readdir";
  withFileTypes?: boolean;
}

/** Creates a directory and its missing parents (`mkdir -p`); the result is the first directory created, if any. @example `fsOps.mkdir("a/b/c")` */
export interface MkdirOp extends FsOp<string | undefined> {
  type: "fs.mkdir";
  mode?: number;
}

/** Removes a file, or a directory tree with `recursive`; `force` ignores a missing path. @example `fsOps.rm("build", { recursive: true, force: true })` */
export interface RmOp extends FsOp<void> {
  type: "fs.rm";
  recursive?: boolean;
  force?: boolean;
}

function checkPath(op: string, path: unknown): string {
  if (typeof path !== "string" || path.length === 0) {
    throw new TypeError(`fsOps.${op} expects a non-empty path string, got ${describeValue(path)}`);
  }
  return path;
}

function checkData(op: string, data: unknown): string | Uint8Array {
  if (typeof data !== "string" && !(data instanceof Uint8Array)) {
    throw new TypeError(`fsOps.${op} expects data as a string or Uint8Array, got ${describeValue(data)}`);
  }
  return data;
}

function readFile(path: string): ReadFileOp<Buffer>;
function readFile(path: string, encoding: BufferEncoding): ReadFileOp<string>;
function readFile(path: string, encoding?: BufferEncoding): ReadFileOp {
  return { type: "fs.readFile", path: checkPath("readFile", path), encoding };
}

function writeFile(path: string, data: string | Uint8Array, options?: { encoding?: BufferEncoding; mode?: number }): WriteFileOp {
  return { type: "fs.writeFile", path: checkPath("writeFile", path), data: checkData("writeFile", data), encoding: options?.encoding, mode: options?.mode };
}

function appendFile(path: string, data: string | Uint8Array, options?: { encoding?: BufferEncoding }): AppendFileOp {
  return { type: "fs.appendFile", path: checkPath("appendFile", path), data: checkData("appendFile", data), encoding: options?.encoding };
}

function stat(path: string): StatOp {
  return { type: "fs.stat", path: checkPath("stat", path) };
}

function readdir(path: string): ReaddirOp<string[]>;
function readdir(path: string, options: { withFileTypes: true }): ReaddirOp<Dirent[]>;
function readdir(path: string, options?: { withFileTypes?: boolean }): ReaddirOp {
  return { type: "fs.readdir", path: checkPath("readdir", path), withFileTypes: options?.withFileTypes === true };
}

function mkdir(path: string, options?: { mode?: number }): MkdirOp {
  return { type: "fs.mkdir", path: checkPath("mkdir", path), mode: options?.mode };
}

function rm(path: string, options?: { recursive?: boolean; force?: boolean }): RmOp {
  return { type: "fs.rm", path: checkPath("rm", path), recursive: options?.recursive === true, force: options?.force === true };
}

/**
 * Typed constructors of the file-system ops. Each returns a plain op object for `submitIO` (or
 * `ring.submit`), whose type carries the op's result; a bad path or data throws a `TypeError`
 * naming the value here, before anything is submitted.
 *
 * | constructor | result |
 * | --- | --- |
 * | `readFile(path)` / `readFile(path, encoding)` | `Buffer` / `string` |
 * | `writeFile(path, data, { encoding?, mode? })` | `void`; atomic: temp file, then rename |
 * | `appendFile(path, data, { encoding? })` | `void` |
 * | `stat(path)` | `Stats` |
 * | `readdir(path)` / `readdir(path, { withFileTypes: true })` | `string[]` / `Dirent[]` |
 * | `mkdir(path, { mode? })` | `string \| undefined`: recursive, like `mkdir -p` |
 * | `rm(path, { recursive?, force? })` | `void` |
 *
 * @example
 * ```ts
 * import { Scheduler, submitIO } from "yieldos";
 * import { fsOps, registerFs } from "yieldos/node";
 *
 * const sched = new Scheduler();
 * registerFs(sched);
 * sched.spawn(function* () {
 *   yield* submitIO(fsOps.mkdir("out/logs"));
 *   const [config, info] = yield* submitIO([fsOps.readFile("config.json", "utf8"), fsOps.stat("config.json")]);
 *   yield* submitIO(fsOps.writeFile("out/config.copy.json", config)); // config: string
 *   return info.size;                                                 // info: Stats
 * });
 * await sched.run();
 * ```
 */
export const fsOps = { readFile, writeFile, appendFile, stat, readdir, mkdir, rm } as const;
