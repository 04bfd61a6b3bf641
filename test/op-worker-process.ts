/**
 * Op-worker child processes (test/fixtures/op-worker.ts) for the BullMQ tests and the cluster
 * example: each bounded in time, all killed by `stopAll()`.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { killGroup, startWorkerProcess, type WorkerProcess } from "./worker-process.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/op-worker.ts", import.meta.url));
const live = new Set<ChildProcess>();

export interface OpWorkerProcessOptions {
  port: number;
  queuePrefix: string;
  name: string;
  log: string;
  concurrency?: number;
  /** Killed with SIGKILL after this many ms whatever happens. Default 60 000. */
  maxLifeMs?: number;
}

export type OpWorkerProcess = WorkerProcess;

/** Starts an op-worker process and resolves once it prints "ready" (within 15 s). */
export function startOpWorker(options: OpWorkerProcessOptions): Promise<OpWorkerProcess> {
  const env = {
    REDIS_PORT: String(options.port),
    QUEUE_PREFIX: options.queuePrefix,
    NAME: options.name,
    LOG: options.log,
    CONCURRENCY: String(options.concurrency ?? 4),
  };
  return startWorkerProcess({ fixture: FIXTURE, kind: "op worker", name: options.name, env, maxLifeMs: options.maxLifeMs ?? 60_000, readyMs: 15_000 }, live);
}

/** SIGKILLs every op-worker process still alive. */
export function stopAll(): Promise<void> {
  return killGroup(live);
}

/** The lines of a worker process's log (op or workflow worker), split into fields; none while it has no file. */
export function logEvents(log: string): string[][] {
  let text = "";
  try {
    text = readFileSync(log, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").filter(Boolean).map((line) => line.split(" "));
}
