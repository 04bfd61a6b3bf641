import { describeValue } from "../errors.js";
import type { IoOp } from "../io/types.js";
import { lexicalResolve } from "./cap-path.js";
import { CapSet } from "./cap-set.js";
import type { CapabilitySpec } from "./cap-spec.js";
import { CapabilityDeniedError } from "../errors.js";
import { confineOp, confinementOf } from "./confinement.js";
import { declarationOf, scopeOf } from "./scope-registry.js";

/**
 * The kernel's side of capabilities: the few functions the scheduler calls. A task's caps are a
 * {@link CapSet}, or `null` for an unrestricted task, for which none of these needs calling
 * (that is what keeps capabilities free when unused).
 * @module
 */

/** The task a check is about. */
export interface CapTask {
  readonly tid: number;
  readonly name: string;
  /** The task's working directory for relative paths, if it has one. */
  readonly cwd?: string;
}

/**
 * The caps of a task being spawned: `null` (unrestricted) when `caps` is `undefined`, else the
 * parsed set. Throws a `TypeError` for malformed specs, naming the spec and the forms expected.
 *
 * @example
 * ```ts
 * task.caps = capsForSpawn(options.caps); // in spawn
 * ```
 */
export function capsForSpawn(caps: unknown): CapSet | null {
  return caps === undefined ? null : CapSet.parse(caps, "spawn option `caps`");
}

/**
 * The caps of a child being forked by `parent` (which holds `held`): the parent's when `requested`
 * is `undefined`, else the parsed set, which must lie inside the parent's. Throws a `TypeError`
 * for malformed specs, a {@link CapabilityDeniedError} (about the parent, action `fork`, naming the
 * first capability not covered) when asking for more.
 *
 * @example
 * ```ts
 * child.caps = capsForFork(parent.caps, options.caps, parent); // in Fork's handling, before the child exists
 * ```
 */
export function capsForFork(held: CapSet | null, requested: unknown, parent: CapTask): CapSet | null {
  if (requested === undefined) return held;
  const caps = CapSet.parse(requested, "fork option `caps`");
  if (held === null) return caps;
  const extra = caps.uncoveredBy(held);
  if (extra.length > 0) {
    throw new CapabilityDeniedError({
      tid: parent.tid,
      taskName: parent.name,
      action: "fork",
      capability: extra[0]!,
      held: held.describe(),
      detail: `a child may only hold a subset of its parent's capabilities, and ${extra.map((s) => JSON.stringify(s)).join(", ")} ${extra.length === 1 ? "is" : "are"} not covered`,
    });
  }
  return caps;
}

function denied(caps: CapSet, task: CapTask, action: string, target: string | undefined): CapabilityDeniedError {
  const capability = target === undefined ? action : `${action}:${target}`;
  return new CapabilityDeniedError({ tid: task.tid, taskName: task.name, action, target, capability, held: caps.describe() });
}

/**
 * The working directory of a task: `requested` (an absolute path; `.`/`..` folded), else its
 * parent's, else `undefined` (the process's). Throws a `TypeError` naming a bad value.
 *
 * @example
 * ```ts
 * task.cwd = cwdFor(options.cwd, parent?.cwd); // in spawn and fork
 * ```
 */
export function cwdFor(requested: unknown, inherited: string | undefined): string | undefined {
  if (requested === undefined) return inherited;
  const cwd = typeof requested === "string" && requested.startsWith("/") ? lexicalResolve(requested) : undefined;
  if (cwd === undefined) {
    throw new TypeError(`option \`cwd\` must be an absolute path without NUL characters (e.g. "/data/in"), got ${describeValue(requested)}`);
  }
  return cwd;
}

/**
 * The per-op check, for each op a task with caps or a working directory submits, before it
 * reaches the ring. Returns the op to submit: `op` itself, or for a path-scoped op (`fs.*`) a copy
 * carrying the task's confinement, so the fs handlers resolve relative paths against `task.cwd`,
 * follow symlinks and check again. Throws a {@link CapabilityDeniedError} when `caps` does not
 * allow the op on its scope (a path is checked lexically here, against `task.cwd` when relative;
 * without a `cwd` a relative path is left to the handler). `caps` `null`: no check, only the cwd.
 *
 * @example
 * ```ts
 * // In SubmitIO, for each op, before anything is submitted; a throw fails the whole SubmitIO.
 * const submitted = task.caps === null && task.cwd === undefined ? op : admitOp(task.caps, op, task);
 * ```
 */
