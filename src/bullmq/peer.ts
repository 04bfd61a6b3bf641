// BullMQ and ioredis, loaded once when `yieldos/bullmq` is imported. The CommonJS build swaps this
// file for `peer-cjs.ts` (see tsup.config.ts), which loads them with `require`.
import { missingPeer } from "../peer.js";

const bullmq = await import("bullmq").catch((error: unknown) => {
  throw missingPeer(error, "yieldos/bullmq", "bullmq", "^6.7.0");
});

const ioredis = await import("ioredis").catch((error: unknown) => {
  throw missingPeer(error, "yieldos/bullmq", "ioredis", "^5.11.0");
});

export const { Queue, Worker, QueueEvents, QueueEventsProducer, Job, DelayedError, UnrecoverableError } = bullmq;
export const { Redis } = ioredis;
