import { randomBytes } from "node:crypto";
import { chmod, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  encoding?: BufferEncoding;
  /** Mode of the new file (before umask). Default: the replaced file's mode, else 0o666. */
  mode?: number;
  signal?: AbortSignal;
}

/** Temp files are dot files next to the target, so the rename stays on one file system. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
}

/**
 * Replaces `path` with `data` so that readers see the old content or the new, never a part:
 * the data goes to a temp file in the same directory, which is then renamed over `path` (atomic
 * on POSIX file systems). On any failure, or an abort before the rename, the temp file is removed
 * and `path` is left as it was. No fsync: atomic against other processes, not against power loss.
 * A symlink at `path` is replaced by the file, not written through.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const { encoding, signal } = options;
  let mode = options.mode;
  let keepMode: number | undefined;
  if (mode === undefined) {
    // A plain writeFile keeps the mode of the file it overwrites; a rename would not, so copy it.
    keepMode = await stat(path).then(
      (s) => (s.isFile() ? s.mode & 0o7777 : undefined),
      () => undefined,
    );
  }
  const temp = tempPathFor(path);
  try {
    await writeFile(temp, data, { encoding, mode, flag: "wx", signal });
    if (keepMode !== undefined) await chmod(temp, keepMode);
    signal?.throwIfAborted();
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}
