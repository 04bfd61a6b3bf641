/**
 * A workflow-worker process of the cluster example (`npm run example:cluster` starts two): it
 * hosts `digest` workflows from Redis, whose `embed` ops go to the op workers
 * (examples/cluster-worker.ts). Run it by hand on any machine that reaches the same Redis:
 *
 *   REDIS_PORT=6379 NAME=wf1 node --import tsx examples/cluster-workflow-worker.ts
 */
import { fork, sleep, submitIO, wait } from "../src/index.js";
import { WorkflowWorker, remoteOps } from "../src/bullmq/index.js";

/** A durable workflow: embeds a document's two halves in parallel, waits, and sums the vectors. */
export function* digest(text: string) {
  const half = Math.ceil(text.length / 2);
  const embed = (part: string) =>
    function* () {
      return ((yield* submitIO({ type: "embed", text: part }, { timeout: 20_000 })) as { vector: number[] }).vector;
    };
  const left = yield* fork(embed(text.slice(0, half)));
  const right = yield* fork(embed(text.slice(half)));
  const vectors = [yield* wait(left), yield* wait(right)];
  yield* sleep(300); // a durable sleep: its deadline is journaled, it survives a crash
  return vectors.flat().reduce((a, b) => a + b, 0);
}

const name = process.env["NAME"] ?? `wf-${process.pid}`;
const connection = { host: process.env["REDIS_HOST"] ?? "127.0.0.1", port: Number(process.env["REDIS_PORT"] ?? 6379) };
const worker = new WorkflowWorker({
  connection,
  name,
  workflows: { digest },
  concurrency: 6, // at most six workflows hosted at once (parked ones not counted): the two workers share the twelve
  // Short, so a dead worker's workflows resume elsewhere within ~2 s (the same on every worker).
  lockDuration: 1_000,
  stalledInterval: 500,
});
const ops = remoteOps(worker.scheduler, { connection, types: ["embed"], reconcileMs: 2_000 });
worker.on("acquired", (id) => console.log(`[${name}] running ${id}`));
worker.on("finished", (id, state) => console.log(`[${name}] ${id} ${state}`));

await Promise.all([worker.ready(), ops.ready()]);
console.log(`[${name}] ready`);
process.on("SIGTERM", () => void worker.close().then(() => ops.close()).then(() => process.exit(0)));
