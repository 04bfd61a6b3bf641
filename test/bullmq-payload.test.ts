import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonProblem, toWireError } from "../src/bullmq/payload.js";

describe("bullmq payload", () => {
  it("accepts any value that JSON.parse can produce and that survives a JSON round trip", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const clean = JSON.parse(JSON.stringify(value)) as unknown; // -0 becomes 0
        expect(jsonProblem(clean, "op")).toBeNull();
      }),
    );
  });

  it("names the path and the kind of the first value JSON would drop or change", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic["self"] = cyclic;
    expect(jsonProblem({ a: [1, { fn: () => 1 }] }, "op")).toBe("op.a[1].fn is a function");
    expect(jsonProblem({ n: 10n }, "op")).toBe("op.n is a bigint");
    expect(jsonProblem({ m: new Map() }, "op")).toBe("op.m is a Map, not a plain object");
    expect(jsonProblem({ x: Number.NaN }, "op")).toBe("op.x is NaN, which JSON turns into null");
    expect(jsonProblem([undefined], "op")).toBe("op[0] is undefined");
    expect(jsonProblem(cyclic, "op")).toBe("op.self refers back to itself (a cycle)");
    expect(jsonProblem({ s: Symbol("s") }, "op")).toBe("op.s is a symbol");
  });

  it("lets an object field be undefined (JSON leaves it out) and the same object appear twice without a cycle", () => {
    const shared = { k: 1 };
    expect(jsonProblem({ a: undefined, b: shared, c: [shared, shared] }, "op")).toBeNull();
    expect(jsonProblem(Object.create(null) as object, "op")).toBeNull();
  });

  it("keeps an error's name, message and string or number code, and makes text of anything else thrown", () => {
    const e = Object.assign(new RangeError("too big"), { code: "E_BIG" });
    expect(toWireError(e)).toEqual({ name: "RangeError", message: "too big", code: "E_BIG" });
    expect(toWireError(Object.assign(new Error("x"), { code: 7 }))).toEqual({ name: "Error", message: "x", code: 7 });
    expect(toWireError(Object.assign(new Error("y"), { code: { nested: true } }))).toEqual({ name: "Error", message: "y" });
    expect(toWireError("plain text")).toEqual({ name: "Error", message: "plain text" });
    expect(toWireError(42)).toEqual({ name: "Error", message: "42" });
  });
});
