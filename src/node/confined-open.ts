import { constants } from "node:fs";
import { type FileHandle, open, readlink, realpath, stat } from "node:fs/promises";

/** Whether `/proc/self/fd` can name open files (Linux); probed once. */
let procFd: Promise<boolean> | undefined;

function hasProcFd(): Promise<boolean> {
  procFd ??= readlink("/proc/self/fd/0").then(
    () => true,
    () => false,
  );
  return procFd;
}

/**
 * Where the file behind `fh` really is, asked of the kernel after the open: the target of
 * `/proc/self/fd/N` on Linux. Elsewhere, `realpath(opened)` again, trusted only if it is the
 * same file (device and inode) as the one open.
 */
export async function openedPath(fh: FileHandle, opened: string): Promise<string> {
  if (await hasProcFd()) {
    const target = await readlink(`/proc/self/fd/${fh.fd}`);
    return target.endsWith(" (deleted)") ? target.slice(0, -" (deleted)".length) : target;
  }
  const [now, real] = [await fh.stat(), await realpath(opened)];
  const there = await stat(real);
  if (there.dev !== now.dev || there.ino !== now.ino) {
    throw Object.assign(new Error(`${opened} changed while it was being opened`), { code: "ESTALE" });
  }
  return real;
}

/** A path that reaches the directory open as `fh`, for calls Node only offers by path (readdir). */
export async function pathOfHandle(fh: FileHandle, fallback: string): Promise<string> {
  return (await hasProcFd()) ? `/proc/self/fd/${fh.fd}` : fallback;
}

/**
 * Opens `path` (already resolved and checked) without following a symlink as its last component
 * (`O_NOFOLLOW`: a symlink swapped in after the check fails the open with `ELOOP`), then asks
 * where the opened file really is and passes that to `verify`, which throws to refuse it (a
 * directory on the way was swapped for a symlink). The handle is closed on any failure.
 */
export async function openVerified(path: string, flags: number, mode: number | undefined, verify: (real: string) => void): Promise<FileHandle> {
  const fh = await open(path, flags | constants.O_NOFOLLOW, mode);
  try {
    verify(await openedPath(fh, path));
    return fh;
  } catch (error) {
    await fh.close().catch(() => {});
    throw error;
  }
}
