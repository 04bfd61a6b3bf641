import { createWriteStream } from "node:fs";
import { AuditLog, type AuditOptions, type AuditRecord } from "../agent/audit.js";
import { describeValue } from "../errors.js";
import type { Scheduler } from "../kernel/scheduler.js";

/**
 * What {@link auditToJsonl} returns: the audit log it feeds, and how to finish the file.
 *
 * @example
 * ```ts
 * const sink = auditToJsonl(sched, "audit.jsonl");
 * await sched.run();
 * await sink.close();
 * console.log(`${sink.written} records in ${sink.path}`);
 * ```
 */
export interface JsonlAuditSink {
  readonly path: string;
  /** The audit log whose records are written (it keeps none in memory unless `keep` was given). */
  readonly log: AuditLog;
  /** Records written so far. */
  readonly written: number;
  /** Stops auditing, flushes and closes the file; rejects with the first write error, if any. */
  close(): Promise<void>;
}

/**
 * Appends every audit record of `sched` to the file at `path` as one JSON object per line
 * (JSONL), creating the file if needed. Attach it before `run()`, and `close()` it when done.
 * Records are written in the order their syscalls completed.
 *
 * @example
 * ```ts
 * import { auditToJsonl } from "yieldos/node";
 * const sink = auditToJsonl(sched, "logs/agent-audit.jsonl");
 * await sched.run();
 * await sink.close();
 * // {"time":0,"tid":1,"task":"planner","action":"llm","target":"gpt-4o-mini","outcome":"ok","durationMs":120}
 * ```
 */
export function auditToJsonl(sched: Scheduler, path: string, options: Omit<AuditOptions, "onRecord"> = {}): JsonlAuditSink {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(`auditToJsonl expects a file path, got ${describeValue(path)}`);
  }
  const stream = createWriteStream(path, { flags: "a", encoding: "utf8" });
  let failure: unknown = null;
  let written = 0;
  stream.on("error", (error) => {
    failure ??= error;
  });
  const log = new AuditLog(sched, {
    keep: options.keep ?? 0,
    onRecord: (record: AuditRecord) => {
      if (failure !== null) return;
      stream.write(`${JSON.stringify(record)}\n`);
      written++;
    },
  });
  let closing: Promise<void> | null = null;
  return {
    path,
    log,
    get written() {
      return written;
    },
    close() {
      log.stop();
      closing ??= new Promise<void>((resolve, reject) => {
        const finish = () => (failure === null ? resolve() : reject(failure));
        // "close" follows both a clean finish and a write error (streams auto-destroy).
        if (stream.closed) finish();
        else {
          stream.once("close", finish);
          stream.end();
        }
      });
      return closing;
    },
  };
}
