import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { skipWithoutRedis } from "./redis-server.js";

const skip = skipWithoutRedis();

describe.skipIf(skip)("bullmq example", () => {
  it("example:cluster finishes every op although it kills one of its two op workers", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "examples/cluster.ts"], { timeout: 30_000 });
    expect(stdout).toContain("killing w1 with SIGKILL");
    expect(stdout).toMatch(/24\/24 ops finished in \d+ ms: w1 \d+, w2 \d+; \d+ ran again after w1 died/);
  }, 35_000);
});
