import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Scheduler } from "../src/index.js";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));

/** Every module specifier that `entry`'s static and dynamic imports reach, following relative ones. */
function reach(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, "utf8");
    const statics = [...text.matchAll(/^\s*(?:import|export)\s+(type\s+)?(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']/gm)].filter((m) => m[1] === undefined).map((m) => m[2]);
    const dynamics = [...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    for (const spec of [...statics, ...dynamics]) {
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      else packages.add(spec);
    }
  };
  visit(resolve(SRC, entry));
  return { files, packages };
}

describe("optional peers", () => {
  it("the core, testing and agent entries reach no optional peer and no node: module", () => {
    for (const entry of ["index.ts", "testing/index.ts", "agent/index.ts"]) {
      const { files, packages } = reach(entry);
      expect(files.size).toBeGreaterThan(5);
      expect([...packages].filter((p) => p !== "eventemitter3" && p !== "nanoid/non-secure")).toEqual([]);
      expect([...files].some((f) => f.includes("/mcp/") || f.includes("/otel/"))).toBe(false);
    }
  });

  it("the reach of an entry is followed through its imports (the core reaches both of its dependencies)", () => {
    expect([...reach("index.ts").packages].sort()).toEqual(["eventemitter3", "nanoid/non-secure"]);
  });

  it("yieldos/otel and yieldos/mcp reach only their own peer, and no node: module at import", () => {
    expect([...reach("otel/index.ts").packages]).toEqual(["@opentelemetry/api"]);
    const mcp = [...reach("mcp/index.ts").packages];
    expect(mcp.filter((p) => !p.startsWith("@modelcontextprotocol/sdk/"))).toEqual([]);
    expect(mcp).toContain("@modelcontextprotocol/sdk/client/index.js");
  });

  it("a scheduler nobody instruments has no listeners, so the kernel builds no event payloads", () => {
    const sched = new Scheduler();
    sched.spawn(function* () {});
    expect(sched.eventNames()).toEqual([]);
  });
});
