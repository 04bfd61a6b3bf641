import { describeValue } from "../errors.js";
import { atomCovers, atomIntersect, capCovers, capsOverlap, regionIn, scopeIntersect, scopeValueIn } from "./cap-algebra.js";
import { parseCap, type Cap, type CapabilitySpec, type Scope } from "./cap-spec.js";

/** What a set says about one op type, worked out on its first query. */
interface TypeRule {
  readonly denyAll: boolean;
  readonly denyScopes: readonly Scope[];
  readonly anyScope: boolean;
  readonly scopes: readonly Scope[];
}

/** Rules memoised per set; op types come from task code, so the memo is bounded. */
const MEMO_LIMIT = 256;

/**
 * An immutable set of capabilities: grants, minus exclusions. Built with {@link CapSet.parse}
 * from specs such as `"fs.read:/data/in"`, `"llm:gpt-4o-mini"`, `"mcp.call:search"`, `"call"`,
 * `"syscall:AskUser"`, `"fs.*:/tmp/x"`, `"*"`, `"!fs.rm:/data/keep"` (README, "Capabilities").
 * `allows` is answered from a rule compiled once per op type.
 *
 * @example
 * ```ts
 * const caps = CapSet.parse(["fs.read:/data/in", "llm:gpt-4o-mini"]);
 * caps.allows("fs.readFile", "/data/in/notes.md");  // true
 * caps.allows("fs.writeFile", "/data/in/notes.md"); // false
 * caps.allows("llm", "gpt-4o");                      // false
 * CapSet.parse(["fs.read:/data/in/papers"]).isSubsetOf(caps); // true
 * caps.without("llm").describe();                    // ["fs.read:/data/in"]
 * ```
 */
export class CapSet {
  readonly #grants: readonly Cap[];
  readonly #denials: readonly Cap[];
  readonly #rules = new Map<string, TypeRule>();

  private constructor(grants: readonly Cap[], denials: readonly Cap[]) {
    this.#grants = grants;
    this.#denials = denials;
  }

  /**
   * Parses and validates specs (an array of strings or `{ op, scope?, deny? }` objects; a `CapSet`
   * is returned as it is). Throws a `TypeError` naming the bad spec and the forms expected.
   * Duplicates are dropped; the order is kept.
   */
  static parse(specs: readonly CapabilitySpec[] | CapSet, what?: string): CapSet;
  /** @internal Validation of untyped input (spawn and fork options). */
  static parse(specs: unknown, what?: string): CapSet;
  static parse(specs: unknown, what = "caps"): CapSet {
    if (specs instanceof CapSet) return specs;
    if (!Array.isArray(specs)) {
      throw new TypeError(`${what} must be an array of capability specs (e.g. ["fs.read:/data", "llm:gpt-4o-mini"]), got ${describeValue(specs)}`);
    }
    const grants = new Map<string, Cap>();
    const denials = new Map<string, Cap>();
    for (const [i, spec] of specs.entries()) {
      const cap = parseCap(spec, `${what}[${i}]`);
      (cap.deny ? denials : grants).set(cap.spec, cap);
    }
    return new CapSet([...grants.values()], [...denials.values()]);
  }

  /** The set that allows everything: `["*"]`, what an unrestricted task holds, as a set. */
  static all(): CapSet {
    return CapSet.parse(["*"]);
  }

