import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { MemoryStore } from "../src/durable/index.js";
import { SqliteStore } from "../src/sqlite/index.js";
import { RedisStore } from "../src/bullmq/index.js";
import { tempDir } from "./helpers.js";
import { RedisServer, skipWithoutRedis } from "./redis-server.js";
import { storeConformance } from "./store-conformance.js";

storeConformance("MemoryStore", async () => {
  const store = new MemoryStore();
  return { store, reopen: async () => store, cleanup: async () => {} };
});

storeConformance(
  "SqliteStore",
  async () => {
    const dir = await tempDir();
    const file = join(dir.path, "wf.db");
    const store = new SqliteStore(file);
    return {
      store,
      reopen: async () => {
        store.close();
        return new SqliteStore(file);
      },
      cleanup: dir.remove,
    };
  },
  {
    fails: {
      "a batch naming a workflow that does not exist fails with a StoreError and writes nothing":
        "its journal table has no foreign key to the workflows table, so an entry for an unknown id is inserted",
    },
  },
);

const skip = skipWithoutRedis();
let redis: RedisServer | undefined;
let prefixSeq = 0;
beforeAll(async () => {
  if (!skip) redis = await RedisServer.start();
});
afterAll(async () => {
  await redis?.stop();
});

if (!skip) {
  storeConformance("RedisStore", async () => {
    const prefix = `conf${++prefixSeq}`;
    const open = () => new RedisStore({ connection: redis!.connection, prefix });
    const store = open();
    return {
      store,
      reopen: async () => {
        await store.close();
        return open();
      },
      cleanup: async () => {},
    };
  });
}
