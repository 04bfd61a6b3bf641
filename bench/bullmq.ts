/**
 * Remote `call`-style ops on a private Redis: N jobs that return a number, sent and awaited end to
 * end. yieldos: N tasks each `yield* submitIO({ type: "echo", n })` through `remoteOps`, served by
 * an `OpWorker`; plain BullMQ: `queue.addBulk` of the same N jobs, a `Worker`, and `QueueEvents`
 * counting the `completed` events, at the same worker concurrency. B1 runs the workers in this
 * process; B2 in a child process each (started once). The clock runs from the first add to the
 * last result (connections are set up before).
 *
 *   npm run bench:bullmq              5 rounds of 2,000 jobs
 *   npm run bench:bullmq -- --quick   1 round of 1,000 jobs
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import os from "node:os";
import { Queue, QueueEvents, Worker } from "bullmq";
import { Scheduler, fork, submitIO, wait } from "../src/index.js";
import { OpWorker, remoteOps } from "../src/bullmq/index.js";
import { RedisServer, hasRedisServer, INSTALL_HINT } from "../test/redis-server.js";
import { atLeast, measure, table, type Case, type HarnessOptions } from "./harness.js";

const quick = process.argv.includes("--quick");
const N = quick ? 1_000 : 2_000;
const CONCURRENCY = 50;
let round = 0;

if (!hasRedisServer) {
  console.error(`bench:bullmq: ${INSTALL_HINT}`);
  process.exit(process.env["CI"] === "true" ? 1 : 0);
}
const redis = await RedisServer.start();
const connection = redis.connection;

/** yieldos: one task per op, the ring's in-flight bound above N so both systems have all jobs out at once. */
async function viaYieldos(): Promise<number> {
  const queuePrefix = `bench-y${++round}`;
  const worker = new OpWorker({ connection, queuePrefix, concurrency: CONCURRENCY, handlers: { echo: async (op: { n: number }) => op.n } });
  const sched = new Scheduler({ ring: { entries: 4096, cqEntries: 4096 } });
  const client = remoteOps(sched, { connection, types: ["echo"], queuePrefix });
  await Promise.all([worker.ready(), client.ready()]);
  const task = sched.spawn(function* () {
    const kids: number[] = [];
    for (let n = 0; n < N; n++) kids.push(yield* fork(function* () { return (yield* submitIO({ type: "echo", n })) as number; }));
    let sum = 0;
    for (const kid of kids) sum += (yield* wait(kid)) as number;
    return sum;
  });
  const t0 = performance.now();
  await sched.run();
  const ms = performance.now() - t0;
  const sum = await task.done;
  await client.close();
  await worker.close();
  if (sum !== (N * (N - 1)) / 2) throw new Error(`yieldos: results sum to ${sum}, expected ${(N * (N - 1)) / 2}`);
  return N / (ms / 1e3);
}

/** Plain BullMQ, as DEPENDENCIES.md measured it: addBulk, removeOnComplete, completions from QueueEvents. */
async function viaBullmq(): Promise<number> {
  const name = `bench-b${++round}`;
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  const worker = new Worker(name, async (job) => (job.data as { n: number }).n, { connection, concurrency: CONCURRENCY });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), worker.waitUntilReady()]);
  let sum = 0;
  let done = 0;
  const finished = new Promise<void>((resolve) =>
    events.on("completed", ({ returnvalue }) => {
      sum += Number(returnvalue);
      if (++done === N) resolve();
    }),
  );
  const t0 = performance.now();
  await queue.addBulk(Array.from({ length: N }, (_, n) => ({ name: "echo", data: { n }, opts: { removeOnComplete: true } })));
  await finished;
  const ms = performance.now() - t0;
  await Promise.all([worker.close(), events.close()]);
  await queue.close();
  if (sum !== (N * (N - 1)) / 2) throw new Error(`bullmq: results sum to ${sum}, expected ${(N * (N - 1)) / 2}`);
  return N / (ms / 1e3);
}

/** B2: the same jobs, run by a worker in another process (started once, outside the timing). */
function startWorker(mode: "plain" | "yieldos"): Promise<ChildProcess> {
  const script = fileURLToPath(new URL("./bullmq-worker.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script, mode, String(redis.port)], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve(child));
    child.once("exit", (code) => reject(new Error(`bench worker ${mode} exited (${code}) before it was ready`)));
  });
}

