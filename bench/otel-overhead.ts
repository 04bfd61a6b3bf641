/**
 * What `yieldos/otel` costs: the same workloads on a scheduler nobody instruments ("yieldos"),
 * one instrumented with the API alone and no SDK registered (spans are no-ops), and one
 * instrumented with the SDK (every span recorded and batched to an exporter that drops it; the
 * AsyncLocalStorage context manager is enabled for that case only). Side by side in one process,
 * alternating, medians; "yieldos vs this" is how many times faster the uninstrumented scheduler is.
 *
 *   npm run bench:otel                 full run
 *   npm run bench:otel -- --quick      seconds-long smoke run
 */
import os from "node:os";
import { context, trace, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { Scheduler, call, getTid } from "../src/index.js";
import { instrument } from "../src/otel/index.js";
import { measure, table, timed, type Case, type Row, type Workload } from "./harness.js";

const quick = process.argv.includes("--quick");
const rounds = quick ? 1 : 5;

const dropAll: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
const sdkTracer: Tracer = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropAll)] }).getTracer("bench");
const noopTracer: Tracer = trace.getTracer("bench"); // no global provider: non-recording spans
const contextManager = new AsyncLocalStorageContextManager();

/** Instruments a scheduler for one run; returns what undoes it after the run. */
type Setup = (sched: Scheduler) => () => void;
const systems: [string, Setup][] = [
  ["yieldos", () => () => {}],
  ["otel, API only", (s) => instrument(s, { tracer: noopTracer }).uninstall],
  [
    "otel + SDK",
    (s) => {
      // AsyncLocalStorage makes every promise pay for context tracking: only this case has it.
      context.setGlobalContextManager(contextManager.enable());
      const tracing = instrument(s, { tracer: sdkTracer });
      return () => {
        tracing.uninstall();
        contextManager.disable();
        context.disable();
      };
    },
  ],
];

/** A workload run once per system: `body` fills a fresh scheduler and returns the count to divide by. */
function workload(id: string, title: string, unit: string, scale: number, body: (sched: Scheduler) => number): Workload {
  const cases: Case[] = systems.map(([system, setup]) => ({
    system,
    run: async () => {
      const sched = new Scheduler({ ring: { entries: 256 } });
      const undo = setup(sched);
      let count = 0;
      const ms = await timed(async () => {
        count = body(sched);
        await sched.run();
      });
      undo();
      return count / scale / (ms / 1e3);
    },
  }));
  return { id, title, unit, better: "higher", cases, rounds };
}

const o1 = workload("O1", "1,000 tasks x 200 bare yields (spans per task, no syscall events)", "M switches/s", 1e6, (sched) => {
  const tasks = 1_000;
  const yields = quick ? 20 : 200;
  for (let i = 0; i < tasks; i++) {
    sched.spawn(function* () {
      for (let k = 0; k < yields; k++) yield;
    });
  }
  return tasks * yields;
});

const o2 = workload("O2", "tasks that spawn, make one syscall and exit (a span and an event each)", "k tasks/s", 1e3, (sched) => {
  const tasks = quick ? 2_000 : 20_000;
  for (let i = 0; i < tasks; i++) {
    sched.spawn(function* () {
      yield* getTid();
    });
  }
  return tasks;
});

const job = async (): Promise<number> => 1;
const o5 = workload("O5", "256 tasks x call(fn) ops (a span per op, its context active in fn)", "k ops/s", 1e3, (sched) => {
  const n = quick ? 20_000 : 200_000;
  let next = 0;
  for (let i = 0; i < 256; i++) {
    sched.spawn(function* () {
      while (next < n) {
        next++;
        yield* call(job);
      }
    });
  }
  return n;
});

const log = (line: string) => process.stderr.write(`${line}\n`);
const rows: Row[] = [];
for (const w of [o1, o2, o5]) {
  log(`${w.id}: ${w.title}`);
  rows.push(...(await measure(w, { quick, rounds, systems: null, log })));
}
console.log(`\nyieldos/otel overhead${quick ? " (--quick: not for quoting)" : ""}`);
console.log(`date: ${new Date().toISOString()}`);
console.log(`node: ${process.version}; machine: ${os.availableParallelism()} CPUs, ${os.cpus()[0]?.model ?? "unknown CPU"}`);
console.log(`load average: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}\n`);
console.log(table(rows));
