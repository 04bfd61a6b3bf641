import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CapSet, CapabilityDeniedError, Syscall, confinementOf, registerCapScope, scopeOf, type IoOp } from "../src/index.js";
import { admitOp, admitSyscall, capsForFork, capsForSpawn, cwdFor, describeCaps, recheckInFlight, revokeCap } from "../src/caps/gate.js";

const planner = { tid: 1, name: "planner" };
const researcher = { tid: 2, name: "researcher", cwd: "/data/in" };
const llmOp = (model: string): IoOp => ({ type: "llm", request: { model, messages: [] } });

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

class AskUser extends Syscall<string> {
  override handle(): void {}
}
class Renamed extends Syscall<void> {
  static capName = "ui.confirm";
  override handle(): void {}
}

describe("caps gate", () => {
  it("leaves a task spawned without caps unrestricted, and parses caps given", () => {
    expect(capsForSpawn(undefined)).toBeNull();
    expect(capsForSpawn(["llm"])?.describe()).toEqual(["llm"]);
  });

  it("gives a child its parent's caps by default, and only a subset when asked", () => {
    const held = CapSet.parse(["fs.read:/data", "llm:gpt-4o-mini"]);
    expect(capsForFork(held, undefined, planner)).toBe(held);
    expect(capsForFork(null, ["call"], planner)?.describe()).toEqual(["call"]);
    expect(capsForFork(held, ["fs.read:/data/in"], planner)?.describe()).toEqual(["fs.read:/data/in"]);
    const e = thrown(() => capsForFork(held, ["fs.read:/data/in", "fs.write:/data/in"], planner));
    expect(e).toBeInstanceOf(CapabilityDeniedError);
    expect(e).toMatchObject({ tid: 1, taskName: "planner", action: "fork", capability: "fs.write:/data/in" });
    expect((e as Error).message).toBe(
      'task #1 "planner" may not fork: a child may only hold a subset of its parent\'s capabilities, and "fs.write:/data/in" is not covered (it holds: fs.read:/data, llm:gpt-4o-mini)',
    );
  });

  it("checks ops by type and by scope: model, tool, path", () => {
    const caps = CapSet.parse(["fs.read:/data/in", "llm:gpt-4o-mini", "mcp.call:search", "nop"]);
    expect(admitOp(caps, llmOp("gpt-4o-mini"), researcher)).toEqual(llmOp("gpt-4o-mini"));
    expect(admitOp(caps, { type: "mcp.call", tool: "search" }, researcher).type).toBe("mcp.call");
    const e = thrown(() => admitOp(caps, llmOp("gpt-4o"), researcher)) as CapabilityDeniedError;
    expect(e.message).toBe(
      'task #2 "researcher" may not llm "gpt-4o": it lacks capability "llm:gpt-4o" (it holds: fs.read:/data/in, llm:gpt-4o-mini, mcp.call:search, nop)',
    );
    expect(thrown(() => admitOp(caps, { type: "mcp.call", tool: "shell" }, researcher))).toMatchObject({ capability: "mcp.call:shell" });
    expect(thrown(() => admitOp(caps, { type: "call", fn: () => 1 }, researcher))).toMatchObject({ action: "call", capability: "call" });
    expect(thrown(() => admitOp(caps, { type: "llm", request: {} }, researcher))).toMatchObject({ capability: "llm" });
    const w = thrown(() => admitOp(caps, { type: "fs.writeFile", path: "notes.md", data: "x" }, researcher)) as CapabilityDeniedError;
    expect(w).toMatchObject({ action: "fs.writeFile", target: "/data/in/notes.md", capability: "fs.writeFile:/data/in/notes.md" });
  });

  it("hands path ops on as copies carrying the task's confinement, leaving the task's op untouched", () => {
    const caps = CapSet.parse(["fs.read:/data/in"]);
    const op: IoOp = { type: "fs.readFile", path: "a.md" };
    const admitted = admitOp(caps, op, researcher);
    expect(admitted).not.toBe(op);
    expect(Object.keys(admitted)).toEqual(["type", "path"]);
    expect(admitted.path).toBe("a.md");
    expect(confinementOf(admitted)).toMatchObject({ tid: 2, name: "researcher", caps, cwd: "/data/in" });
    expect(confinementOf(op)).toBeUndefined();
    expect(JSON.stringify(admitted)).toBe(JSON.stringify(op));
    // Relative, with no working directory known here: left to the handler, which knows process.cwd().
    expect(confinementOf(admitOp(caps, op, { tid: 3, name: "x" }))?.cwd).toBeUndefined();
  });

  it("gives an unrestricted task with a working directory confined path ops without checks", () => {
    const op: IoOp = { type: "fs.readFile", path: "a.md" };
    expect(admitOp(null, op, { tid: 1, name: "t" })).toBe(op);
    expect(admitOp(null, llmOp("x"), researcher)).toEqual(llmOp("x"));
    expect(confinementOf(admitOp(null, op, researcher))).toMatchObject({ caps: null, cwd: "/data/in" });
  });

  it("validates and inherits working directories", () => {
    expect(cwdFor(undefined, "/a")).toBe("/a");
    expect(cwdFor("/a/./b/../c/", undefined)).toBe("/a/c");
    for (const bad of ["rel/dir", "", "/a\0b", 5]) expect(() => cwdFor(bad, undefined)).toThrow(/option `cwd` must be an absolute path/);
  });

  it("checks custom syscalls by class name, or by a class's capName", () => {
    const caps = CapSet.parse(["syscall:AskUser"]);
    expect(() => admitSyscall(caps, new AskUser(), researcher)).not.toThrow();
    expect(thrown(() => admitSyscall(caps, new Renamed(), researcher))).toMatchObject({ action: "syscall", target: "ui.confirm", capability: "syscall:ui.confirm" });
    expect(() => admitSyscall(CapSet.parse(["syscall"]), new Renamed(), researcher)).not.toThrow();
  });

  it("revokes from an unrestricted task by exclusion, and re-checks ops in flight", () => {
    expect(revokeCap(null, "call").describe()).toEqual(["*", "!call"]);
    const caps = CapSet.parse(["fs.read:/data", "llm"]);
    const after = revokeCap(caps, "fs.read:/data/in");
    const inFlight = admitOp(caps, { type: "fs.readFile", path: "/data/in/a.md" }, researcher);
    const elsewhere = admitOp(caps, { type: "fs.readFile", path: "/data/other.md" }, researcher);
    expect(recheckInFlight(after, inFlight, researcher)).toBe(false);
    expect(recheckInFlight(after, elsewhere, researcher)).toBe(true);
    // Once the handler resolved the path (here through a symlink into /data/in), that is what counts.
    confinementOf(elsewhere)!.resolved = "/data/in/real.md";
    expect(recheckInFlight(after, elsewhere, researcher)).toBe(false);
    expect(recheckInFlight(after, llmOp("gpt"), researcher)).toBe(true);
    // The handler of an op still in flight checks with the new caps from now on.
    expect(confinementOf(elsewhere)!.caps).toBe(after);
  });

  it("describes caps for ps()", () => {
    expect(describeCaps(null)).toBe("unrestricted");
    expect(describeCaps(CapSet.parse([]))).toBe("(none)");
    expect(describeCaps(CapSet.parse(["fs.read:/data", "llm:gpt-4o-mini"]))).toBe("fs.read:/data, llm:gpt-4o-mini");
  });

  it("lets integrations declare their own scope field", () => {
    registerCapScope("http.get", { kind: "name", field: "host", label: "host" });
    expect(scopeOf({ type: "http.get", host: "api.example.com" })).toBe("api.example.com");
    const caps = CapSet.parse(["http.get:api.*"]);
    expect(() => admitOp(caps, { type: "http.get", host: "api.example.com" }, researcher)).not.toThrow();
    expect(thrown(() => admitOp(caps, { type: "http.get", host: "evil.example.com" }, researcher))).toBeInstanceOf(CapabilityDeniedError);
  });

  it("never lets a task in a random fork tree do what it does not hold at that moment", () => {
    const grants = ["*", "fs.*:/d", "fs.read:/d", "fs.read:/d/a", "fs.write:/d/a", "llm", "llm:gpt*", "llm:gpt-4o", "call", "nop", "syscall:AskUser"];
    const probes: Array<[string, string | undefined]> = [
      ["fs.readFile", "/d/a/x"], ["fs.readFile", "/d/b"], ["fs.writeFile", "/d/a/x"], ["fs.rm", "/d"], ["llm", "gpt-4o"],
      ["llm", "claude"], ["call", undefined], ["nop", undefined], ["syscall", "AskUser"], ["syscall", "Other"],
    ];
    const step = fc.oneof(
      fc.record({ fork: fc.nat(), caps: fc.option(fc.subarray(grants, { maxLength: 3 }), { nil: undefined }) }),
      fc.record({ revoke: fc.nat(), cap: fc.constantFrom(...grants) }),
    );
    fc.assert(
      fc.property(fc.option(fc.subarray(grants), { nil: undefined }), fc.array(step, { maxLength: 25 }), (root, steps) => {
        const tasks = [{ tid: 1, name: "t1", parent: -1, caps: capsForSpawn(root) }];
        const revokedFrom: Array<{ tid: number; cap: string }> = [];
        const below = (tid: number, ancestor: number): boolean => {
          for (let t: number = tid; t !== -1; t = tasks[t - 1]!.parent) if (t === ancestor) return true;
          return false;
        };
        for (const s of steps) {
          if ("fork" in s) {
            const parent = tasks[s.fork % tasks.length]!;
            try {
              const caps = capsForFork(parent.caps, s.caps, parent);
              tasks.push({ tid: tasks.length + 1, name: `t${tasks.length + 1}`, parent: parent.tid, caps });
            } catch (e) {
              expect(e).toBeInstanceOf(CapabilityDeniedError);
            }
          } else {
            const target = tasks[s.revoke % tasks.length]!;
            for (const t of tasks) if (below(t.tid, target.tid)) t.caps = revokeCap(t.caps, s.cap);
            revokedFrom.push({ tid: target.tid, cap: s.cap });
          }
          for (const t of tasks) {
            const parent = t.parent === -1 ? undefined : tasks[t.parent - 1]!;
            for (const [type, scope] of probes) {
              const may = t.caps === null || t.caps.allows(type, scope);
              if (may && parent?.caps != null) expect(parent.caps.allows(type, scope)).toBe(true);
              if (may) {
                for (const r of revokedFrom) {
                  if (below(t.tid, r.tid)) expect(CapSet.parse([r.cap]).allows(type, scope)).toBe(false);
                }
              }
            }
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
