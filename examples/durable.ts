// A durable workflow survives its process: the first process is SIGKILLed half-way, a second one
// recovers the workflow from the SQLite journal and finishes it. Steps that completed before the
// kill do not run again; the one in flight runs again with the same idempotency key.
//
//   npm run example:durable
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sleep } from "../src/index.js";
import { DurableEngine, call, now, waitSignal } from "../src/durable/index.js";
import { SqliteStore } from "../src/sqlite/index.js";

/** An op with a side effect: it prints, so you can see which ones ran in which process. */
function sideEffect(what: string) {
  return async (_signal: AbortSignal, key: string) => {
    console.log(`  [pid ${process.pid}] ${what} (idempotency key ${key})`);
    await new Promise((r) => setTimeout(r, 150));
    return what;
  };
}

function* onboarding(user: string) {
  const started = yield* now();
  const account = yield* call(sideEffect(`create account for ${user}`));
  const mail = yield* call(sideEffect(`send welcome mail to ${user}`));
  yield* sleep(200); // a durable timer: it keeps its deadline across the restart
  const plan = yield* waitSignal<string>("plan", { timeout: 5_000 });
  const billing = yield* call(sideEffect(`start ${plan ?? "free"} plan billing`));
  return { user, account, mail, billing, tookMs: (yield* now()) - started };
}

/** The workflow process: recovers what is unfinished, starts the run (idempotent), waits for it. */
async function child(db: string): Promise<void> {
  const engine = new DurableEngine({ store: new SqliteStore(db), workflows: { onboarding } });
  const resumed = await engine.recover();
  if (resumed.length > 0) console.log(`  [pid ${process.pid}] recovered ${resumed.join(", ")} from the journal`);
  await engine.start("onboarding", ["ada"], { id: "onboard-ada" });
  await engine.signal("onboard-ada", "plan", "pro");
  const result = await engine.result("onboard-ada");
  console.log(`  [pid ${process.pid}] result: ${JSON.stringify(result)}`);
  await engine.close();
}

function runChild(db: string, killWhen?: RegExp): Promise<{ out: string; killed: boolean }> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", self, "child", db], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    let killed = false;
    p.stdout.on("data", (d: Buffer) => {
      process.stdout.write(d);
      out += d.toString();
      if (killWhen !== undefined && !killed && killWhen.test(out)) {
        killed = true;
        p.kill("SIGKILL");
      }
    });
    p.on("error", reject);
    p.on("exit", (code, signal) => (signal === "SIGKILL" || code === 0 ? resolve({ out, killed }) : reject(new Error(`child exited with ${code}`))));
  });
}

/** Runs the demo: returns both processes' output. */
export async function runDurableExample(): Promise<{ first: string; second: string }> {
  const dir = mkdtempSync(join(tmpdir(), "yieldos-durable-"));
  const db = join(dir, "workflows.db");
  try {
    console.log("process 1: runs the workflow; we SIGKILL it while it sends the welcome mail");
    const first = await runChild(db, /send welcome mail/);
    console.log("process 1: killed\nprocess 2: same code, same journal");
    const second = await runChild(db);
    return { first: first.out, second: second.out };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "child") await child(process.argv[3]);
else if (process.argv[1] === fileURLToPath(import.meta.url)) await runDurableExample();
