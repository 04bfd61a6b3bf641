import type { Kill } from "../syscalls/kill.js";
import type { Pause } from "../syscalls/pause.js";
import type { Resume } from "../syscalls/resume.js";
import type { Sleep } from "../syscalls/sleep.js";
import type { IoItem, SubmitIO } from "../syscalls/submit-io.js";
import { Kind, type Syscall } from "../syscalls/syscall.js";
import type { Wait } from "../syscalls/wait.js";

/** The longest a value is shown in a trace line before it is cut with `…`. */
const MAX = 72;

function cut(text: string): string {
  return text.length > MAX ? `${text.slice(0, MAX - 1)}…` : text;
}

/**
 * A short, stable rendering of a value for trace lines: `42`, `"text"`, `[3 items]`, `{a,b}`,
 * `Error: boom`. `undefined` renders as `""` so callers can drop it.
 */
export function brief(value: unknown): string {
  if (value === undefined) return "";
  if (value === null || typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  if (typeof value === "string") return cut(JSON.stringify(value));
  if (typeof value === "symbol") return value.toString();
  if (typeof value === "function") return `${value.name || "anonymous"}()`;
  if (value instanceof Error) return cut(`${value.name}: ${value.message}`);
  if (Array.isArray(value)) return `[${value.length} item${value.length === 1 ? "" : "s"}]`;
  const ctor = (value as object).constructor?.name;
  if (ctor && ctor !== "Object") return ctor;
  return cut(`{${Object.keys(value as object).join(",")}}`);
}

/** Clock time for a trace line: integers as they are, fractions to at most 3 decimals. */
export function formatTime(t: number): string {
  return Number.isInteger(t) ? String(t) : String(Number(t.toFixed(3)));
}

function opType(item: IoItem): string {
  const op = "op" in item && !("type" in item) ? (item as { op: { type: unknown } }).op : item;
  return String((op as { type?: unknown })?.type ?? "?");
}

/**
 * Names a syscall and summarises its arguments: `["sleep", "5"]`, `["wait", "#3"]`,
 * `["submitIO", "llm, llm"]`; a custom syscall is named by its class. Dispatches on the kernel's
 * kind code rather than `instanceof`, so it works across separately bundled copies of the classes.
 */
export function describeSyscall(syscall: Syscall<unknown>): [call: string, args: string] {
  switch (syscall._kind) {
    case Kind.GetTid:
      return ["getTid", ""];
    case Kind.Sleep:
      return ["sleep", brief((syscall as Sleep).ms)];
    case Kind.Fork:
      // The child's tid and name are filled in by the `spawn` event that follows at once.
      return ["fork", ""];
    case Kind.Wait:
      return ["wait", `#${brief((syscall as Wait).tid)}`];
    case Kind.Kill:
      return ["kill", `#${brief((syscall as Kill).tid)}`];
    case Kind.Pause:
      return ["pause", `#${brief((syscall as Pause).tid)}`];
    case Kind.Resume:
      return ["resume", `#${brief((syscall as Resume).tid)}`];
    case Kind.SubmitIO: {
      const ops = (syscall as SubmitIO).ops;
      const list = Array.isArray(ops) ? (ops as readonly IoItem[]) : [ops as IoItem];
      const types = list.map((item) => (item !== null && typeof item === "object" ? opType(item) : brief(item)));
      return ["submitIO", Array.isArray(ops) ? `[${types.join(", ")}]` : types.join("")];
    }
    default:
      return [syscall.constructor?.name || "syscall", ""];
  }
}