export function admitOp<Op extends IoOp>(caps: CapSet | null, op: Op, task: CapTask): Op {
  const type = op.type;
  if (caps === null) {
    return task.cwd !== undefined && declarationOf(type)?.kind === "path" ? confineOp(op, { tid: task.tid, name: task.name, caps, cwd: task.cwd }) : op;
  }
  const raw = scopeOf(op);
  if (declarationOf(type)?.kind !== "path") {
    if (!caps.allows(type, raw)) throw denied(caps, task, type, raw);
    return op;
  }
  if (!caps.allowsType(type)) throw denied(caps, task, type, raw === undefined ? undefined : (lexicalResolve(raw, task.cwd) ?? raw));
  if (raw !== undefined) {
    const path = lexicalResolve(raw, task.cwd);
    if (path !== undefined && !caps.allows(type, path)) throw denied(caps, task, type, path);
  } else if (!caps.allows(type, undefined)) {
    throw denied(caps, task, type, undefined);
  }
  return confineOp(op, { tid: task.tid, name: task.name, caps, cwd: task.cwd });
}

/** The capability name of a custom syscall: its class's static `capName`, else the class name. */
export function syscallCapName(syscall: object): string {
  const ctor = syscall.constructor as { capName?: unknown; name?: string } | undefined;
  return typeof ctor?.capName === "string" ? ctor.capName : ctor?.name || "anonymous";
}

/**
 * The check of a custom syscall (a `Syscall` subclass the kernel does not know) made by a
 * restricted task: throws a {@link CapabilityDeniedError} unless `caps` holds
 * `syscall:<ClassName>` (or `syscall`, or `*`).
 *
 * @example
 * ```ts
 * if (task.caps !== null && syscall._kind === Kind.Custom) admitSyscall(task.caps, syscall, task);
 * ```
 */
export function admitSyscall(caps: CapSet, syscall: object, task: CapTask): void {
  const name = syscallCapName(syscall);
  if (!caps.allows("syscall", name)) throw denied(caps, task, "syscall", name);
}

/**
 * What a task holds after `cap` is revoked from it (an unrestricted task becomes `*` minus `cap`).
 * Apply it to the task and to each descendant; a malformed `cap` throws a `TypeError`.
 *
 * @example
 * ```ts
 * for (const t of [task, ...descendants(task)]) t.caps = revokeCap(t.caps, cap);
 * ```
 */
export function revokeCap(caps: CapSet | null, cap: CapabilitySpec): CapSet {
  return (caps ?? CapSet.all()).without(cap);
}

/**
 * After a revoke: hands the task's new `caps` to an op it has in flight (a path op's handler checks
 * again with them at each step) and says whether the op may go on: checked on the path the handler
 * resolved when it has, else as `admitOp` would. Cancel the ops for which this is `false`.
 *
 * @example
 * ```ts
 * for (const [seq, op] of task.inFlight) if (!recheckInFlight(task.caps, op, task)) ring.cancel(seq, "capability revoked");
 * ```
 */
export function recheckInFlight(caps: CapSet, op: IoOp, task: CapTask): boolean {
  const confinement = confinementOf(op);
  if (confinement !== undefined) confinement.caps = caps;
  const resolved = confinement?.resolved;
  if (resolved !== undefined) return caps.allows(op.type, resolved);
  try {
    admitOp(caps, op, task);
    return true;
  } catch (error) {
    if (error instanceof CapabilityDeniedError) return false;
    throw error;
  }
}

/**
 * The caps column of `ps()`: `"*"`-style spec list, `"unrestricted"` for `null`, `"(none)"` for an empty set.
 *
 * @example
 * ```ts
 * describeCaps(CapSet.parse(["fs.read:/data", "llm:gpt-4o-mini"])); // "fs.read:/data, llm:gpt-4o-mini"
 * ```
 */
export function describeCaps(caps: CapSet | null): string {
  return caps === null ? "unrestricted" : caps.toString();
}
