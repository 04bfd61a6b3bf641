import { describeValue } from "../errors.js";
import type { IoOp } from "../io/types.js";

/**
 * How a scope is matched: `path` scopes are path prefixes on segment boundaries (`/data` covers
 * `/data/x`, not `/database`); `name` scopes are exact names, or prefixes written `name*`.
 *
 * @example
 * ```ts
 * registerCapScope("kv.get", { kind: "name" satisfies ScopeKind, field: "key" });
 * ```
 */
export type ScopeKind = "path" | "name";

/**
 * What the scope of an op type is: its kind, and the op field that holds it (a dotted path such
 * as `"request.model"` for a nested field).
 *
 * @example
 * ```ts
 * const decl: ScopeDeclaration = { kind: "name", field: "url", label: "URL" };
 * ```
 */
export interface ScopeDeclaration {
  readonly kind: ScopeKind;
  readonly field: string;
  /** What the scope is called in messages (`"model"`, `"tool name"`); default the field. */
  readonly label?: string;
}

interface Entry {
  readonly decl: ScopeDeclaration;
  readonly keys: readonly string[];
}

const exact = new Map<string, Entry>();
/** Registered `prefix.*` patterns, longest first, so `a.b.*` wins over `a.*`. */
let prefixes: Array<[string, Entry]> = [];
const groups = new Map<string, readonly string[]>();
/** Lookups by op type, memoised: scopeOf runs on every checked op. Cleared on any registration. */
const byType = new Map<string, Entry | null>();

const OP_NAME = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/;

/** Whether `name` is a valid op type (or group) name: dotted identifiers, `fs.readFile`, `mcp.call`. */
export function isOpName(name: string): boolean {
  return OP_NAME.test(name);
}

/**
 * Declares where ops of type `opType` carry their scope, so capabilities can name it
 * (`"myop:<scope>"`) and the kernel can check it. `opType` may be `prefix.*` to cover every type
 * under a prefix. Built in: `fs.*` (path, field `path`), `llm` (name, `request.model`),
 * `mcp.call` (name, `tool`), `syscall` (the custom syscall's class name). Registering a type again
 * replaces its declaration; capability sets parsed before keep the kind they were parsed with.
 *
 * @example
 * ```ts
 * registerCapScope("http.get", { kind: "name", field: "host", label: "host" });
 * CapSet.parse(["http.get:api.example.com"]).allows("http.get", "api.example.com"); // true
 * ```
 */
export function registerCapScope(opType: string, decl: ScopeDeclaration): void {
  const isPrefix = opType.endsWith(".*");
  const name = isPrefix ? opType.slice(0, -2) : opType;
  if (typeof opType !== "string" || !isOpName(name)) {
    throw new TypeError(`registerCapScope expects an op type like "http.get" or "http.*", got ${describeValue(opType)}`);
  }
  if (decl === null || typeof decl !== "object" || (decl.kind !== "path" && decl.kind !== "name")) {
    throw new TypeError(`registerCapScope(${JSON.stringify(opType)}) expects { kind: "path" | "name", field }, got ${describeValue(decl)}`);
  }
  if (typeof decl.field !== "string" || (decl.field === "" && opType !== "syscall")) {
    throw new TypeError(`registerCapScope(${JSON.stringify(opType)}) expects a field name, got ${describeValue(decl.field)}`);
  }
  const entry: Entry = { decl: { ...decl }, keys: decl.field.split(".") };
  if (isPrefix) {
    prefixes = prefixes.filter(([p]) => p !== `${name}.`);
    prefixes.push([`${name}.`, entry]);
    prefixes.sort((a, b) => b[0].length - a[0].length);
  } else {
    exact.set(opType, entry);
  }
  byType.clear();
}

/**
 * Declares a capability group: one op name that stands for several op types
 * (built in: `fs.read` = readFile, stat, readdir; `fs.write` = writeFile, appendFile, mkdir, rm).
 * The members must share a scope kind (or all have none).
 *
 * @example
 * ```ts
 * registerCapGroup("kv.read", ["kv.get", "kv.scan"]);
 * ```
 */
export function registerCapGroup(name: string, members: readonly string[]): void {
  if (typeof name !== "string" || !isOpName(name)) {
    throw new TypeError(`registerCapGroup expects a group name like "kv.read", got ${describeValue(name)}`);
  }
  if (!Array.isArray(members) || members.length === 0 || !members.every((m) => typeof m === "string" && isOpName(m))) {
    throw new TypeError(`registerCapGroup(${JSON.stringify(name)}) expects a non-empty array of op types, got ${describeValue(members)}`);
  }
  const kinds = new Set(members.map((m) => declarationOf(m)?.kind));
  if (kinds.size > 1) {
    throw new TypeError(`registerCapGroup(${JSON.stringify(name)}): members ${members.join(", ")} have different scope kinds`);
  }
  groups.set(name, [...members]);
}

/** The members of group `name`, or `undefined` if it is not a group. */
export function groupMembers(name: string): readonly string[] | undefined {
  return groups.get(name);
}

function entryOf(opType: string): Entry | null {
  let entry = byType.get(opType);
  if (entry !== undefined) return entry;
  entry = exact.get(opType) ?? null;
  if (entry === null) {
    for (const [prefix, e] of prefixes) {
      if (opType.startsWith(prefix)) {
        entry = e;
        break;
      }
    }
  }
  byType.set(opType, entry);
  return entry;
}

/** The scope declaration of an op type (exact, else the longest registered prefix), if any. */
export function declarationOf(opType: string): ScopeDeclaration | undefined {
  return entryOf(opType)?.decl;
}

/** The scope declaration of a `prefix.*` pattern (written without `.*`), if registered as such. */
export function prefixDeclarationOf(prefix: string): ScopeDeclaration | undefined {
  return prefixes.find(([p]) => p === `${prefix}.`)?.[1].decl;
}

/** Every registered scope, for error messages: `fs.* (path), llm (model), ...`. */
export function describeScopes(): string {
  const all = [...prefixes.map(([p, e]) => [`${p}*`, e] as const), ...exact.entries()];
  return all.map(([name, e]) => `${name} (${e.decl.label ?? e.decl.field})`).join(", ");
}

/**
 * The scope of ring op `op`: the string in its declared scope field (the path of an fs op, the
 * model of an `llm` op, the tool of an `mcp.call` op), or `undefined` if its type declares no
 * scope or the field is not a string. Paths come back as written; see `lexicalResolve`.
 *
 * @example
 * ```ts
 * scopeOf({ type: "fs.readFile", path: "/data/a.txt" });                 // "/data/a.txt"
 * scopeOf({ type: "llm", request: { model: "gpt-4o-mini", messages } }); // "gpt-4o-mini"
 * scopeOf({ type: "nop" });                                               // undefined
 * ```
 */
export function scopeOf(op: IoOp): string | undefined {
  const entry = entryOf(op.type);
  if (entry === null) return undefined;
  let value: unknown = op;
  for (const key of entry.keys) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === "string" ? value : undefined;
}

registerCapScope("fs.*", { kind: "path", field: "path", label: "path" });
registerCapScope("llm", { kind: "name", field: "request.model", label: "model" });
registerCapScope("mcp.call", { kind: "name", field: "tool", label: "tool name" });
registerCapScope("syscall", { kind: "name", field: "", label: "syscall class" });
registerCapGroup("fs.read", ["fs.readFile", "fs.stat", "fs.readdir"]);
registerCapGroup("fs.write", ["fs.writeFile", "fs.appendFile", "fs.mkdir", "fs.rm"]);
