import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { skipWithoutRedis } from "./redis-server.js";

const skip = skipWithoutRedis();

describe.skipIf(skip)("bullmq example", () => {
  it("example:cluster finishes every op and every workflow although it kills an op worker and a workflow worker", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "examples/cluster.ts"], { timeout: 50_000 });
    expect(stdout).toContain("killing w1 with SIGKILL");
    expect(stdout).toMatch(/24\/24 ops finished in \d+ ms: w1 \d+, w2 \d+; \d+ ran again after w1 died/);
    expect(stdout).toContain("starting digest-1 again: created false");
    expect(stdout).toContain("killing workflow worker wf1 with SIGKILL");
    expect(stdout).toMatch(/12\/12 workflows finished in \d+ ms, 12 with the expected sum, although wf1 died mid-run/);
  }, 55_000);
});
