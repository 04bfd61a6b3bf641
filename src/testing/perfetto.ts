import { buildLanes } from "./lanes.js";
import type { Trace } from "./trace.js";
import { describeEvent } from "./trace-event.js";

/**
 * One Chrome Trace Event: `M` metadata (process and thread names), `X` complete spans with a
 * `dur`, `i` instant events (thread-scoped, `s: "t"`). `ts` and `dur` are in microseconds.
 */
export interface PerfettoEvent {
  name: string;
  ph: "M" | "X" | "i";
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  s?: "t";
  cat?: string;
  args?: Record<string, string | number | boolean>;
}

/** A Chrome Trace Event JSON object, as ui.perfetto.dev and `chrome://tracing` load it. */
export interface PerfettoTrace {
  traceEvents: PerfettoEvent[];
  displayTimeUnit: "ms";
}

/**
 * Options of {@link toPerfetto}.
 *
 * @example
 * ```ts
 * toPerfetto(trace, { pid: 2, processName: "agents" });
 * ```
 */
export interface PerfettoOptions {
  /** The trace's process id: one per scheduler when you merge several traces. Default 1. */
  pid?: number;
  /** The process track's name. Default `yieldos scheduler <id>`. */
  processName?: string;
}

const us = (ms: number) => Math.round(ms * 1000 * 1000) / 1000;

/**
 * Exports a trace in the Chrome Trace Event format that ui.perfetto.dev loads: one process for
 * the scheduler, one thread track per task (`tid` is the task's tid, named `#<tid> <name>`).
 * Running, ready, sleeping, waiting, I/O and custom-syscall stretches are complete (`X`) spans
 * named by what they wait on (`sleep 100`, `wait #3`, `submitIO llm`); syscalls, wake-ups, I/O
 * completions, kills and exits are instant (`i`) events. Times are clock ms × 1000 (µs).
 * On a virtual clock, slices take no time, so running spans have `dur: 0`.
 *
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * const trace = recordTrace(sched);
 * await sched.run();
 * writeFileSync("trace.json", JSON.stringify(toPerfetto(trace)));
 * // open ui.perfetto.dev and drop trace.json on it
 * ```
 */
export function toPerfetto(trace: Trace, options: PerfettoOptions = {}): PerfettoTrace {
  const pid = options.pid ?? 1;
  const events = trace.events;
  const { lanes } = buildLanes(events);
  const out: PerfettoEvent[] = [
    { name: "process_name", ph: "M", pid, tid: 0, ts: 0, args: { name: options.processName ?? `yieldos scheduler ${trace.scheduler}` } },
  ];
  for (const lane of lanes) {
    out.push({ name: "thread_name", ph: "M", pid, tid: lane.tid, ts: 0, args: { name: `#${lane.tid} ${lane.name}` } });
    out.push({ name: "thread_sort_index", ph: "M", pid, tid: lane.tid, ts: 0, args: { sort_index: lane.tid } });
  }
  const timed: PerfettoEvent[] = [];
  for (const lane of lanes) {
    for (const span of lane.spans) {
      if (span.end === span.start && span.state !== "running") continue;
      timed.push({ name: span.label, ph: "X", pid, tid: lane.tid, ts: us(span.start), dur: us(span.end) - us(span.start), cat: span.state });
    }
  }
  for (const e of events) {
    if (e.kind === "run") continue;
    const instant: PerfettoEvent = { name: describeEvent(e), ph: "i", s: "t", pid, tid: e.tid, ts: us(e.t), cat: e.kind };
    if (e.kind === "io:submit" || e.kind === "io:complete") instant.args = { seq: e.seq, op: e.op };
    timed.push(instant);
  }
  // Stable sort: spans and instants at the same time keep their recorded order.
  timed.sort((a, b) => a.ts - b.ts);
  return { traceEvents: out.concat(timed), displayTimeUnit: "ms" };
}
