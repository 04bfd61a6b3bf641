import { existsSync } from "node:fs";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { RedisServer, skipWithoutRedis } from "./redis-server.js";

const skip = skipWithoutRedis();

describe.skipIf(skip)("redis-server test harness", () => {
  it("starts a private Redis on a loopback port, keeps data across a restart with AOF on, and removes its directory on stop", async () => {
    const redis = await RedisServer.start({ appendonly: true });
    const client = new Redis({ ...redis.connection, maxRetriesPerRequest: null, retryStrategy: () => 50, lazyConnect: true });
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.set("k", "v");
      await redis.restart();
      expect(await client.get("k")).toBe("v");
      expect(existsSync(redis.dir)).toBe(true);
    } finally {
      client.disconnect();
      await redis.stop();
    }
    expect(existsSync(redis.dir)).toBe(false);
  });

  it("starts two servers on different ports at once", async () => {
    const [a, b] = await Promise.all([RedisServer.start(), RedisServer.start()]);
    try {
      expect(a.port).not.toBe(b.port);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
