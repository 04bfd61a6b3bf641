// The CommonJS build's `peer.ts` (see tsup.config.ts): BullMQ and ioredis loaded with `require`.
import { missingPeer } from "../peer.js";

type BullMq = typeof import("bullmq");
type IoRedis = typeof import("ioredis");

let bullmq: BullMq;
try {
  bullmq = require("bullmq") as BullMq;
} catch (error) {
  throw missingPeer(error, "yieldos/bullmq", "bullmq", "^6.7.0");
}

let ioredis: IoRedis;
try {
  ioredis = require("ioredis") as IoRedis;
} catch (error) {
  throw missingPeer(error, "yieldos/bullmq", "ioredis", "^5.11.0");
}

export const { Queue, Worker, QueueEvents, QueueEventsProducer, Job, DelayedError, UnrecoverableError } = bullmq;
export const { Redis } = ioredis;
