import { pathCovers } from "./cap-path.js";
import type { Cap, OpAtom, Scope } from "./cap-spec.js";

/**
 * Containment and intersection of the parts of capabilities. Op atoms form chains (`*` ⊇
 * `fs.*` ⊇ `fs.readFile`), and so do scopes (any ⊇ `/data` ⊇ `/data/x`; any ⊇ `gpt*` ⊇
 * `gpt-4o`): two overlapping parts always have the smaller one as their intersection.
 * @internal
 * @module
 */

/** Whether every op type in `b` is in `a`. */
export function atomCovers(a: OpAtom, b: OpAtom): boolean {
  if ("all" in a) return true;
  if ("all" in b) return false;
  if ("prefix" in a) return "prefix" in b ? b.prefix.startsWith(a.prefix) : b.type.startsWith(a.prefix);
  return "type" in b && b.type === a.type;
}

/** The op types in both, or `null`. */
export function atomIntersect(a: OpAtom, b: OpAtom): OpAtom | null {
  if (atomCovers(a, b)) return b;
  if (atomCovers(b, a)) return a;
  return null;
}

/** Whether every scope value in `b` is in `a` (`undefined`: any). */
export function scopeCovers(a: Scope | undefined, b: Scope | undefined): boolean {
  if (a === undefined) return true;
  if (b === undefined || a.kind !== b.kind) return false;
  if (a.kind === "path") return pathCovers(a.path, (b as { path: string }).path);
  const bn = b as { name: string; prefix: boolean };
  if (!a.prefix) return !bn.prefix && bn.name === a.name;
  return bn.name.startsWith(a.name);
}

/** The scope values in both (`undefined`: any), or `null` for none. */
export function scopeIntersect(a: Scope | undefined, b: Scope | undefined): Scope | undefined | null {
  if (scopeCovers(a, b)) return b;
  if (scopeCovers(b, a)) return a;
  return null;
}

/** Whether `cap` matches op type `type` with scope `scope` (already canonical: a resolved path). */
export function capMatches(cap: Cap, type: string, scope: string | undefined): boolean {
  return cap.atoms.some((a) => atomCovers(a, { type })) && scopeValueIn(cap.scope, scope);
}

/** Whether scope value `value` lies in `scope`. */
export function scopeValueIn(scope: Scope | undefined, value: string | undefined): boolean {
  if (scope === undefined) return true;
  if (value === undefined) return false;
  if (scope.kind === "path") return pathCovers(scope.path, value);
  return scope.prefix ? value.startsWith(scope.name) : value === scope.name;
}

/** Whether the region (`atom`, `scope`) lies inside `cap` (ignoring `cap.deny`). */
export function regionIn(atom: OpAtom, scope: Scope | undefined, cap: Cap): boolean {
  return scopeCovers(cap.scope, scope) && cap.atoms.some((a) => atomCovers(a, atom));
}

/** Whether `inner` lies inside `outer` as a whole, every atom of it. */
export function capCovers(outer: Cap, inner: Cap): boolean {
  return inner.atoms.every((atom) => regionIn(atom, inner.scope, outer));
}

/** Whether some op and scope is in both. */
export function capsOverlap(a: Cap, b: Cap): boolean {
  return scopeIntersect(a.scope, b.scope) !== null && a.atoms.some((x) => b.atoms.some((y) => atomIntersect(x, y) !== null));
}
