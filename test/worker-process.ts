/**
 * A worker child process for the process tests (op workers, workflow workers): started with
 * `node --import tsx <fixture>`, ready once it prints "ready", killed with SIGKILL after its
 * maximum life whatever happens, and with every other process of its group on `killGroup`.
 */
import { spawn, type ChildProcess } from "node:child_process";

/** A running worker process. */
export interface WorkerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** What the process wrote to stderr so far. */
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface WorkerProcessSpec {
  /** The fixture's path. */
  fixture: string;
  /** What it is, for error messages ("op worker"). */
  kind: string;
  name: string;
  env: Record<string, string>;
  maxLifeMs: number;
  readyMs: number;
  onStderr?: (text: string) => void;
}

const everyone = new Set<ChildProcess>();
// Children still running when this process exits (a test run killed, say) go with it.
process.once("exit", () => {
  for (const child of everyone) child.kill("SIGKILL");
});

/** Starts a worker process in `group` and resolves once it prints "ready". */
export async function startWorkerProcess(spec: WorkerProcessSpec, group: Set<ChildProcess>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", spec.fixture], {
    env: { ...process.env, ...spec.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  group.add(child);
  everyone.add(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const life = setTimeout(() => child.kill("SIGKILL"), spec.maxLifeMs);
  void exited.then(() => {
    clearTimeout(life);
    group.delete(child);
    everyone.delete(child);
  });
  let stderr = "";
  child.stderr!.on("data", (chunk) => {
    stderr += chunk.toString();
    spec.onStderr?.(chunk.toString());
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${spec.kind} ${spec.name} not ready in ${spec.readyMs / 1000} s: ${stderr}`)), spec.readyMs);
    child.stdout!.on("data", (chunk) => {
      if (chunk.toString().includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => reject(new Error(`${spec.kind} ${spec.name} exited before ready: ${stderr}`)));
  });
  return {
    name: spec.name,
    child,
    exited,
    stderr: () => stderr,
    async kill(signal: NodeJS.Signals = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** SIGKILLs every process of `group` still alive; resolves once they exited. */
export async function killGroup(group: Set<ChildProcess>): Promise<void> {
  await Promise.all(
    [...group].map((child) => {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGKILL");
      return exited;
    }),
  );
}
