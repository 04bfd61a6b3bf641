import type { TraceEvent } from "./trace-event.js";

/** What a task is doing during a {@link Span}. */
export type LaneState = "ready" | "running" | "sleeping" | "waiting" | "io" | "syscall" | "replayed";

/** A stretch of clock time a task spent in one state; `label` says on what (`sleep 5`, `wait #3`). */
export interface Span {
  state: LaneState;
  start: number;
  end: number;
  label: string;
}

/** One task's spans, in time order, and how it ended (if it did within the trace). */
export interface Lane {
  tid: number;
  name: string;
  spans: Span[];
  exit: { t: number; status: "exited" | "failed" | "killed" } | null;
}

const BLOCKS: Record<string, LaneState> = { sleep: "sleeping", wait: "waiting", submitIO: "io" };
const AT_ONCE = new Set(["getTid", "fork", "kill", "pause", "resume"]);

/**
 * Rebuilds per-task state spans from trace events. A slice runs from its `run` event to the
 * task's next event (on a virtual clock slices take no time, so running spans have length 0).
 * A syscall blocks as its kind says until its `wake`; built-ins that complete at once, and
 * custom syscalls resumed inside `handle`, leave the task ready. A step a durable workflow
 * replayed from its journal is `replayed` until the task's next event.
 */
export function buildLanes(events: readonly TraceEvent[]): { start: number; end: number; lanes: Lane[] } {
  const lanes = new Map<number, Lane>();
  const open = new Map<number, { state: LaneState; since: number; label: string }>();
  const move = (lane: Lane, t: number, state: LaneState | null, label = state ?? "") => {
    const cur = open.get(lane.tid);
    if (cur !== undefined) lane.spans.push({ state: cur.state, start: cur.since, end: t, label: cur.label });
    if (state === null) open.delete(lane.tid);
    else open.set(lane.tid, { state, since: t, label });
  };
  for (const e of events) {
    let lane = lanes.get(e.tid);
    if (lane === undefined) {
      lane = { tid: e.tid, name: e.name, spans: [], exit: null };
      lanes.set(e.tid, lane);
    }
    switch (e.kind) {
      case "spawn":
      case "wake":
        move(lane, e.t, "ready");
        break;
      case "run":
        move(lane, e.t, "running");
        break;
      case "syscall": {
        // A durable workflow's step answered from its journal (see `recordTrace`).
        const state = e.args.endsWith("(replayed)") ? "replayed" : (BLOCKS[e.call] ?? (AT_ONCE.has(e.call) ? "ready" : "syscall"));
        move(lane, e.t, state, state === "ready" ? "ready" : e.args === "" ? e.call : `${e.call} ${e.args}`);
        break;
      }
      case "kill":
        if (open.get(e.tid)?.state !== "running") move(lane, e.t, "ready");
        break;
      case "exit":
        move(lane, e.t, null);
        lane.exit = { t: e.t, status: e.status };
        break;
      default:
        break;
    }
  }
  const start = events.length > 0 ? events[0].t : 0;
  const end = events.reduce((max, e) => Math.max(max, e.t), start);
  for (const lane of lanes.values()) if (open.has(lane.tid)) move(lane, end, null);
  return { start, end, lanes: [...lanes.values()].sort((a, b) => a.tid - b.tid) };
}
