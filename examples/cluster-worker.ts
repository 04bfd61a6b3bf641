/**
 * An op-worker process of the cluster example (`npm run example:cluster` starts two): it serves
 * `embed` ops from Redis. Run it by hand on any machine that reaches the same Redis:
 *
 *   REDIS_PORT=6379 NAME=w1 node --import tsx examples/cluster-worker.ts
 */
import { Redis } from "ioredis";
import { OpWorker } from "../src/bullmq/index.js";

interface EmbedOp {
  type: "embed";
  text: string;
}

const name = process.env["NAME"] ?? `worker-${process.pid}`;
const connection = { host: process.env["REDIS_HOST"] ?? "127.0.0.1", port: Number(process.env["REDIS_PORT"] ?? 6379) };
// Where results are kept by idempotency key: an op re-run after a crash finds its result here.
const results = new Redis({ ...connection, maxRetriesPerRequest: null });

const worker = new OpWorker({
  connection,
  concurrency: 4,
  // Short, so a dead worker's ops run elsewhere within ~2 s (the same on every worker).
  lockDuration: 1_000,
  stalledInterval: 500,
  handlers: {
    embed: async (op: EmbedOp, ctx) => {
      const done = await results.get(`embedding:${ctx.key}`);
      if (done !== null) return JSON.parse(done) as unknown;
      console.log(`[${name}] ${ctx.key} "${op.text}" (run ${ctx.attempt})`);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, 300 + Math.random() * 300); // the model's latency
        ctx.signal.addEventListener("abort", () => reject(new Error(`cancelled: ${String(ctx.signal.reason)}`)));
        ctx.signal.addEventListener("abort", () => clearTimeout(timer));
      });
      const answer = { by: name, run: ctx.attempt, vector: [...op.text].map((c) => c.charCodeAt(0) % 7) };
      await results.set(`embedding:${ctx.key}`, JSON.stringify(answer), "EX", 3_600);
      return answer;
    },
  },
});

await worker.ready();
console.log(`[${name}] ready`);
process.on("SIGTERM", () => void worker.close().then(() => results.quit()).then(() => process.exit(0)));
