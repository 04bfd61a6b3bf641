import { posix } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CapSet, lexicalResolve, pathCovers, type CapabilitySpec } from "../src/index.js";
import { capMatches } from "../src/caps/cap-algebra.js";
import { parseCap } from "../src/caps/cap-spec.js";

const PATHS = ["/", "/a", "/a/b", "/a/b/c", "/ab", "/a/c"];
const NAMES = ["gpt", "gpt*", "gpt-4o", "gpt-4o*", "claude"];
const PATH_OPS = ["fs.*", "fs.read", "fs.write", "fs.readFile", "fs.writeFile", "fs.rm"];
const NAME_OPS = ["llm", "mcp.call", "syscall"];
const BARE_OPS = ["*", "call", "nop", "custom.*", "custom.op"];

const spec: fc.Arbitrary<string> = fc
  .tuple(
    fc.boolean().map((d) => (d ? "!" : "")),
    fc.oneof(
      fc.tuple(fc.constantFrom(...PATH_OPS), fc.option(fc.constantFrom(...PATHS), { nil: undefined })),
      fc.tuple(fc.constantFrom(...NAME_OPS), fc.option(fc.constantFrom(...NAMES), { nil: undefined })),
      fc.tuple(fc.constantFrom(...BARE_OPS), fc.constant(undefined)),
    ),
  )
  .map(([bang, [op, scope]]) => `${bang}${op}${scope === undefined ? "" : `:${scope}`}`);

const grant = spec.filter((s) => !s.startsWith("!"));
const capSet = fc.array(fc.oneof({ weight: 4, arbitrary: grant }, { weight: 1, arbitrary: spec }), { maxLength: 5 }).map((s) => CapSet.parse(s));

const QUERY_TYPES = ["fs.readFile", "fs.writeFile", "fs.stat", "fs.rm", "fs.other", "llm", "mcp.call", "call", "nop", "syscall", "custom.op", "other"];
const QUERY_PATHS = ["/", "/a", "/a/b", "/a/b/c/d", "/ab", "/a/c/x", "/z"];
const QUERY_NAMES = ["gpt", "gpt-4o", "gpt-4o-mini", "claude", "claude-3"];
const queries: Array<[string, string | undefined]> = QUERY_TYPES.flatMap((t) =>
  [undefined, ...(t.startsWith("fs.") ? QUERY_PATHS : QUERY_NAMES)].map((s): [string, string | undefined] => [t, s]),
);

/** The meaning of a set, from its specs alone: some grant matches and no exclusion does. */
function model(specs: readonly string[], type: string, scope: string | undefined): boolean {
  const caps = specs.map((s) => parseCap(s));
  return caps.some((c) => !c.deny && capMatches(c, type, scope)) && !caps.some((c) => c.deny && capMatches(c, type, scope));
}

/** A set inside `parent`, built by narrowing: fewer grants, narrower ops and scopes, same exclusions. */
function narrowed(parent: CapSet): fc.Arbitrary<CapSet> {
  const specs = parent.describe();
  const grants = specs.filter((s) => !s.startsWith("!"));
  const denials = specs.filter((s) => s.startsWith("!"));
  const narrowOne = (s: string): fc.Arbitrary<string> => {
    const [op, scope] = s.includes(":") ? [s.slice(0, s.indexOf(":")), s.slice(s.indexOf(":") + 1)] : [s, undefined];
    const ops: Record<string, string[]> = { "*": ["*", "call", "fs.*", "llm"], "fs.*": ["fs.*", "fs.read", "fs.write"], "fs.read": ["fs.read", "fs.readFile"], "fs.write": ["fs.write", "fs.rm"] };
    return fc.tuple(fc.constantFrom(...(ops[op] ?? [op])), fc.constantFrom("same", "narrower")).map(([o, how]) => {
      const isPath = o.startsWith("fs.");
      // A narrower op keeps the scope, unless the scope kind changes (from "*": no scope to keep).
      let sc = isPath === op.startsWith("fs.") ? scope : undefined;
      if (how === "narrower") {
        if (isPath) sc = sc === undefined ? "/a" : `${sc === "/" ? "" : sc}/n`;
        else if (o === "llm" || o === "mcp.call" || o === "syscall") sc = sc === undefined ? "gpt*" : sc.endsWith("*") ? `${sc.slice(0, -1)}x` : sc;
      }
      return o === "*" || sc === undefined || !(isPath || o === "llm" || o === "mcp.call" || o === "syscall") ? o : `${o}:${sc}`;
    });
  };
  return fc
    .subarray(grants)
    .chain((g): fc.Arbitrary<string[]> => (g.length === 0 ? fc.constant([]) : fc.tuple(...g.map(narrowOne)).map((x) => [...x])))
    .map((g) => CapSet.parse([...g, ...denials]));
}

