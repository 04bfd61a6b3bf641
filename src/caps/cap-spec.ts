import { describeValue } from "../errors.js";
import { canonicalScopePath } from "./cap-path.js";
import { declarationOf, describeScopes, groupMembers, isOpName, prefixDeclarationOf, type ScopeDeclaration } from "./scope-registry.js";

/**
 * One capability as written: a grant (`"fs.read:/data/in"`, `{ op: "llm", scope: "gpt-4o-mini" }`)
 * or, with `!` / `deny: true`, an exclusion carved out of the grants (`"!fs.rm:/data/keep"`).
 * See README, "Capabilities", for the spelling.
 *
 * @example
 * ```ts
 * const caps: CapabilitySpec[] = ["fs.read:/data/in", "llm:gpt-4o-mini", { op: "mcp.call", scope: "search" }];
 * ```
 */
export type CapabilitySpec = string | { readonly op: string; readonly scope?: string; readonly deny?: boolean };

/** A set of op types: every type (`*`), the types under a prefix (`fs.*`), or one type. @internal */
export type OpAtom = { readonly all: true } | { readonly prefix: string } | { readonly type: string };

/** A parsed scope; `undefined` in a {@link Cap} means "any". @internal */
export type Scope = { readonly kind: "path"; readonly path: string } | { readonly kind: "name"; readonly name: string; readonly prefix: boolean };

/** A parsed, canonical capability. @internal */
export interface Cap {
  readonly deny: boolean;
  /** The op as written: `*`, a type, a group, `prefix.*`, or `syscall`. */
  readonly op: string;
  /** What `op` stands for: one atom, or one per member of a group. */
  readonly atoms: readonly OpAtom[];
  readonly scope: Scope | undefined;
  /** The canonical spec string; equal strings mean equal capabilities. */
  readonly spec: string;
}

const ALL: OpAtom = { all: true };

/** The forms a spec may take, for error messages. */
export function expectedForms(): string {
  return (
    `expected "op", "op:scope" or "!op:scope" (an exclusion), or { op, scope?, deny? }; op is "*", an op type ` +
    `("fs.readFile", "llm", "call", "nop"), a group ("fs.read", "fs.write"), "prefix.*" ("fs.*") or "syscall"; ` +
    `scoped ops: ${describeScopes()}; a path scope is absolute ("/data/in"), a name scope exact ("gpt-4o-mini") or a prefix ("gpt-4o*")`
  );
}

/** Where the spec being parsed came from (`spawn option \`caps\`[2]`), for its error message. */
let where = "";

function bad(spec: unknown, problem: string): TypeError {
  const shown = typeof spec === "string" ? JSON.stringify(spec) : describeValue(spec);
  return new TypeError(`invalid capability ${shown}${where === "" ? "" : ` in ${where}`}: ${problem}; ${expectedForms()}`);
}

function atomsOf(spec: unknown, op: string): { atoms: readonly OpAtom[]; decl: ScopeDeclaration | undefined } {
  if (op === "*") return { atoms: [ALL], decl: undefined };
  if (op.endsWith(".*") && isOpName(op.slice(0, -2))) {
    const prefix = op.slice(0, -2);
    return { atoms: [{ prefix: `${prefix}.` }], decl: prefixDeclarationOf(prefix) };
  }
  if (!isOpName(op)) throw bad(spec, `${JSON.stringify(op)} is not an op name`);
  const members = groupMembers(op);
  if (members !== undefined) return { atoms: members.map((type) => ({ type })), decl: declarationOf(members[0]!) };
  return { atoms: [{ type: op }], decl: declarationOf(op) };
}

function scopeOfSpec(spec: unknown, op: string, raw: string | undefined, decl: ScopeDeclaration | undefined): Scope | undefined {
  if (raw === undefined || raw === "*") return undefined;
  if (raw === "") throw bad(spec, "the scope after ':' is empty");
  if (decl === undefined) throw bad(spec, `op ${JSON.stringify(op)} takes no scope (grant it whole as ${JSON.stringify(op)})`);
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw bad(spec, "the scope contains a control character");
  if (decl.kind === "path") {
    const path = canonicalScopePath(raw);
    if (typeof path !== "string") throw bad(spec, path.problem);
    return { kind: "path", path };
  }
  const star = raw.indexOf("*");
  if (star !== -1 && star !== raw.length - 1) throw bad(spec, "'*' may only end a name scope (a prefix)");
  return star === -1 ? { kind: "name", name: raw, prefix: false } : { kind: "name", name: raw.slice(0, -1), prefix: true };
}

/** The text of a scope in a spec string. @internal */
export function scopeText(scope: Scope): string {
  return scope.kind === "path" ? scope.path : scope.prefix ? `${scope.name}*` : scope.name;
}

function build(spec: unknown, deny: boolean, op: string, rawScope: string | undefined): Cap {
  if (op === "") throw bad(spec, "the op is empty");
  if (op === "*" && rawScope !== undefined && rawScope !== "*") throw bad(spec, `"*" takes no scope`);
  const { atoms, decl } = atomsOf(spec, op);
  const scope = scopeOfSpec(spec, op, rawScope, decl);
  return { deny, op, atoms, scope, spec: `${deny ? "!" : ""}${op}${scope === undefined ? "" : `:${scopeText(scope)}`}` };
}

/**
 * Parses and validates one capability spec into its canonical form. Throws a `TypeError` naming
 * the spec, what is wrong with it, and the forms expected.
 * @internal Use `CapSet.parse`.
 */
export function parseCap(spec: unknown, from = ""): Cap {
  where = from;
  try {
    return parse(spec);
  } finally {
    where = "";
  }
}

function parse(spec: unknown): Cap {
  if (typeof spec === "string") {
    if (spec.length === 0) throw bad(spec, "it is empty");
    if (spec.trim() !== spec) throw bad(spec, "it has leading or trailing whitespace");
    const deny = spec.startsWith("!");
    const body = deny ? spec.slice(1) : spec;
    const colon = body.indexOf(":");
    return colon === -1 ? build(spec, deny, body, undefined) : build(spec, deny, body.slice(0, colon), body.slice(colon + 1));
  }
  if (spec !== null && typeof spec === "object" && !Array.isArray(spec)) {
    const o = spec as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (key !== "op" && key !== "scope" && key !== "deny") throw bad(spec, `unknown key ${JSON.stringify(key)}`);
    }
    if (typeof o.op !== "string") throw bad(spec, `op must be a string, got ${describeValue(o.op)}`);
    if (o.scope !== undefined && typeof o.scope !== "string") throw bad(spec, `scope must be a string, got ${describeValue(o.scope)}`);
    if (o.deny !== undefined && typeof o.deny !== "boolean") throw bad(spec, `deny must be a boolean, got ${describeValue(o.deny)}`);
    if (o.op.includes(":") || o.op.startsWith("!")) throw bad(spec, "op must be an op name alone; put the scope in scope and use deny: true");
    return build(spec, o.deny === true, o.op, o.scope);
  }
  throw bad(spec, "it is neither a string nor an { op, scope? } object");
}
