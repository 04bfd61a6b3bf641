import { describeValue } from "../errors.js";
import { formatTime } from "./describe.js";
import { buildLanes, type LaneState } from "./lanes.js";
import type { Trace } from "./trace.js";

/**
 * Options of {@link timeline}.
 *
 * @example
 * ```ts
 * timeline(trace, { width: 80, legend: false });
 * ```
 */
export interface TimelineOptions {
  /** Columns of the time axis (the lanes' width, not counting labels). Default 60. */
  width?: number;
  /** Print the legend line under the lanes. Default `true`. */
  legend?: boolean;
}

/** The mark of each state, and which wins when several share a column (highest first). */
const MARKS: [LaneState, string][] = [
  ["replayed", "r"],
  ["running", "#"],
  ["io", "~"],
  ["syscall", "@"],
  ["waiting", "w"],
  ["sleeping", "z"],
  ["ready", "-"],
];
const RANK = new Map(MARKS.map(([state], i) => [state, MARKS.length - i]));
const MARK = new Map(MARKS);

/** The legend line {@link timeline} prints. */
const LEGEND = "# running  - ready  z sleeping  w waiting on a task  ~ I/O  @ custom syscall";
/** Added to the legend when a lane shows a replayed step. */
const LEGEND_REPLAYED = "  r replayed from a journal";

/**
 * Draws a trace as a terminal timeline: one lane per task across clock time, scaled to `width`
 * columns. `#` marks a column where the task ran, `-` ready, `z` sleeping, `w` waiting on a task,
 * `~` I/O, `@` a custom syscall, `r` a durable workflow's step replayed from its journal; blank
 * means not alive. When states share a column the busiest wins (replayed, running, then I/O,
 * syscall, waiting, sleeping, ready). Each lane ends with how the task
 * ended. Plain ASCII, one string, stable across runs on a virtual clock.
 *
 * @example
 * ```ts
 * const { sched, trace } = createTestScheduler();
 * sched.spawn(function* worker() { yield* sleep(100); }, { name: "worker" });
 * await sched.run();
 * console.log(timeline(trace, { width: 20 }));
 * // t=0 ms              t=100 ms
 * // #1 worker |#zzzzzzzzzzzzzzzzzzz#| exited
 * ```
 */
export function timeline(trace: Trace, options: TimelineOptions = {}): string {
  const width = options.width ?? 60;
  if (!Number.isInteger(width) || width < 10) {
    throw new RangeError(`timeline width must be an integer >= 10, got ${describeValue(width)}`);
  }
  const { start, end, lanes } = buildLanes(trace.events);
  if (lanes.length === 0) return "(empty trace)";
  const scale = end > start ? (end - start) / width : 1;
  const col = (t: number) => Math.min(width - 1, Math.max(0, Math.floor((t - start) / scale)));
  const labels = lanes.map((l) => `#${l.tid} ${l.name}`);
  const pad = Math.max(...labels.map((s) => s.length));
  const rows: string[] = [];
  const left = `t=${formatTime(start)} ms`;
  const right = `t=${formatTime(end)} ms`;
  rows.push(`${" ".repeat(pad + 2)}${left}${right.padStart(Math.max(right.length + 1, width - left.length))}`);
  lanes.forEach((lane, i) => {
    const cells: (LaneState | null)[] = new Array(width).fill(null);
    for (const span of lane.spans) {
      const from = col(span.start);
      // A span covers the columns it overlaps; one that takes no time marks only its start.
      const to = span.end > span.start ? col(span.end - scale * 1e-9) : from;
      if (span.end === span.start && span.state !== "running" && span.state !== "replayed") continue;
      for (let c = from; c <= to; c++) {
        const cur = cells[c];
        if (cur === null || RANK.get(span.state)! > RANK.get(cur)!) cells[c] = span.state;
      }
    }
    const body = cells.map((s) => (s === null ? " " : MARK.get(s)!)).join("");
    const status = lane.exit === null ? "alive" : `${lane.exit.status} at ${formatTime(lane.exit.t)}`;
    rows.push(`${labels[i].padEnd(pad)} |${body}| ${status}`);
  });
  rows.push(`${" ".repeat(pad + 2)}1 column = ${formatTime(scale)} ms`);
  if (options.legend !== false) rows.push(lanes.some((l) => l.spans.some((sp) => sp.state === "replayed")) ? LEGEND + LEGEND_REPLAYED : LEGEND);
  return rows.join("\n");
}
