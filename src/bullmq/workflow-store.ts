import type { ConnectionOptions } from "bullmq";
import type { RedisOptions } from "ioredis";
import { RedisStore } from "./redis-store.js";

/**
 * The store workflow clients and workers use when given none: a {@link RedisStore} on their own
 * Redis connection, under the key prefix `yieldos:wf:<queue>` (so each workflow queue is its own
 * namespace of workflow ids), reporting outages to `onError`.
 */
export function defaultStore(connection: ConnectionOptions, queue: string, onError: (error: Error) => void): RedisStore {
  return new RedisStore({ connection: connection as RedisOptions, prefix: `yieldos:wf:${queue}`, onError });
}
