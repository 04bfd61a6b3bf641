import { appendFile, mkdir, readFile, readdir, rm, stat } from "node:fs/promises";
import type { IoRing } from "../io/io-ring.js";
import type { IoHandler, IoRequest } from "../io/types.js";
import { CapabilityDeniedError } from "../errors.js";
import { confinementOf } from "../caps/confinement.js";
import { writeFileAtomic } from "./atomic-write.js";
import { runConfined } from "./confined-fs.js";
import { FsError } from "./fs-error.js";
import type { AppendFileOp, FsOp, FsOpType, MkdirOp, ReadFileOp, ReaddirOp, RmOp, StatOp, WriteFileOp } from "./fs-ops.js";

type Run<Op extends FsOp> = (r: IoRequest<Op>) => Promise<unknown>;

/**
 * One handler per op type. The ops of a batch run concurrently (the ring's `cqEntries` bounds how
 * many); each settles its own request, failing with an {@link FsError}. Only readFile and writeFile
 * can be interrupted (through `request.signal`); the other ops run to their end when cancelled, and
 * their late outcome is ignored by the ring.
 *
 * An op that carries a confinement (a restricted task's, see `admitOp`) goes through
 * `runConfined` instead: its path is resolved and checked against the task's capabilities, and a
 * refusal fails it with the `CapabilityDeniedError` itself, not wrapped in an `FsError`.
 */
function handler<Op extends FsOp>(run: Run<Op>): IoHandler<Op> {
  return (requests) => {
    for (const r of requests) {
      if (r.settled) continue;
      let pending: Promise<unknown>;
      try {
        if (typeof r.op.path !== "string") throw new TypeError(`expected a path string, got ${typeof r.op.path}`);
        const confinement = confinementOf(r.op);
        pending = confinement === undefined ? run(r) : runConfined(r, confinement);
      } catch (error) {
        r.fail(new FsError(r.op.type, String(r.op.path), error));
        continue;
      }
      pending.then(
        (value) => r.complete(value),
        (error) => r.fail(error instanceof CapabilityDeniedError ? error : new FsError(r.op.type, r.op.path, error)),
      );
    }
  };
}

const runners: Record<FsOpType, IoHandler> = {
  "fs.readFile": handler<ReadFileOp>((r) => readFile(r.op.path, { encoding: r.op.encoding ?? null, signal: r.signal })),
  "fs.writeFile": handler<WriteFileOp>((r) =>
    writeFileAtomic(r.op.path, r.op.data, { encoding: r.op.encoding, mode: r.op.mode, signal: r.signal }),
  ),
  "fs.appendFile": handler<AppendFileOp>((r) => appendFile(r.op.path, r.op.data, { encoding: r.op.encoding })),
  "fs.stat": handler<StatOp>((r) => stat(r.op.path)),
  "fs.readdir": handler<ReaddirOp>((r) =>
    r.op.withFileTypes === true ? readdir(r.op.path, { withFileTypes: true }) : readdir(r.op.path),
  ),
  "fs.mkdir": handler<MkdirOp>((r) => mkdir(r.op.path, { recursive: true, mode: r.op.mode })),
  "fs.rm": handler<RmOp>((r) => rm(r.op.path, { recursive: r.op.recursive === true, force: r.op.force === true })),
};

/**
 * The handlers of the file-system ops, by op type (`"fs.readFile"`, `"fs.writeFile"`, ...), as a
 * fresh object for `new IoRing({ handlers })`. To add them to an existing ring or a scheduler's,
 * use {@link registerFs}.
 *
 * @example
 * ```ts
 * import { IoRing } from "yieldos";
 * import { fsHandlers, fsOps } from "yieldos/node";
 *
 * const ring = new IoRing({ handlers: { ...fsHandlers(), llm: llmHandler } });
 * ring.submit(fsOps.readFile("prompt.txt", "utf8"), { userData: "prompt" });
 * ring.enter();
 * await ring.wait();
 * const [c] = ring.reap(); // c.value: the file's text
 * ```
 */
export function fsHandlers(): Record<FsOpType, IoHandler> {
  return { ...runners };
}

/**
 * Registers the file-system handlers on `target`: an `IoRing`, or anything with a `ring` (a
 * `Scheduler`). Returns the ring. Throws, as `ring.register` does, if one of the `fs.*` types
 * already has a handler there.
 *
 * @example
 * ```ts
 * import { Scheduler, submitIO } from "yieldos";
 * import { fsOps, registerFs } from "yieldos/node";
 *
 * const sched = new Scheduler();
 * registerFs(sched);
 * sched.spawn(function* () {
 *   const text = yield* submitIO(fsOps.readFile("README.md", "utf8")); // string
 *   yield* submitIO(fsOps.writeFile("README.copy.md", text));
 * });
 * await sched.run();
 * ```
 */
export function registerFs(target: IoRing | { readonly ring: IoRing }): IoRing {
  // Duck-typed, not `instanceof`: the CommonJS build of yieldos/node has its own copy of the core.
  const ring = "ring" in target ? target.ring : target;
  for (const [type, h] of Object.entries(runners)) ring.register(type, h);
  return ring;
}
