import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const present = existsSync(CHROMIUM);
if (!present) {
  if (process.env.CI === "true") throw new Error(`${CHROMIUM} is missing: CI must run the browser test (apt-get install -y chromium)`);
  console.warn(`browser test skipped: no Chromium at ${CHROMIUM}; install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`);
}

/** The headless flags for Debian's Chromium in a container, as measured for this project. */
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

describe.skipIf(!present)("browser", () => {
  let server: Server;
  let origin: string;
  let browser: BrowserContext | undefined;
  let profile: string;
  let bundle: { code: string; inputs: string[] };

  beforeAll(async () => {
    const out = await build({
      entryPoints: [fileURLToPath(new URL("./fixtures/browser/program.ts", import.meta.url))],
      bundle: true,
      platform: "browser",
      format: "esm",
      target: "es2022",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    bundle = { code: out.outputFiles[0].text, inputs: Object.keys(out.metafile.inputs) };
    server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      if (url.pathname === "/") res.writeHead(200, { "content-type": "text/html" }).end('<!doctype html><script type="module" src="/app.js"></script>');
      else if (url.pathname === "/app.js") res.writeHead(200, { "content-type": "text/javascript" }).end(bundle.code);
      else if (url.pathname === "/ping") res.writeHead(200, { "content-type": "text/plain" }).end(`pong ${url.searchParams.get("n")}`);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    profile = await mkdtemp(join(tmpdir(), "yieldos-chromium-"));
    // A persistent context is how Playwright takes a --user-data-dir of our choosing: a fresh one.
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 30_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it("bundles the core and yieldos/testing for the browser without a Node built-in", () => {
    const local = bundle.inputs.filter((p) => !p.includes("node_modules")).map((p) => p.replace(/^.*?src\//, "src/"));
    expect(local.some((p) => p.startsWith("src/kernel/"))).toBe(true);
    expect(local.some((p) => p.startsWith("src/testing/"))).toBe(true);
    expect(bundle.inputs.filter((p) => p.includes("node_modules")).map((p) => p.split("node_modules/")[1].split("/")[0]).sort()).toEqual(
      expect.arrayContaining(["eventemitter3", "nanoid"]),
    );
    expect(bundle.code).not.toMatch(/from\s*["']node:/);
  });

  it("runs tasks in headless Chromium on a virtual clock and on the real clock with call(fetch)", async () => {
    const page = await browser!.newPage();
    try {
      await page.goto(`${origin}/`, { timeout: 15_000 });
      await page.waitForFunction(() => (globalThis as Record<string, unknown>).__yieldos !== undefined, undefined, { timeout: 15_000 });
      const out = (await page.evaluate(() => (globalThis as Record<string, unknown>).__yieldos)) as Record<string, unknown>;
      expect(out.error).toBeUndefined();
      expect(out.userAgent).toMatch(/Chrome\/\d+/);
      expect(out.virtual).toEqual({
        lines: ["t=10 #3 task exit exited -> 10", "t=20 #4 task exit exited -> 20", "t=30 #2 task exit exited -> 30", "t=30 #1 parent exit exited -> 60"],
        result: 60,
        now: 30,
      });
      expect(out.real).toEqual({ bodies: ["pong 1", "pong 2"], slept: true });
      // The same outcome is in the DOM, for a run with --dump-dom instead of a driver.
      expect(JSON.parse((await page.textContent("#result")) ?? "{}")).toEqual(out);
    } finally {
      await page.close();
    }
  }, 30_000);
});
