// The crash tests' side of a crash worker (test/fixtures/*-crash-worker.ts): bundle it, run it
// (SIGKILLed at a chosen moment, or to its end), and check the side effects it recorded.
import { spawn } from "node:child_process";
import { join } from "node:path";
import Database from "better-sqlite3";
import { build } from "esbuild";
import { expect } from "vitest";

/** What one run of a crash worker came to. */
export interface CrashRun {
  /** The workflows' results, or `null` when it was killed first. */
  results: unknown[] | null;
  killed: boolean;
}

/** Bundles a crash worker once, so each start costs ~0.1 s instead of tsx's ~1 s. Returns its path. */
export async function bundleCrashWorker(entry: string, external: string[]): Promise<string> {
  const outfile = join(process.cwd(), "node_modules/.cache/yieldos-durable", entry.replace(/^.*\//, "").replace(/\.ts$/, ".mjs"));
  await build({ entryPoints: [entry], bundle: true, platform: "node", format: "esm", target: "node20", external, outfile, logLevel: "error" });
  return outfile;
}

/** Runs `worker` with `args`; SIGKILLs it `killAfter` ms after it prints "ready" (if it has not finished by then). */
export function runCrashWorker(worker: string, args: string[], killAfter: number | null): Promise<CrashRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let killed = false;
    const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (killAfter !== null && out.includes("ready\n") && !killed) {
        killed = true;
        setTimeout(() => child.kill("SIGKILL"), killAfter);
      }
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(guard);
      const done = out.split("\n").find((l) => l.startsWith("done "));
      if (done !== undefined) return resolve({ results: JSON.parse(done.slice(5)) as unknown[], killed: false });
      if (signal === "SIGKILL") return resolve({ results: null, killed: true });
      reject(new Error(`crash worker ${worker} exited with ${code ?? signal}: ${err || out}`));
    });
  });
}

/**
 * Checks the side effects recorded in `effects` after every workflow finished: no op ran twice in
 * one process, none ran in a process that started with its outcome journaled, every journaled op
 * ran at least once, and none ran more than once per kill (only ops in flight at a kill run again).
 * Returns how many ops ran more than once.
 */
export function checkEffects(effects: string, journaledOps: readonly string[], kills: number): number {
  const fx = new Database(effects, { readonly: true });
  const runs = fx.prepare("SELECT key, pid, count(*) AS n FROM effects GROUP BY key, pid").all() as { key: string; pid: number; n: number }[];
  const forbidden = fx.prepare("SELECT e.key, e.pid FROM effects e JOIN journaled_at_start j ON j.key = e.key AND j.pid = e.pid").all();
  fx.close();
  expect(runs.filter((r) => r.n > 1)).toEqual([]);
  expect(forbidden).toEqual([]);
  const perKey = new Map<string, number>();
  for (const r of runs) perKey.set(r.key, (perKey.get(r.key) ?? 0) + 1);
  for (const key of journaledOps) expect(perKey.get(key) ?? 0).toBeGreaterThanOrEqual(1);
  let again = 0;
  for (const [, n] of perKey) {
    expect(n).toBeLessThanOrEqual(1 + kills);
    if (n > 1) again++;
  }
  return again;
}
