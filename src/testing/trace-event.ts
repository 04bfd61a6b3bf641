import type { TaskStatus } from "../kernel/types.js";
import { brief, formatTime } from "./describe.js";

interface Base {
  /** Scheduler clock time. */
  t: number;
  tid: number;
  /** The task's name. */
  name: string;
}

/**
 * One recorded scheduler event. `kind` tells which:
 *
 * - `spawn`: a task was spawned or forked (`parent`, `priority`).
 * - `run`: a slice of the task began.
 * - `syscall`: the task yielded a syscall: `call` names it, `args` summarises its arguments
 *   (`sleep` `5`, `wait` `#3`, `fork` `#4 worker`, `submitIO` `llm`).
 * - `wake`: a blocked task got its syscall's outcome; `from` is what it was blocked in
 *   (`sleeping`, `waiting`, `io`, `syscall`, `paused`). A syscall that fails at once (say
 *   `sleep(-1)`) is recorded as a wake `from: "running"` with `ok: false`; one that succeeds at
 *   once is not recorded (the next `run` shows it).
 * - `io:submit` / `io:complete`: an op the task submitted to the scheduler's ring.
 * - `kill`: a kill of the task began (`reason`); it may still run `finally` blocks.
 * - `exit`: the task ended (`status`, `result`).
 *
 * @example
 * ```ts
 * const sleeps = trace.events.filter((e) => e.kind === "syscall" && e.call === "sleep");
 * ```
 */
export type TraceEvent =
  | (Base & { kind: "spawn"; parent: number | null; priority: number })
  | (Base & { kind: "run" })
  | (Base & { kind: "syscall"; call: string; args: string })
  | (Base & { kind: "wake"; from: TaskStatus; ok: boolean; value: unknown })
  | (Base & { kind: "io:submit"; seq: number; op: string })
  | (Base & { kind: "io:complete"; seq: number; op: string; ok: boolean; value: unknown })
  | (Base & { kind: "kill"; reason: Error })
  | (Base & { kind: "exit"; status: "exited" | "failed" | "killed"; result: unknown });

/**
 * The kinds of {@link TraceEvent}.
 *
 * @example
 * ```ts
 * const kinds: TraceKind[] = ["syscall", "wake"];
 * trace.lines({ kind: kinds });
 * ```
 */
export type TraceKind = TraceEvent["kind"];

/**
 * Which events `trace.lines()` shows: `task` keeps events of the given tids or names, `kind`
 * keeps the given kinds, `omit` drops kinds. Each accepts one value or an array.
 *
 * @example
 * ```ts
 * trace.lines({ task: "worker", omit: "run" });
 * trace.lines({ task: [2, 3], kind: ["syscall", "exit"] });
 * ```
 */
export interface TraceFilter {
  task?: number | string | readonly (number | string)[];
  kind?: TraceKind | readonly TraceKind[];
  omit?: TraceKind | readonly TraceKind[];
}

function list<T>(x: T | readonly T[] | undefined): readonly T[] | null {
  return x === undefined ? null : Array.isArray(x) ? (x as readonly T[]) : [x as T];
}

/** Turns a {@link TraceFilter} into a predicate. */
export function matcher(filter: TraceFilter = {}): (e: TraceEvent) => boolean {
  const tasks = list(filter.task);
  const kinds = list(filter.kind);
  const omit = list(filter.omit);
  return (e) =>
    (tasks === null || tasks.includes(e.tid) || tasks.includes(e.name)) &&
    (kinds === null || kinds.includes(e.kind)) &&
    (omit === null || !omit.includes(e.kind));
}

function outcome(ok: boolean, value: unknown): string {
  if (!ok) return ` error ${brief(value)}`;
  const text = brief(value);
  return text === "" ? "" : ` -> ${text}`;
}

/** What an event says, without the time and task: `sleep 5`, `wake sleeping`, `exit exited -> 3`. */
export function describeEvent(e: TraceEvent): string {
  switch (e.kind) {
    case "spawn":
      return `spawn${e.parent === null ? "" : ` by #${e.parent}`}${e.priority === 0 ? "" : ` pri=${e.priority}`}`;
    case "run":
      return "run";
    case "syscall":
      return e.args === "" ? e.call : `${e.call} ${e.args}`;
    case "wake":
      return `wake ${e.from}${outcome(e.ok, e.value)}`;
    case "io:submit":
      return `io:submit #${e.seq} ${e.op}`;
    case "io:complete":
      return `io:complete #${e.seq} ${e.op}${outcome(e.ok, e.value)}`;
    case "kill":
      return `kill ${brief(e.reason)}`;
    case "exit":
      return `exit ${e.status}${e.status === "exited" ? outcome(true, e.result) : ` ${brief(e.result)}`}`;
  }
}

/**
 * Formats one event as a stable trace line: `t=<time> #<tid> <name> <what>`.
 *
 * @example
 * ```ts
 * sched.on("exit", () => console.log(trace.events.map(formatTraceEvent).join("\n")));
 * // t=10 #2 worker sleep 5
 * ```
 */
export function formatTraceEvent(e: TraceEvent): string {
  return `t=${formatTime(e.t)} #${e.tid} ${e.name} ${describeEvent(e)}`;
}
