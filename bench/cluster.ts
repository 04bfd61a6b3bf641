/**
 * Distributed workflows on a private Redis (issue #10):
 *
 * - C1 workflows per second with 1, 2 and 4 workflow-worker processes: N workflows of `steps`
 *   (three journaled `call` steps each; test/fixtures/cluster-workflows.ts) are started while the
 *   queue is paused, then the queue is resumed: timed from the resume to the last `completed`
 *   event, so the client's starts are not in the number (workers are up before).
 * - C2 what a SIGKILL costs: 200 workflows of twenty 100 ms steps (2 s each, all hosted at once)
 *   on two workers, once undisturbed and once with one worker SIGKILLed 1 s in (not restarted):
 *   the extra wall time, and the time from the kill until the survivor took over the first of
 *   the dead worker's workflows.
 *
 * C1 also reports the CPU time per workflow of the worker processes (all of them), Redis and the
 * client, from Linux's `/proc/<pid>/stat` and `process.cpuUsage()`: where the cores go.
 *
 *   npm run bench:cluster              2 rounds, N = 1,000
 *   npm run bench:cluster -- --quick   1 round, N = 300
 */
import { execFileSync, execSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { Queue, QueueEvents } from "bullmq";
import { WorkflowClient } from "../src/bullmq/index.js";
import { RedisServer, hasRedisServer, INSTALL_HINT } from "../test/redis-server.js";
import { startWorkflowWorker, stopWorkflowWorkers, type WorkflowWorkerProcess } from "../test/workflow-worker-process.js";

const quick = process.argv.includes("--quick");
const N = quick ? 300 : 1_000;
const N2 = 200;
const ROUNDS = quick ? 1 : 2;
const WORKERS = [1, 2, 4];

if (!hasRedisServer) {
  console.error(`bench:cluster: ${INSTALL_HINT}`);
  process.exit(process.env["CI"] === "true" ? 1 : 0);
}
const redis = await RedisServer.start();
const dir = mkdtempSync(join(os.tmpdir(), "yieldos-bench-cluster-"));
let seq = 0;

/** CPU ms a process has used so far (Linux `/proc`), or `NaN` where that cannot be read. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * (1_000 / 100); // utime + stime, in clock ticks of 10 ms
  } catch {
    return Number.NaN;
  }
}

/** The pid of the private redis-server, for its CPU time. */
function redisPid(): number | undefined {
  try {
    return Number(execSync(`pgrep -f "redis-server 127.0.0.1:${redis.port}"`, { encoding: "utf8" }).trim().split("\n")[0]);
  } catch {
    return undefined;
  }
}

/** CPU ms per workflow of C1's last rounds, by process kind. */
const cpu = new Map<number, { workers: number[]; redis: number[]; client: number[] }>();

async function workers(count: number, queue: string, log: string): Promise<WorkflowWorkerProcess[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      startWorkflowWorker({ port: redis.port, queue, opPrefix: `${queue}-op`, log, name: `w${i + 1}`, concurrency: 200, env: { LOG_WRITES: "0" } }),
    ),
  );
}

/** Starts `n` workflows of `steps(i, k, ms)` and resolves when all have finished; returns the results' sum. */
async function runAll(client: WorkflowClient, tag: string, n: number, k: number, ms: number): Promise<number> {
  const ids = Array.from({ length: n }, (_, i) => `${tag}-${i}`);
  await Promise.all(ids.map((id, i) => client.start("steps", [i, k, ms], { id })));
  const results = await Promise.all(ids.map((id) => client.result(id, { timeout: 300_000 })));
  return results.reduce<number>((s, r) => s + (r as number), 0);
}

const expectedSum = (n: number, k: number): number => Array.from({ length: n }, (_, i) => k * i + (k * (k - 1)) / 2).reduce((a, b) => a + b, 0);

async function throughput(count: number): Promise<number> {
  const queue = `bench-c1-${++seq}`;
  const log = join(dir, `${queue}.log`);
  writeFileSync(log, "");
  const procs = await workers(count, queue, log);
  const client = new WorkflowClient({ connection: redis.connection, queue, pollMs: 1_000 });
  const control = new Queue(queue, { connection: redis.connection });
  const events = new QueueEvents(queue, { connection: redis.connection });
  try {
    await Promise.all([client.ready(), events.waitUntilReady()]);
    await control.pause();
    const ids = Array.from({ length: N }, (_, i) => `${queue}-${i}`);
    await Promise.all(ids.map((id, i) => client.start("steps", [i, 3, 0], { id })));
    let done = 0;
    const finished = new Promise<void>((resolve) => events.on("completed", () => ++done === N && resolve()));
    const rpid = redisPid();
    const before = { workers: procs.map((p) => cpuMs(p.child.pid)), redis: cpuMs(rpid), client: process.cpuUsage() };
    const t0 = performance.now();
    await control.resume();
    await finished;
    const s = (performance.now() - t0) / 1e3;
    const used = cpu.get(count) ?? { workers: [], redis: [], client: [] };
    used.workers.push(procs.reduce((a, p, i) => a + cpuMs(p.child.pid) - before.workers[i]!, 0) / N);
    used.redis.push((cpuMs(rpid) - before.redis) / N);
    const mine = process.cpuUsage(before.client);
    used.client.push((mine.user + mine.system) / 1e3 / N);
    cpu.set(count, used);
    const sum = (await Promise.all(ids.map((id) => client.result(id)))).reduce<number>((a, r) => a + (r as number), 0);
    if (sum !== expectedSum(N, 3)) throw new Error(`C1: results sum to ${sum}, expected ${expectedSum(N, 3)}`);
    return N / s;
  } finally {
    await Promise.all([client.close(), events.close(), control.close()]);
    await Promise.all(procs.map((p) => p.kill("SIGTERM")));
  }
}

