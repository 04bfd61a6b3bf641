// The CommonJS build's `peer.ts` (see tsup.config.ts): BullMQ loaded with `require`.
import { missingPeer } from "../peer.js";

type BullMq = typeof import("bullmq");

let bullmq: BullMq;
try {
  bullmq = require("bullmq") as BullMq;
} catch (error) {
  throw missingPeer(error, "yieldos/bullmq", "bullmq", "^6.7.0");
}

export const { Queue, Worker, QueueEvents, QueueEventsProducer, Job, DelayedError, UnrecoverableError } = bullmq;
