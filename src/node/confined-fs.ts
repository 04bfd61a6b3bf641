import { constants, type Dirent } from "node:fs";
import { lstat, mkdir, readdir, realpath, rename, rm, stat, unlink } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { CapabilityDeniedError } from "../errors.js";
import type { Confinement } from "../caps/confinement.js";
import type { IoRequest } from "../io/types.js";
import { tempPathFor } from "./atomic-write.js";
import { openVerified, pathOfHandle } from "./confined-open.js";
import type { AppendFileOp, FsOp, MkdirOp, ReadFileOp, ReaddirOp, RmOp, StatOp, WriteFileOp } from "./fs-ops.js";
import { resolveForCheck } from "./path-resolve.js";

const { O_RDONLY, O_WRONLY, O_APPEND, O_CREAT, O_EXCL, O_DIRECTORY, O_NONBLOCK } = constants;

/** The checks of one confined op: resolve its path, then allow or refuse paths against its caps. */
class Check {
  readonly #op: FsOp;
  readonly #confinement: Confinement;

  constructor(op: FsOp, confinement: Confinement) {
    this.#op = op;
    this.#confinement = confinement;
  }

  /** Resolves the op's path (see `resolveForCheck`), checks it, and records it for re-checks. */
  async resolve(followLast = true): Promise<string> {
    const path = await resolveForCheck(this.#op.path, this.#confinement.cwd ?? process.cwd(), { followLast });
    this.allow(path);
    this.#confinement.resolved = path;
    return path;
  }

  /** Throws a `CapabilityDeniedError` unless the task's caps allow this op on `path`. */
  allow(path: string): void {
    const caps = this.#confinement.caps;
    if (caps === null || caps.allows(this.#op.type, path)) return;
    throw new CapabilityDeniedError({
      tid: this.#confinement.tid,
      taskName: this.#confinement.name,
      action: this.#op.type,
      target: path,
      capability: `${this.#op.type}:${path}`,
      held: caps.describe(),
    });
  }

  /**
   * Fails unless `path` still resolves to itself, i.e. nothing on the way was swapped for a
   * symlink since the check: with a `CapabilityDeniedError` if it now leads outside the grant.
   */
  async unchanged(path: string): Promise<void> {
    const now = await realpath(path);
    if (now === path) return;
    this.allow(now);
    throw Object.assign(new Error(`${path} now resolves to ${now}`), { code: "ESTALE" });
  }
}

async function readFileOp(r: IoRequest<ReadFileOp>, k: Check): Promise<unknown> {
  const path = await k.resolve();
  const fh = await openVerified(path, O_RDONLY, undefined, (real) => k.allow(real));
  try {
    return await fh.readFile({ encoding: r.op.encoding ?? null, signal: r.signal });
  } finally {
    await fh.close();
  }
}

async function statOp(_r: IoRequest<StatOp>, k: Check): Promise<unknown> {
  const path = await k.resolve();
  let fh;
  try {
    fh = await openVerified(path, O_RDONLY | O_NONBLOCK, undefined, (real) => k.allow(real));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EACCES") throw error;
    // Unreadable: stat by path, then make sure the path still leads where it was checked.
    const info = await stat(path);
    await k.unchanged(path);
    return info;
  }
  try {
    return await fh.stat();
  } finally {
    await fh.close();
  }
}

async function readdirOp(r: IoRequest<ReaddirOp>, k: Check): Promise<unknown> {
  const path = await k.resolve();
  const fh = await openVerified(path, O_RDONLY | O_DIRECTORY, undefined, (real) => k.allow(real));
  try {
    const via = await pathOfHandle(fh, path);
    if (r.op.withFileTypes !== true) return await readdir(via);
    const entries: Dirent[] = await readdir(via, { withFileTypes: true });
    // Listed through /proc/self/fd/N: show the entries under the path the task asked about.
    for (const e of entries) Object.assign(e, { path, parentPath: path });
    return entries;
  } finally {
    await fh.close();
  }
}

async function writeFileOp(r: IoRequest<WriteFileOp>, k: Check): Promise<unknown> {
  // The rename replaces the entry itself, so a symlink at `path` is replaced, not written through.
  const path = await k.resolve(false);
  const dir = dirname(path);
  const { data, encoding } = r.op;
  let mode = r.op.mode;
  // lstat: a symlink being replaced says nothing about the mode, and its target may lie outside.
  const keepMode = mode === undefined ? await lstat(path).then((s) => (s.isFile() ? s.mode & 0o7777 : undefined), () => undefined) : undefined;
  mode ??= 0o666;
  const temp = tempPathFor(path);
  // Where the temp file really is, once created: removed from there on failure, even if the
  // directory on the way has been swapped since.
  let created: string | undefined;
  try {
    const fh = await openVerified(temp, O_WRONLY | O_CREAT | O_EXCL, mode, (real) => {
      created = real;
      if (dirname(real) !== dir) k.allow(`${dirname(real)}/${basename(path)}`);
    });
    try {
      await fh.writeFile(data, { encoding, signal: r.signal });
      if (keepMode !== undefined) await fh.chmod(keepMode);
    } finally {
      await fh.close();
    }
    r.signal.throwIfAborted();
    await k.unchanged(dir);
    await rename(temp, path);
    created = undefined;
  } finally {
    if (created !== undefined) await rm(created, { force: true }).catch(() => {});
  }
  return undefined;
}

async function appendFileOp(r: IoRequest<AppendFileOp>, k: Check): Promise<unknown> {
  const path = await k.resolve();
  let fh;
  try {
    fh = await openVerified(path, O_WRONLY | O_APPEND, undefined, (real) => k.allow(real));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    // Create it, and if the created file turns out to be outside the grant, remove it again.
    let outside: string | undefined;
    fh = await openVerified(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL, 0o666, (real) => {
      outside = real;
      k.allow(real);
      outside = undefined;
    }).catch(async (e: unknown) => {
      if (outside !== undefined) await unlink(outside).catch(() => {});
      throw e;
    });
  }
  try {
    await fh.appendFile(r.op.data, { encoding: r.op.encoding });
  } finally {
    await fh.close();
  }
  return undefined;
}

async function mkdirOp(r: IoRequest<MkdirOp>, k: Check): Promise<unknown> {
  const path = await k.resolve();
  const first = await mkdir(path, { recursive: true, mode: r.op.mode });
  k.allow(await realpath(path));
  return first;
}

async function rmOp(r: IoRequest<RmOp>, k: Check): Promise<unknown> {
  // rm removes the entry itself: a symlink is removed, never the file it points to.
  const path = await k.resolve(false);
  await k.unchanged(dirname(path)).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT" || r.op.force !== true) throw error;
  });
  await rm(path, { recursive: r.op.recursive === true, force: r.op.force === true });
  return undefined;
}

type Runner = (r: IoRequest<any>, k: Check) => Promise<unknown>;

const runners: Record<string, Runner> = {
  "fs.readFile": readFileOp,
  "fs.stat": statOp,
  "fs.readdir": readdirOp,
  "fs.writeFile": writeFileOp,
  "fs.appendFile": appendFileOp,
  "fs.mkdir": mkdirOp,
  "fs.rm": rmOp,
};

/**
 * Runs an fs op that carries a confinement: resolves its path (relative to the task's working
 * directory, symlinks followed), refuses it with a `CapabilityDeniedError` unless the task's caps
 * allow the op on the resolved path, and works on the resolved path, re-checking after the open
 * where the file really is. Unreachable for ops without a confinement.
 */
export function runConfined(r: IoRequest<FsOp>, confinement: Confinement): Promise<unknown> {
  const run = runners[r.op.type];
  if (run === undefined) return Promise.reject(new TypeError(`no confined runner for op type ${JSON.stringify(r.op.type)}`));
  return run(r, new Check(r.op, confinement));
}
