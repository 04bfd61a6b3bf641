import type { Syscall } from "../syscalls/syscall.js";

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

/**
 * Names a syscall and summarises its arguments for a trace line: `["sleep", "5"]`,
 * `["wait", "#3"]`, `["submitIO", "llm"]`, `["receive", 'channel "inbox"']`. Asks the syscall
 * itself (its `describe()`), so it works across separately bundled copies of the classes.
 */
export function describeSyscall(syscall: Syscall<unknown>): [call: string, args: string] {
  const d = syscall.describe();
  return [d.name, d.detail];
}
