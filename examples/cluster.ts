/**
 * Scaling out (`npm run example:cluster`): a private Redis (Debian's `redis-server`, started here if
 * installed; or set REDIS_PORT to use yours) and two parts.
 *
 * 1. Remote ops: two op-worker processes (examples/cluster-worker.ts) and this client, whose tasks
 *    send `embed` ops to them. Op worker w1 is killed with SIGKILL mid-run; its ops run again on w2
 *    once BullMQ's stalled check notices, and every task still gets its answer.
 * 2. Distributed workflows: two workflow-worker processes (examples/cluster-workflow-worker.ts)
 *    host durable `digest` workflows started here with a WorkflowClient; their `embed` ops go to
 *    op worker w2. Workflow worker wf1 is killed with SIGKILL mid-run; its workflows resume on wf2
 *    by replay of their journals in Redis, and every workflow finishes once.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Scheduler, fork, submitIO, wait } from "../src/index.js";
import { WorkflowClient, remoteOps } from "../src/bullmq/index.js";
import { INSTALL_HINT, RedisServer, hasRedisServer } from "../test/redis-server.js";

interface Answer {
  by: string;
  run: number;
  vector: number[];
}

const TEXTS = Array.from({ length: 24 }, (_, i) => `document ${i + 1}`);

function startWorker(name: string, port: number, file = "./cluster-worker.ts"): Promise<ChildProcess> {
  const script = fileURLToPath(new URL(file, import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script], { env: { ...process.env, NAME: name, REDIS_PORT: String(port) }, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      if (chunk.toString().includes("ready")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
  });
}

async function main(): Promise<void> {
  let redis: RedisServer | null = null;
  let port = Number(process.env["REDIS_PORT"] ?? 0);
  if (port === 0) {
    if (!hasRedisServer) {
      console.error(`${INSTALL_HINT}, or set REDIS_PORT to a running Redis`);
      process.exitCode = 1;
      return;
    }
    redis = await RedisServer.start();
    port = redis.port;
    console.log(`redis-server on 127.0.0.1:${port} (temporary directory ${redis.dir})`);
  }
  const workers = await Promise.all([startWorker("w1", port), startWorker("w2", port)]);
  const sched = new Scheduler({ ring: { cqEntries: 8 } }); // at most 8 ops out at once: the backpressure
  const remote = remoteOps(sched, { connection: { host: "127.0.0.1", port }, types: ["embed"], reconcileMs: 2_000 });
  try {
    const t0 = Date.now();
    const killer = setTimeout(() => {
      console.log(`-- ${Date.now() - t0} ms: killing w1 with SIGKILL --`);
      workers[0]!.kill("SIGKILL");
    }, 700);
    const main = sched.spawn(function* () {
      const kids = [];
      for (const [i, text] of TEXTS.entries()) {
        // The idempotency key names the op, so a re-run after a crash can reuse what was done.
        kids.push(yield* fork(function* () { return (yield* submitIO({ type: "embed", text, idempotencyKey: `doc-${i + 1}` }, { timeout: 20_000 })) as Answer; }));
      }
      const answers: Answer[] = [];
      for (const kid of kids) answers.push(yield* wait(kid));
      return answers;
    });
    await sched.run();
    clearTimeout(killer);
    const answers = await main.done;
    const reran = answers.filter((a) => a.run > 1).length;
    const by = (w: string) => answers.filter((a) => a.by === w).length;
    console.log(`\n${answers.length}/${TEXTS.length} ops finished in ${Date.now() - t0} ms: w1 ${by("w1")}, w2 ${by("w2")}; ${reran} ran again after w1 died`);
    workers.push(...(await distributedWorkflows(port)));
  } finally {
    await remote.close();
    for (const w of workers) w.kill("SIGTERM");
    await Promise.all(workers.map((w) => (w.exitCode === null && w.signalCode === null ? new Promise((r) => w.once("exit", r)) : null)));
    await redis?.stop();
  }
}

/** Part 2: workflows on two workflow workers, one of which is SIGKILLed; returns the processes it started. */
async function distributedWorkflows(port: number): Promise<ChildProcess[]> {
  console.log("\n== distributed workflows ==");
  const wf = await Promise.all([startWorker("wf1", port, "./cluster-workflow-worker.ts"), startWorker("wf2", port, "./cluster-workflow-worker.ts")]);
  const client = new WorkflowClient({ connection: { host: "127.0.0.1", port }, pollMs: 200 });
  try {
    const t0 = Date.now();
    const ids = DOCS.map((_, i) => `digest-${i + 1}`);
    for (const [i, id] of ids.entries()) await client.start("digest", [DOCS[i]], { id });
    const again = await client.start("digest", [DOCS[0]], { id: ids[0] }); // idempotent: no second run
    console.log(`started ${ids.length} workflows; starting ${ids[0]} again: created ${again.created}`);
    const killer = setTimeout(() => {
      console.log(`-- ${Date.now() - t0} ms: killing workflow worker wf1 with SIGKILL --`);
      wf[0]!.kill("SIGKILL");
    }, 800);
    const sums = await Promise.all(ids.map((id) => client.result(id, { timeout: 30_000 })));
    clearTimeout(killer);
    const expected = DOCS.map((d) => [...d].reduce((s, c) => s + (c.charCodeAt(0) % 7), 0));
    const right = sums.filter((s, i) => s === expected[i]).length;
    console.log(`\n${sums.length}/${ids.length} workflows finished in ${Date.now() - t0} ms, ${right} with the expected sum, although wf1 died mid-run`);
  } finally {
    await client.close();
  }
  return wf;
}

const DOCS = Array.from({ length: 12 }, (_, i) => `report ${i + 1}`);

await main();
