/**
 * Workflow-worker child processes (test/fixtures/workflow-worker.ts) for the distributed-workflow
 * tests and benchmark: each bounded in time, all killed by `stopWorkflowWorkers()`.
 */
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { killGroup, startWorkerProcess, type WorkerProcess } from "./worker-process.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/workflow-worker.ts", import.meta.url));
const live = new Set<ChildProcess>();

export interface WorkflowWorkerProcessOptions {
  port: number;
  /** The workflow queue. */
  queue: string;
  /** The op queues' prefix (op workers must use the same). */
  opPrefix: string;
  name: string;
  log: string;
  /** Workflows hosted at once. Default 50. */
  concurrency?: number;
  /** Gets the process's stderr as it comes (before "ready" too). */
  onStderr?: (text: string) => void;
  /** Extra environment (LOG_WRITES, LOCK_MS, STALLED_MS). */
  env?: Record<string, string>;
  /** Killed with SIGKILL after this many ms whatever happens. Default 120 000. */
  maxLifeMs?: number;
}

export type WorkflowWorkerProcess = WorkerProcess;

/** Starts a workflow-worker process and resolves once it prints "ready". */
export function startWorkflowWorker(options: WorkflowWorkerProcessOptions): Promise<WorkflowWorkerProcess> {
  const env = {
    REDIS_PORT: String(options.port),
    QUEUE: options.queue,
    OP_PREFIX: options.opPrefix,
    NAME: options.name,
    LOG: options.log,
    CONCURRENCY: String(options.concurrency ?? 50),
    ...options.env,
  };
  // Ready within 60 s: on a loaded 2-core machine, starting node with tsx alone has taken over 20 s.
  return startWorkerProcess(
    { fixture: FIXTURE, kind: "workflow worker", name: options.name, env, maxLifeMs: options.maxLifeMs ?? 120_000, readyMs: 60_000, onStderr: options.onStderr },
    live,
  );
}

/** SIGKILLs every workflow-worker process still alive. */
export function stopWorkflowWorkers(): Promise<void> {
  return killGroup(live);
}
