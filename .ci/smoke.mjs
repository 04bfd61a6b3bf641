// Checks the built package as consumers see it: ESM and CJS entry points load, and the core
// bundle pulls in no Node built-in.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const want = ["Scheduler", "VirtualClock", "Syscall", "IoRing", "getTid", "sleep", "fork", "wait", "kill", "submitIO", "call"];
for (const entry of ["yieldos", "yieldos/node", "yieldos/testing", "yieldos/agent", "yieldos/durable", "yieldos/sqlite"]) {
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
for (const file of ["index.js", "index.cjs", "testing.js", "testing.cjs", "agent.js", "agent.cjs", "durable.js", "durable.cjs"]) visit(file);
console.log(`smoke: ESM and CJS entry points load and share one kernel; ${seen.size} core/testing files import no Node built-ins`);
