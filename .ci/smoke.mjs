// Checks the built package as consumers see it: ESM and CJS entry points load, and the core
// bundle pulls in no Node built-in.
import { createRequire } from "node:module";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const want = ["Scheduler", "VirtualClock", "Syscall", "IoRing", "getTid", "sleep", "fork", "wait", "kill", "submitIO", "call", "CapSet", "CapabilityDeniedError", "retry"];
for (const entry of ["yieldos", "yieldos/node", "yieldos/testing", "yieldos/agent", "yieldos/mcp", "yieldos/otel", "yieldos/bullmq", "yieldos/durable", "yieldos/sqlite"]) {
  await import(entry);
  require(entry);
}
const esm = await import("yieldos");
const cjs = require("yieldos");
const missing = want.filter((n) => !(n in esm) || !(n in cjs));
if (missing.length) throw new Error(`dist does not export: ${missing.join(", ")}`);
// The entry points share one kernel: a syscall from `yieldos` works on a scheduler made by `yieldos/testing`.
for (const [core, testing] of [[esm, await import("yieldos/testing")], [cjs, require("yieldos/testing")]]) {
  const { sched } = testing.createTestScheduler();
  const t = sched.spawn(function* () {
    yield* core.sleep(5);
    return core.getTid ? yield* core.getTid() : 0;
  });
  sched.runSync();
  if ((await t.done) !== 1) throw new Error("yieldos/testing does not share the kernel of yieldos");
}
// Names in messages never depend on a bundler's renaming: the CJS build keeps class names, and a
// deadlock names a channel by its own name. A VirtualClock of the other build is refused, saying so.
for (const y of [esm, cjs]) {
  if (y.Scheduler.name !== "Scheduler" || y.Channel.name !== "Channel") throw new Error(`class names were renamed: ${y.Scheduler.name}, ${y.Channel.name}`);
  const s = new y.Scheduler({ clock: new y.VirtualClock() });
  s.spawn(function* stuck() {
    yield* y.channel({ name: "inbox" }).receive();
  });
  const e = await s.run().then(() => null, (x) => x);
  if (!String(e?.message).includes('syscall receive channel "inbox"')) throw new Error(`deadlock message: ${e?.message}`);
}
try {
  new cjs.Scheduler({ clock: new esm.VirtualClock() });
  throw new Error("a VirtualClock of the ESM build was taken by the CJS Scheduler");
} catch (e) {
  if (!/another copy of yieldos/.test(String(e?.message))) throw e;
}
// Every file the core and testing bundles load (their shared chunks too) stays free of Node built-ins.
const seen = new Set();
const visit = (file) => {
  if (seen.has(file)) return;
  seen.add(file);
  const text = readFileSync(new URL(`../dist/${file}`, import.meta.url), "utf8");
  const hit = text.match(/(?:from\s+|require\()["'](node:[a-z_/]+|(?:fs|path|crypto|os|child_process|http|https|net|url|util)(?:\/[a-z]+)?)["']/);
  if (hit) throw new Error(`dist/${file} imports the Node built-in ${hit[1]}: the core must stay platform-neutral`);
  for (const m of text.matchAll(/(?:from\s+|require\()["']\.\/([\w.-]+\.c?js)["']/g)) visit(m[1]);
};
for (const file of ["index.js", "index.cjs", "testing.js", "testing.cjs", "agent.js", "agent.cjs", "mcp.js", "mcp.cjs", "otel.js", "otel.cjs", "durable.js", "durable.cjs"]) visit(file);
console.log(`smoke: ESM and CJS entry points load and share one kernel; ${seen.size} core/testing/agent/mcp/otel files import no Node built-ins`);

// An integration whose optional peer is missing fails on import, in ESM and CJS, naming the package
// and version: the package installed alone (with its own dependencies) in a scratch directory.
const scratch = mkdtempSync(join(tmpdir(), "yieldos-smoke-"));
try {
  const pkg = join(scratch, "node_modules", "yieldos");
  mkdirSync(pkg, { recursive: true });
  cpSync(new URL("../dist", import.meta.url), join(pkg, "dist"), { recursive: true });
  cpSync(new URL("../package.json", import.meta.url), join(pkg, "package.json"));
  symlinkSync(new URL("../node_modules/eventemitter3", import.meta.url).pathname, join(scratch, "node_modules", "eventemitter3"));
  const peers = { "yieldos/mcp": "@modelcontextprotocol/sdk ^1", "yieldos/otel": "@opentelemetry/api ^1", "yieldos/bullmq": "bullmq ^6" };
  for (const [entry, peer] of Object.entries(peers)) {
    for (const code of [`await import("${entry}")`, `require("${entry}")`]) {
      let message = "";
      try {
        execFileSync(process.execPath, code.startsWith("await") ? ["--input-type=module", "-e", code] : ["-e", code], { cwd: scratch, stdio: "pipe" });
      } catch (error) {
        message = String(error.stderr);
      }
      if (!message.includes(`${entry} needs the optional peer dependency ${peer}`)) {
        throw new Error(`${code} without its peer should fail naming ${peer}, got: ${message || "no error"}`);
      }
    }
  }
  execFileSync(process.execPath, ["-e", 'require("yieldos")'], { cwd: scratch, stdio: "pipe" });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log("smoke: yieldos/mcp, yieldos/otel and yieldos/bullmq fail on import without their peers, naming package and version; the core loads without them");