async function killCost(kill: boolean): Promise<{ seconds: number; takeoverMs: number | null }> {
  const queue = `bench-c2-${++seq}`;
  const log = join(dir, `${queue}.log`);
  writeFileSync(log, "");
  const procs = await workers(2, queue, log);
  const client = new WorkflowClient({ connection: redis.connection, queue, pollMs: 250 });
  let killedAt = 0;
  try {
    await client.ready();
    const t0 = performance.now();
    const running = runAll(client, queue, N2, 20, 100);
    if (kill) {
      await new Promise((r) => setTimeout(r, 1_000));
      killedAt = Date.now();
      await procs[0]!.kill("SIGKILL");
    }
    const sum = await running;
    const seconds = (performance.now() - t0) / 1e3;
    if (sum !== expectedSum(N2, 20)) throw new Error(`C2: results sum to ${sum}, expected ${expectedSum(N2, 20)}`);
    return { seconds, takeoverMs: kill ? takeover(log, killedAt) : null };
  } finally {
    await client.close();
    await Promise.all(procs.map((p) => p.kill("SIGTERM")));
  }
}

function lines(log: string): string[][] {
  return readFileSync(log, "utf8").split("\n").filter(Boolean).map((l) => l.split(" "));
}

/** Ms from the kill to the first lease the survivor took on a workflow the killed worker had held. */
function takeover(log: string, killedAt: number): number | null {
  const held = new Set(lines(log).filter((e) => e[0] === "acquired" && e[3] === "w1").map((e) => e[1]));
  const first = lines(log).find((e) => e[0] === "acquired" && e[3] === "w2" && held.has(e[1]!) && Number(e[4]) > killedAt);
  return first === undefined ? null : Number(first[4]) - killedAt;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const started = performance.now();
try {
  const c1: { workers: number; samples: number[] }[] = [];
  for (const count of WORKERS) {
    const samples: number[] = [];
    for (let r = 0; r < ROUNDS; r++) samples.push(await throughput(count));
    c1.push({ workers: count, samples });
    process.stderr.write(`C1 ${count} worker(s): ${samples.map((x) => x.toFixed(0)).join(", ")} workflows/s\n`);
  }
  const c2: { undisturbed: number[]; killed: number[]; takeover: number[] } = { undisturbed: [], killed: [], takeover: [] };
  for (let r = 0; r < ROUNDS; r++) {
    c2.undisturbed.push((await killCost(false)).seconds);
    const k = await killCost(true);
    c2.killed.push(k.seconds);
    if (k.takeoverMs !== null) c2.takeover.push(k.takeoverMs);
    process.stderr.write(`C2 round ${r + 1}: ${c2.undisturbed.at(-1)!.toFixed(2)} s undisturbed, ${k.seconds.toFixed(2)} s with a kill, takeover ${k.takeoverMs} ms\n`);
  }
  const version = execFileSync("redis-server", ["--version"], { encoding: "utf8" }).trim();
  console.log(`\nyieldos distributed workflows benchmark${quick ? " (--quick: 1 round, not for quoting)" : ""}`);
  console.log(`date: ${new Date().toISOString()}`);
  console.log(`node: ${process.version}; machine: ${os.availableParallelism()} CPUs, ${os.cpus()[0]?.model ?? "unknown CPU"}`);
  console.log(`${version}; bullmq ${(await import("bullmq/package.json", { with: { type: "json" } })).default.version}`);
  console.log(`load average: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}\n`);
  const base = median(c1[0]!.samples);
  console.log(`C1 ${N} workflows of 3 journaled call steps, queued first, run from the queue's resume to the last completion (median of ${ROUNDS})`);
  console.log("| workflow-worker processes | workflows/s | vs 1 worker | samples | CPU ms per workflow: workers, Redis, client |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const row of c1) {
    const used = cpu.get(row.workers)!;
    const ms = [used.workers, used.redis, used.client].map((xs) => median(xs).toFixed(2)).join(", ");
    console.log(`| ${row.workers} | ${median(row.samples).toFixed(0)} | ${(median(row.samples) / base).toFixed(2)}x | ${row.samples.map((x) => x.toFixed(0)).join(", ")} | ${ms} |`);
  }
  console.log(`\nC2 ${N2} workflows of twenty 100 ms steps on 2 workers; lockDuration 2 000 ms, stalledInterval 1 000 ms, lease 2 000 ms`);
  console.log("| run | wall time (s) | samples |");
  console.log("| --- | --- | --- |");
  console.log(`| undisturbed | ${median(c2.undisturbed).toFixed(2)} | ${c2.undisturbed.map((x) => x.toFixed(2)).join(", ")} |`);
  console.log(`| one worker SIGKILLed 1 s in | ${median(c2.killed).toFixed(2)} | ${c2.killed.map((x) => x.toFixed(2)).join(", ")} |`);
  console.log(`| kill to first takeover (ms) | ${c2.takeover.length > 0 ? median(c2.takeover).toFixed(0) : "n/a"} | ${c2.takeover.map((x) => x.toFixed(0)).join(", ")} |`);
  console.log(`\ntotal time: ${((performance.now() - started) / 1e3).toFixed(1)} s`);
} finally {
  await stopWorkflowWorkers();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
