import type { Fork } from "../syscalls/fork.js";
import type { Kill } from "../syscalls/kill.js";
import type { Pause } from "../syscalls/pause.js";
import type { Resume } from "../syscalls/resume.js";
import type { Sleep } from "../syscalls/sleep.js";
import type { IoItem, SubmitIO } from "../syscalls/submit-io.js";
import { Kind, type Syscall } from "../syscalls/syscall.js";
import type { Wait } from "../syscalls/wait.js";

/** The action and target of one audited syscall. @internal */
export interface AuditSubject {
  action: string;
  target: string;
}

const MAX = 80;

function cut(text: string): string {
  return text.length > MAX ? `${text.slice(0, MAX - 3)}...` : text;
}

function tidRef(tid: unknown, names: ReadonlyMap<number, string>): string {
  const name = typeof tid === "number" ? names.get(tid) : undefined;
  return name === undefined ? `#${String(tid)}` : `#${tid} "${name}"`;
}

/** The subject of one op: its type, and the field that says what it works on. */
function describeOp(item: IoItem): AuditSubject {
  const op = ("op" in item && !("type" in item) ? item.op : item) as Record<string, unknown>;
  const type = String(op?.type ?? "?");
  const request = op.request as { model?: unknown } | undefined;
  let target = "";
  if (type === "llm" && typeof request?.model === "string") target = request.model;
  else if (type === "call") target = (op.fn as { name?: string } | undefined)?.name || "anonymous";
  else if (type === "timeout") target = `${String(op.ms)}ms`;
  else {
    for (const key of ["path", "url", "query", "name", "key"]) {
      if (typeof op[key] === "string") {
        target = key === "query" ? JSON.stringify(op[key]) : (op[key] as string);
        break;
      }
    }
  }
  return { action: type, target };
}

/**
 * What an audit record says a syscall did: `sleep 100ms`, `wait #3 "worker"`, `llm gpt-4o-mini`,
 * `fs.readFile notes.md`, `send channel "jobs"`. A custom syscall is named by its class unless
 * it has an `auditInfo()` method returning `{ action, target }`.
 * @internal
 */
export function describeForAudit(syscall: Syscall<unknown>, names: ReadonlyMap<number, string>): AuditSubject {
  switch (syscall._kind) {
    case Kind.GetTid:
      return { action: "getTid", target: "" };
    case Kind.Sleep:
      return { action: "sleep", target: `${String((syscall as Sleep).ms)}ms` };
    case Kind.Fork: {
      const { target, options } = syscall as Fork;
      return { action: "fork", target: options?.name ?? ((typeof target === "function" && target.name) || "task") };
    }
    case Kind.Wait:
      return { action: "wait", target: tidRef((syscall as Wait).tid, names) };
    case Kind.Kill:
      return { action: "kill", target: tidRef((syscall as Kill).tid, names) };
    case Kind.Pause:
      return { action: "pause", target: tidRef((syscall as Pause).tid, names) };
    case Kind.Resume:
      return { action: "resume", target: tidRef((syscall as Resume).tid, names) };
    case Kind.SubmitIO: {
      const ops = (syscall as SubmitIO).ops;
      if (!Array.isArray(ops)) return describeOne(ops as IoItem);
      const parts = (ops as IoItem[]).map((item) => describeOne(item)).map((s) => (s.target ? `${s.action} ${s.target}` : s.action));
      return { action: "io", target: cut(parts.join("; ")) };
    }
    default:
      return describeCustom(syscall);
  }
}

function describeOne(item: IoItem): AuditSubject {
  if (item === null || typeof item !== "object") return { action: "io", target: String(item) };
  const s = describeOp(item);
  return { action: s.action, target: cut(s.target) };
}

function describeCustom(syscall: Syscall<unknown>): AuditSubject {
  const info = (syscall as { auditInfo?: () => AuditSubject }).auditInfo;
  if (typeof info === "function") {
    const s = info.call(syscall);
    return { action: String(s?.action ?? ""), target: cut(String(s?.target ?? "")) };
  }
  const d = syscall.describe();
  return { action: d.name.charAt(0).toLowerCase() + d.name.slice(1), target: cut(d.detail) };
}