  /** The capabilities as canonical spec strings, grants then exclusions (`!...`): for `ps()`. */
  describe(): string[] {
    return [...this.#grants, ...this.#denials].map((c) => c.spec);
  }

  /** `describe()` joined: `fs.read:/data/in, llm:gpt-4o-mini`, or `(none)`. */
  toString(): string {
    return this.#grants.length === 0 ? "(none)" : this.describe().join(", ");
  }

  /**
   * Whether an op of type `opType` on `scope` is allowed. `scope` must be canonical: a resolved,
   * absolute path for path scopes (see `lexicalResolve`, and `resolveForCheck` in `yieldos/node`),
   * the name for name scopes, `undefined` if the op has none (then only unscoped grants allow it).
   * Custom syscalls are checked as `allows("syscall", className)`.
   */
  allows(opType: string, scope?: string): boolean {
    const rule = this.#rules.get(opType) ?? this.#compile(opType);
    if (rule.denyAll) return false;
    if (scope !== undefined) for (const s of rule.denyScopes) if (scopeValueIn(s, scope)) return false;
    if (rule.anyScope) return true;
    if (scope === undefined) return false;
    for (const s of rule.scopes) if (scopeValueIn(s, scope)) return true;
    return false;
  }

  /** Whether any grant names `opType` at all, whatever its scope (the cheap pre-check of path ops). */
  allowsType(opType: string): boolean {
    const rule = this.#rules.get(opType) ?? this.#compile(opType);
    return !rule.denyAll && (rule.anyScope || rule.scopes.length > 0);
  }

  #compile(opType: string): TypeRule {
    const atom = { type: opType };
    const grants = this.#grants.filter((c) => c.atoms.some((a) => atomCovers(a, atom)));
    const denials = this.#denials.filter((c) => c.atoms.some((a) => atomCovers(a, atom)));
    const rule: TypeRule = {
      denyAll: denials.some((c) => c.scope === undefined),
      denyScopes: denials.flatMap((c) => (c.scope === undefined ? [] : [c.scope])),
      anyScope: grants.some((c) => c.scope === undefined),
      scopes: grants.flatMap((c) => (c.scope === undefined ? [] : [c.scope])),
    };
    if (this.#rules.size >= MEMO_LIMIT) this.#rules.clear();
    this.#rules.set(opType, rule);
    return rule;
  }

  /** The distinct path scopes of this set, grants and exclusions (`/data/in`, ...). */
  pathScopes(): string[] {
    const paths = [...this.#grants, ...this.#denials].flatMap((c) => (c.scope?.kind === "path" ? [c.scope.path] : []));
    return [...new Set(paths)];
  }

  /**
   * This set with each capability that has a path scope replaced by one copy per path in
   * `map(path)` (re-validated), e.g. the path and its real path: see `realCaps` in `yieldos/node`.
   */
  withPaths(map: (path: string) => readonly string[]): CapSet {
    const remap = (c: Cap): Cap[] =>
      c.scope?.kind === "path" ? map(c.scope.path).map((scope) => parseCap({ op: c.op, scope, deny: c.deny }, "withPaths")) : [c];
    return CapSet.#dedupe(this.#grants.flatMap(remap), this.#denials.flatMap(remap));
  }

  static #dedupe(grants: readonly Cap[], denials: readonly Cap[]): CapSet {
    const g = new Map(grants.map((c) => [c.spec, c]));
    const d = new Map(denials.map((c) => [c.spec, c]));
    return new CapSet([...g.values()], [...d.values()]);
  }

  /**
   * The grants of this set that `parent` does not cover, as spec strings (empty: this set is an
   * attenuation of `parent`). A grant is covered when each op type it names lies inside one parent
   * grant with a scope at least as wide (`/data` covers `/data/x`, not `/database`; `gpt*` covers
   * `gpt-4o`), and every parent exclusion it overlaps is excluded here too. Sound: a covered set
   * never allows what `parent` does not; it may refuse a set that only a union of parent grants covers.
   */
  uncoveredBy(parent: CapSet): string[] {
    const out: string[] = [];
    for (const c of this.#grants) {
      const covered = c.atoms.every(
        (atom) =>
          parent.#grants.some((g) => regionIn(atom, c.scope, g)) &&
          parent.#denials.every((d) =>
            d.atoms.every((datom) => {
              const op = atomIntersect(atom, datom);
              const scope = op === null ? null : scopeIntersect(c.scope, d.scope);
              return op === null || scope === null || this.#denials.some((e) => regionIn(op, scope, e));
            }),
          ),
      );
      if (!covered) out.push(c.spec);
    }
    return out;
  }

  /** Whether this set allows nothing that `parent` does not (see {@link CapSet.uncoveredBy}). */
  isSubsetOf(parent: CapSet): boolean {
    return this.uncoveredBy(parent).length === 0;
  }

  /**
   * This set with `cap` revoked: grants inside `cap` go; a grant that only overlaps it stays, with
   * `cap` added as an exclusion (`fs.*:/data` without `fs.write:/data/out` describes as
   * `["fs.*:/data", "!fs.write:/data/out"]`). The result never allows anything `cap` matches, nor
   * anything this set did not allow.
   */
  without(cap: CapabilitySpec): CapSet {
    const r = parseCap(cap, "revoke");
    if (r.deny) throw new TypeError(`cannot revoke exclusion ${JSON.stringify(r.spec)}: revoke takes a grant such as ${JSON.stringify(r.spec.slice(1))}`);
    const grants = this.#grants.filter((g) => !capCovers(r, g));
    let denials = this.#denials.filter((d) => grants.some((g) => capsOverlap(g, d)));
    if (grants.some((g) => capsOverlap(g, r))) {
      denials = denials.filter((d) => !capCovers(r, d));
      denials.push({ ...r, deny: true, spec: `!${r.spec}` });
    }
    return new CapSet(grants, denials);
  }
}