describe("caps", () => {
  it("allows an op on a path under a granted prefix, on segment boundaries only", () => {
    const caps = CapSet.parse(["fs.read:/data", "fs.write:/data/out"]);
    expect(caps.allows("fs.readFile", "/data")).toBe(true);
    expect(caps.allows("fs.readFile", "/data/x/y")).toBe(true);
    expect(caps.allows("fs.readFile", "/database")).toBe(false);
    expect(caps.allows("fs.writeFile", "/data/x")).toBe(false);
    expect(caps.allows("fs.writeFile", "/data/out/r.md")).toBe(true);
    expect(caps.allows("fs.readFile", undefined)).toBe(false);
  });

  it("matches models, tools and syscalls by exact name or by prefix", () => {
    const caps = CapSet.parse(["llm:gpt-4o*", "mcp.call:search", "syscall:AskUser", "call"]);
    expect([caps.allows("llm", "gpt-4o-mini"), caps.allows("llm", "gpt-5"), caps.allows("llm")]).toEqual([true, false, false]);
    expect([caps.allows("mcp.call", "search"), caps.allows("mcp.call", "search2")]).toEqual([true, false]);
    expect([caps.allows("syscall", "AskUser"), caps.allows("syscall", "Other")]).toEqual([true, false]);
    expect([caps.allows("call"), caps.allows("nop")]).toEqual([true, false]);
  });

  it("grants everything with *, and every type under a prefix with prefix.*", () => {
    expect(CapSet.all().allows("anything.at.all", "x")).toBe(true);
    const fs = CapSet.parse(["fs.*:/tmp/x"]);
    expect([fs.allows("fs.rm", "/tmp/x/a"), fs.allows("fs.future", "/tmp/x"), fs.allows("fsx.read", "/tmp/x")]).toEqual([true, true, false]);
  });

  it("holds no capability at all when given an empty list", () => {
    const none = CapSet.parse([]);
    expect(none.allows("nop")).toBe(false);
    expect(none.toString()).toBe("(none)");
  });

  it("reports which grants a parent does not cover", () => {
    const parent = CapSet.parse(["fs.read:/data", "llm:gpt-4o-mini"]);
    expect(CapSet.parse(["fs.readFile:/data/in", "llm:gpt-4o-mini"]).uncoveredBy(parent)).toEqual([]);
    expect(CapSet.parse(["fs.read:/database", "fs.write:/data", "llm:gpt*", "call"]).uncoveredBy(parent)).toEqual([
      "fs.read:/database",
      "fs.write:/data",
      "llm:gpt*",
      "call",
    ]);
  });

  it("revokes a whole grant, or carves an exclusion out of a wider one", () => {
    const caps = CapSet.parse(["fs.*:/data", "llm:gpt-4o-mini"]);
    expect(caps.without("llm").describe()).toEqual(["fs.*:/data"]);
    const carved = caps.without("fs.write:/data/out");
    expect(carved.describe()).toEqual(["fs.*:/data", "llm:gpt-4o-mini", "!fs.write:/data/out"]);
    expect([carved.allows("fs.writeFile", "/data/out/a"), carved.allows("fs.readFile", "/data/out/a"), carved.allows("fs.writeFile", "/data/a")]).toEqual([false, true, true]);
    expect(caps.without("call").describe()).toEqual(caps.describe());
  });

  it("keeps a parent's exclusion in force through attenuation", () => {
    const parent = CapSet.parse(["fs.*:/data", "!fs.rm:/data/keep"]);
    expect(CapSet.parse(["fs.*:/data"]).isSubsetOf(parent)).toBe(false);
    expect(CapSet.parse(["fs.*:/data", "!fs.rm:/data/keep"]).isSubsetOf(parent)).toBe(true);
    expect(CapSet.parse(["fs.read:/data"]).isSubsetOf(parent)).toBe(true);
    expect(CapSet.parse(["fs.rm:/data/other"]).isSubsetOf(parent)).toBe(true);
  });

  it("accepts objects as well as strings, and canonicalises both", () => {
    const specs: CapabilitySpec[] = [{ op: "fs.read", scope: "/data//in/./" }, { op: "llm", scope: "*" }, { op: "fs.rm", scope: "/data/in", deny: true }];
    expect(CapSet.parse(specs).describe()).toEqual(["fs.read:/data/in", "llm", "!fs.rm:/data/in"]);
  });

  it("answers allows like the spec-by-spec model, for random sets", () => {
    fc.assert(
      fc.property(capSet, (caps) => {
        for (const [t, s] of queries) expect(caps.allows(t, s)).toBe(model(caps.describe(), t, s));
      }),
      { numRuns: 100 },
    );
  });

  it("never lets a subset allow what its parent does not", () => {
    fc.assert(
      fc.property(capSet, capSet, (child, parent) => {
        fc.pre(child.isSubsetOf(parent));
        for (const [t, s] of queries) if (child.allows(t, s)) expect(parent.allows(t, s)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("recognises narrowed sets as subsets, and attenuation is transitive", () => {
    const chain = capSet.chain((c) => narrowed(c).chain((b) => narrowed(b).map((a) => [a, b, c] as const)));
    fc.assert(
      fc.property(chain, ([a, b, c]) => {
        expect(c.isSubsetOf(c)).toBe(true);
        expect(b.uncoveredBy(c)).toEqual([]);
        expect(a.uncoveredBy(b)).toEqual([]);
        expect(a.uncoveredBy(c)).toEqual([]);
        for (const [t, s] of queries) if (a.allows(t, s)) expect(c.allows(t, s)).toBe(true);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(capSet, capSet, capSet, (a, b, c) => {
        fc.pre(a.isSubsetOf(b) && b.isSubsetOf(c));
        expect(a.isSubsetOf(c)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("never adds anything with without, and never allows what was revoked", () => {
    fc.assert(
      fc.property(capSet, grant, (caps, revoked) => {
        const after = caps.without(revoked);
        const r = parseCap(revoked);
        expect(after.isSubsetOf(caps)).toBe(true);
        for (const [t, s] of queries) {
          if (after.allows(t, s)) expect(caps.allows(t, s)).toBe(true);
          if (capMatches(r, t, s)) expect(after.allows(t, s)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("resolves paths lexically as path.posix.resolve does", () => {
    const segment = fc.constantFrom("a", "b", ".", "..", "", ".x", "..y", "c.d");
    const path = fc.tuple(fc.boolean(), fc.array(segment, { maxLength: 6 })).map(([abs, parts]) => `${abs ? "/" : ""}${parts.join("/")}`);
    fc.assert(
      fc.property(path, path, (p, cwd) => {
        const base = `/${cwd}`;
        fc.pre(p.length > 0);
        expect(lexicalResolve(p, base)).toBe(posix.resolve(base, p));
      }),
      { numRuns: 500 },
    );
    expect(lexicalResolve("a", undefined)).toBeUndefined();
    expect(lexicalResolve("a\0b", "/")).toBeUndefined();
    expect([pathCovers("/data", "/data/x"), pathCovers("/data", "/database"), pathCovers("/", "/x")]).toEqual([true, false, true]);
  });

  it("round-trips parse, describe, parse", () => {
    fc.assert(
      fc.property(capSet, (caps) => {
        const again = CapSet.parse(caps.describe());
        expect(again.describe()).toEqual(caps.describe());
        for (const [t, s] of queries) expect(again.allows(t, s)).toBe(caps.allows(t, s));
      }),
      { numRuns: 200 },
    );
  });
});
