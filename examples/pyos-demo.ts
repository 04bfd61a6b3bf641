/**
 * The main demo (`npm start`): PyOS-style tasks that fork, wait, sleep and talk to the I/O ring,
 * printed in order with clock timestamps, then a terminal timeline of the run and a `ps` table
 * taken mid-run. Runs on a virtual clock, so the output is the same on every run; pass `--real`
 * to run on the wall clock instead, and `--trace out.json` to write a Perfetto trace of the run
 * (open it at ui.perfetto.dev).
 */
import { writeFileSync } from "node:fs";
import { RealClock, Scheduler, VirtualClock, call, fork, getTid, sleep, wait, type Clock } from "../src/index.js";
import { formatPs, recordTrace, timeline, toPerfetto, type Trace } from "../src/testing/index.js";

export function demo(clock: Clock = new VirtualClock()): { sched: Scheduler; lines: string[]; trace: Trace } {
  const sched = new Scheduler({ clock });
  const trace = recordTrace(sched);
  const lines: string[] = [];
  const log = (who: string, text: string) => {
    const line = `[t=${String(Math.round(sched.now())).padStart(4)}] ${who.padEnd(10)} ${text}`;
    lines.push(line);
  };

  function* worker(name: string, steps: number, ms: number) {
    const me = yield* getTid();
    for (let i = 1; i <= steps; i++) {
      log(`${name}#${me}`, `step ${i}/${steps}, sleeping ${ms} ms`);
      yield* sleep(ms);
    }
    return steps * ms;
  }

  function* fetcher() {
    const me = yield* getTid();
    log(`fetch#${me}`, "calling a slow service through the ring");
    const body = yield* call(() => new Promise<string>((resolve) => setTimeout(() => resolve("200 OK"), 5)));
    log(`fetch#${me}`, `got ${body}`);
    return body;
  }

  function* main() {
    const me = yield* getTid();
    log(`main#${me}`, "forking two workers and a fetcher");
    const a = yield* fork(worker("alpha", 3, 100), { name: "alpha" });
    const b = yield* fork(worker("beta", 2, 250), { name: "beta" });
    const f = yield* fork(fetcher, { name: "fetcher" });
    log(`main#${me}`, `forked #${a}, #${b}, #${f}; waiting for them in turn`);
    const total = (yield* wait(a)) + (yield* wait(b));
    const body = yield* wait(f);
    log(`main#${me}`, `workers slept ${total} ms in all; fetcher said ${body}`);
    return total;
  }

  sched.on("exit", (tid, e) => log(`kernel`, `task #${tid} ${e.name} ${e.status} -> ${String(e.result)}`));
  sched.spawn(main, { name: "main" });
  return { sched, lines, trace };
}

/** The value of a `--flag value` command-line option, or `undefined`. */
function option(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith("--")) {
    console.error(`${flag} needs a file name, e.g. ${flag} trace.json`);
    process.exit(2);
  }
  return value;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // (`demo(undefined)` would fall back to its default virtual clock, so --real passes a RealClock.)
  const clock: Clock = process.argv.includes("--real") ? new RealClock() : new VirtualClock();
  const tracePath = option("--trace");
  const { sched, lines, trace } = demo(clock);
  // A ps snapshot from the first slice 150 ms or more into the run: some tasks sleep, one waits.
  let ps = "";
  const t0 = sched.now();
  const snapshot = () => {
    if (sched.now() - t0 < 150) return;
    ps = `ps at t=${Math.round(sched.now())}:\n${formatPs(sched.ps())}`;
    sched.off("run", snapshot);
  };
  sched.on("run", snapshot);
  const start = performance.now();
  let printed = 0;
  const flush = () => {
    while (printed < lines.length) console.log(lines[printed++]);
  };
  sched.on("exit", flush);
  await sched.run();
  flush();
  console.log(`\nfinished at clock t=${Math.round(sched.now())} ms in ${(performance.now() - start).toFixed(1)} ms of real time`);
  trace.stop();
  console.log(`\n${timeline(trace, { width: 60 })}\n\n${ps}`);
  if (tracePath !== undefined) {
    writeFileSync(tracePath, JSON.stringify(toPerfetto(trace)));
    console.log(`\nwrote a Perfetto trace to ${tracePath}: open it at https://ui.perfetto.dev`);
  }
}