async function remoteYieldos(): Promise<number> {
  const sched = new Scheduler({ ring: { entries: 4096, cqEntries: 4096 } });
  const client = remoteOps(sched, { connection, types: ["echo"], queuePrefix: "bench-remote" });
  await client.ready();
  const task = sched.spawn(function* () {
    const kids: number[] = [];
    for (let n = 0; n < N; n++) kids.push(yield* fork(function* () { return (yield* submitIO({ type: "echo", n })) as number; }));
    let sum = 0;
    for (const kid of kids) sum += (yield* wait(kid)) as number;
    return sum;
  });
  const t0 = performance.now();
  await sched.run();
  const ms = performance.now() - t0;
  const sum = await task.done;
  await client.close();
  if (sum !== (N * (N - 1)) / 2) throw new Error(`yieldos: results sum to ${sum}, expected ${(N * (N - 1)) / 2}`);
  return N / (ms / 1e3);
}

async function remotePlain(): Promise<number> {
  const queue = new Queue("bench-plain", { connection });
  const events = new QueueEvents("bench-plain", { connection });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  const batch = ++round;
  let sum = 0;
  let done = 0;
  const finished = new Promise<void>((resolve) =>
    events.on("completed", ({ jobId, returnvalue }) => {
      if (!jobId.startsWith(`r${batch}-`)) return;
      sum += Number(returnvalue);
      if (++done === N) resolve();
    }),
  );
  const t0 = performance.now();
  await queue.addBulk(Array.from({ length: N }, (_, n) => ({ name: "echo", data: { n }, opts: { jobId: `r${batch}-${n}`, removeOnComplete: true } })));
  await finished;
  const ms = performance.now() - t0;
  await events.close();
  await queue.close();
  if (sum !== (N * (N - 1)) / 2) throw new Error(`bullmq: results sum to ${sum}, expected ${(N * (N - 1)) / 2}`);
  return N / (ms / 1e3);
}

const opts: HarnessOptions = { quick, rounds: quick ? 1 : 5, systems: null, log: (line) => process.stderr.write(`${line}\n`) };
const cases: Case[] = [
  { system: "yieldos", run: viaYieldos, note: `remoteOps + OpWorker (concurrency ${CONCURRENCY}), ${N} tasks each submitting one op` },
  { system: "plain BullMQ", run: viaBullmq, target: atLeast(0.8), note: `Queue.addBulk + Worker (concurrency ${CONCURRENCY}) + QueueEvents` },
];
const started = performance.now();
try {
  const rows = await measure({ id: "B1 remote call ops, worker in-process", title: `${N} jobs end to end`, unit: "jobs/s", better: "higher", cases }, opts);
  const workers = await Promise.all([startWorker("plain"), startWorker("yieldos")]);
  try {
    const remote: Case[] = [
      { system: "yieldos", run: remoteYieldos, note: `remoteOps client here, OpWorker (concurrency ${CONCURRENCY}) in a child process` },
      { system: "plain BullMQ", run: remotePlain, target: atLeast(0.8), note: `Queue.addBulk + QueueEvents here, Worker (concurrency ${CONCURRENCY}) in a child process` },
    ];
    rows.push(...(await measure({ id: "B2 remote call ops, worker in a child process", title: `${N} jobs end to end`, unit: "jobs/s", better: "higher", cases: remote }, opts)));
  } finally {
    for (const w of workers) w.kill("SIGTERM");
    await Promise.all(workers.map((w) => (w.exitCode === null && w.signalCode === null ? new Promise((r) => w.once("exit", r)) : null)));
  }
  const version = execFileSync("redis-server", ["--version"], { encoding: "utf8" }).trim();
  console.log(`\nyieldos/bullmq benchmark${quick ? " (--quick: 1 round, not for quoting)" : ""}`);
  console.log(`date: ${new Date().toISOString()}`);
  console.log(`node: ${process.version}; machine: ${os.availableParallelism()} CPUs, ${os.cpus()[0]?.model ?? "unknown CPU"}`);
  console.log(`${version}; bullmq ${(await import("bullmq/package.json", { with: { type: "json" } })).default.version}`);
  console.log(`load average: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}\n`);
  console.log(table(rows));
  console.log(`total time: ${((performance.now() - started) / 1e3).toFixed(1)} s`);
} finally {
  await redis.stop();
}
