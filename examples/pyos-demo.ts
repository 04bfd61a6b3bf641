/**
 * The main demo (`npm start`): PyOS-style tasks that fork, wait, sleep and talk to the I/O ring,
 * printed in order with clock timestamps. Runs on a virtual clock, so the output is the same on
 * every run; pass `--real` to run on the wall clock instead.
 */
import { Scheduler, VirtualClock, call, fork, getTid, sleep, wait, type Clock } from "../src/index.js";

export function demo(clock: Clock = new VirtualClock()): { sched: Scheduler; lines: string[] } {
  const sched = new Scheduler({ clock });
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
  return { sched, lines };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const clock: Clock | undefined = process.argv.includes("--real") ? undefined : new VirtualClock();
  const { sched, lines } = demo(clock);
  const start = performance.now();
  let printed = 0;
  const flush = () => {
    while (printed < lines.length) console.log(lines[printed++]);
  };
  sched.on("exit", flush);
  await sched.run();
  flush();
  console.log(`\nfinished at clock t=${Math.round(sched.now())} ms in ${(performance.now() - start).toFixed(1)} ms of real time`);
}
