// Checks the built package as consumers see it: ESM and CJS entry points load, and the core
// bundle pulls in no Node built-in.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const want = ["Scheduler", "VirtualClock", "Syscall", "IoRing", "getTid", "sleep", "fork", "wait", "kill", "submitIO", "call"];
for (const entry of ["yieldos", "yieldos/node", "yieldos/testing"]) {
  await import(entry);
  require(entry);
}
const esm = await import("yieldos");
const cjs = require("yieldos");
const missing = want.filter((n) => !(n in esm) || !(n in cjs));
if (missing.length) throw new Error(`dist does not export: ${missing.join(", ")}`);
for (const file of ["dist/index.js", "dist/index.cjs", "dist/testing.js", "dist/testing.cjs"]) {
  const text = readFileSync(new URL(`../${file}`, import.meta.url), "utf8");
  const hit = text.match(/(?:from\s+|require\()["'](node:[a-z_/]+|fs|path|crypto|os|child_process|http)["']/);
  if (hit) throw new Error(`${file} imports the Node built-in ${hit[1]}: the core must stay platform-neutral`);
}
console.log("smoke: ESM and CJS entry points load; core bundles import no Node built-ins");
