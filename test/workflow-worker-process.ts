/**
 * Workflow-worker child processes (test/fixtures/workflow-worker.ts) for the distributed-workflow
 * tests and benchmark: started with `node --import tsx`, each bounded in time, all killed by
 * `stopWorkflowWorkers()`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const FIXTURE = fileURLToPath(new URL("./fixtures/workflow-worker.ts", import.meta.url));
const live = new Set<ChildProcess>();
// Children still running when this process exits (a test run killed, say) go with it.
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

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

export interface WorkflowWorkerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  /** What the process wrote to stderr so far. */
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts a workflow-worker process and resolves once it prints "ready". */
export async function startWorkflowWorker(options: WorkflowWorkerProcessOptions): Promise<WorkflowWorkerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE], {
    env: {
      ...process.env,
      REDIS_PORT: String(options.port),
      QUEUE: options.queue,
      OP_PREFIX: options.opPrefix,
      NAME: options.name,
      LOG: options.log,
      CONCURRENCY: String(options.concurrency ?? 50),
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const life = setTimeout(() => child.kill("SIGKILL"), options.maxLifeMs ?? 120_000);
  void exited.then(() => {
    clearTimeout(life);
    live.delete(child);
  });
  let stderr = "";
  child.stderr!.on("data", (chunk) => {
    stderr += chunk.toString();
    options.onStderr?.(chunk.toString());
  });
  await new Promise<void>((resolve, reject) => {
    // Generous: on a loaded 2-core machine, starting node with tsx alone has taken over 20 s.
    const timer = setTimeout(() => reject(new Error(`workflow worker ${options.name} not ready in 60 s: ${stderr}`)), 60_000);
    child.stdout!.on("data", (chunk) => {
      if (chunk.toString().includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => reject(new Error(`workflow worker ${options.name} exited before ready: ${stderr}`)));
  });
  return {
    name: options.name,
    child,
    exited,
    stderr: () => stderr,
    async kill(signal: NodeJS.Signals = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** SIGKILLs every workflow-worker process still alive. */
export async function stopWorkflowWorkers(): Promise<void> {
  await Promise.all(
    [...live].map((child) => {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGKILL");
      return exited;
    }),
  );
}
