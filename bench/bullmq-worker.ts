/**
 * The op-worker process of `bench/bullmq.ts` (workload B2): a plain BullMQ `Worker` on queue
 * `bench-plain`, or a yieldos `OpWorker` for op type `echo` under queue prefix `bench-remote`,
 * both at concurrency 50, both returning the job's `n`. Prints "ready"; SIGTERM closes it.
 *
 *   node --import tsx bench/bullmq-worker.ts <plain|yieldos> <redis port>
 */
import { Worker } from "bullmq";
import { OpWorker } from "../src/bullmq/index.js";

const [mode, port] = process.argv.slice(2);
const connection = { host: "127.0.0.1", port: Number(port) };
let close: () => Promise<void>;
if (mode === "plain") {
  const worker = new Worker("bench-plain", async (job) => (job.data as { n: number }).n, { connection, concurrency: 50 });
  await worker.waitUntilReady();
  close = () => worker.close();
} else {
  const worker = new OpWorker({ connection, queuePrefix: "bench-remote", concurrency: 50, handlers: { echo: async (op: { n: number }) => op.n } });
  await worker.ready();
  close = () => worker.close();
}
process.stdout.write("ready\n");
process.on("SIGTERM", () => void close().finally(() => process.exit(0)));
