import { describe, expect, it } from "vitest";
import { CapSet, registerCapGroup, registerCapScope } from "../src/index.js";
import { capsForFork, capsForSpawn, revokeCap } from "../src/caps/gate.js";

/** Malformed specs, each with a piece of the problem its error must name. */
const catalogue: Array<[unknown, string]> = [
  ["", "it is empty"],
  [" fs.read:/data", "whitespace"],
  ["fs.read:/data ", "whitespace"],
  ["!", "the op is empty"],
  [":/data", "the op is empty"],
  ["fs.read:", "the scope after ':' is empty"],
  ["fs.read:data/in", "must be absolute"],
  ["fs.read:./data", "must be absolute"],
  ["fs.read:/data/../etc", "must not contain .. segments"],
  ["fs.write:/data/\u0000x", "control character"],
  ["llm:gpt\nx", "control character"],
  ["*:/data", '"*" takes no scope'],
  ["nop:/x", 'op "nop" takes no scope'],
  ["call:fetch", 'op "call" takes no scope'],
  ["custom.op:x", 'op "custom.op" takes no scope'],
  ["llm:gpt*4", "'*' may only end a name scope"],
  ["llm:*gpt", "'*' may only end a name scope"],
  ["fs..read", "is not an op name"],
  ["fs.read*", "is not an op name"],
  ["*.fs", "is not an op name"],
  ["fs read", "is not an op name"],
  ["9lives", "is not an op name"],
  ["!!fs.read", "is not an op name"],
  [42, "neither a string nor an { op, scope? } object"],
  [null, "neither a string nor an { op, scope? } object"],
  [["fs.read"], "neither a string nor an { op, scope? } object"],
  [{}, "op must be a string, got undefined"],
  [{ op: 1 }, "op must be a string, got 1 (number)"],
  [{ op: "llm", scope: 5 }, "scope must be a string"],
  [{ op: "llm", deny: "yes" }, "deny must be a boolean"],
  [{ op: "llm", model: "gpt" }, 'unknown key "model"'],
  [{ op: "llm:gpt" }, "op must be an op name alone"],
  [{ op: "!llm" }, "op must be an op name alone"],
  [{ op: "fs.read", scope: "relative" }, "must be absolute"],
];

describe("caps bad input", () => {
  for (const [spec, problem] of catalogue) {
    it(`refuses ${JSON.stringify(spec) ?? String(spec)} naming the spec, the problem and the expected forms`, () => {
      let error: unknown;
      try {
        CapSet.parse(["llm", spec], "spawn option `caps`");
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TypeError);
      const message = (error as TypeError).message;
      expect(message).toContain("invalid capability");
      expect(message).toContain("in spawn option `caps`[1]");
      expect(message).toContain(problem);
      expect(message).toContain('expected "op", "op:scope"');
      expect(message).toContain("fs.* (path), llm (model), mcp.call (tool name), syscall (syscall class)");
    });
  }

  it("refuses caps that are not an array, saying what a list looks like", () => {
    for (const bad of ["fs.read:/data", { op: "llm" }, 3, null]) {
      expect(() => capsForSpawn(bad)).toThrow(/spawn option `caps` must be an array of capability specs \(e\.g\. \["fs\.read:\/data"/);
    }
    expect(() => capsForFork(null, "llm", { tid: 1, name: "p" })).toThrow(/fork option `caps` must be an array/);
  });

  it("refuses to revoke a malformed capability or an exclusion", () => {
    expect(() => revokeCap(null, "fs.read:data")).toThrow(/invalid capability "fs.read:data" in revoke: a path scope must be absolute/);
    expect(() => revokeCap(null, "!llm")).toThrow(/cannot revoke exclusion "!llm": revoke takes a grant such as "llm"/);
  });

  it("refuses bad scope and group registrations", () => {
    expect(() => registerCapScope("bad op", { kind: "name", field: "x" })).toThrow(/expects an op type like "http.get"/);
    expect(() => registerCapScope("http.get", { kind: "glob" as "name", field: "x" })).toThrow(/expects \{ kind: "path" \| "name", field \}/);
    expect(() => registerCapScope("http.get", { kind: "name", field: "" })).toThrow(/expects a field name/);
    expect(() => registerCapGroup("kv.read", [])).toThrow(/non-empty array of op types/);
    expect(() => registerCapGroup("fs.mixed", ["fs.readFile", "llm"])).toThrow(/different scope kinds/);
  });
});
