/**
 * Scaling out with remote ops (`npm run example:cluster`): a private Redis (Debian's
 * `redis-server`, started here if installed; or set REDIS_PORT to use yours), two op-worker
 * processes (examples/cluster-worker.ts) and this client, whose tasks send `embed` ops to them.
 * One worker is killed with SIGKILL mid-run; its ops run again on the other worker once BullMQ's
 * stalled check notices, and every task still gets its answer.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Scheduler, fork, submitIO, wait } from "../src/index.js";
import { remoteOps } from "../src/bullmq/index.js";
import { INSTALL_HINT, RedisServer, hasRedisServer } from "../test/redis-server.js";

interface Answer {
  by: string;
  run: number;
  vector: number[];
}

const TEXTS = Array.from({ length: 24 }, (_, i) => `document ${i + 1}`);

function startWorker(name: string, port: number): Promise<ChildProcess> {
  const script = fileURLToPath(new URL("./cluster-worker.ts", import.meta.url));
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
  } finally {
    await remote.close();
    for (const w of workers) w.kill("SIGTERM");
    await Promise.all(workers.map((w) => (w.exitCode === null && w.signalCode === null ? new Promise((r) => w.once("exit", r)) : null)));
    await redis?.stop();
  }
}

await main();
