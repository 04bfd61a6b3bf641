/**
 * Op-worker child processes (test/fixtures/op-worker.ts) for the BullMQ tests and the cluster
 * example: started with `node --import tsx`, each bounded in time, all killed by `stopAll()`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

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

export interface OpWorkerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts an op-worker process and resolves once it prints "ready". */
export async function startOpWorker(options: OpWorkerProcessOptions): Promise<OpWorkerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE], {
    env: {
      ...process.env,
      REDIS_PORT: String(options.port),
      QUEUE_PREFIX: options.queuePrefix,
      NAME: options.name,
      LOG: options.log,
      CONCURRENCY: String(options.concurrency ?? 4),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const life = setTimeout(() => child.kill("SIGKILL"), options.maxLifeMs ?? 60_000);
  void exited.then(() => {
    clearTimeout(life);
    live.delete(child);
  });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`op worker ${options.name} not ready in 15 s: ${stderr}`)), 15_000);
    child.stdout!.on("data", (chunk) => {
      if (chunk.toString().includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => reject(new Error(`op worker ${options.name} exited before ready: ${stderr}`)));
  });
  return {
    name: options.name,
    child,
    exited,
    async kill(signal: NodeJS.Signals = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** SIGKILLs every op-worker process still alive. */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...live].map((child) => {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGKILL");
      return exited;
    }),
  );
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
