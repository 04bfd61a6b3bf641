/** The store workflow clients and workers use when given none: a `RedisStore` on their connection. */
import type { ConnectionOptions } from "bullmq";
import type { LeasedStore } from "../durable/index.js";

export function defaultStore(connection: ConnectionOptions, prefix: string | undefined): LeasedStore {
  void connection;
  void prefix;
  throw new TypeError("yieldos/bullmq: pass options.store (a LeasedStore); the RedisStore default is not wired yet");
}
