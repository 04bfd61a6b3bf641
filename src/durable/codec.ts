import { describeValue } from "../errors.js";
import { JournaledError } from "./errors.js";

/**
 * Encodes `value` as JSON for the journal, or throws a `TypeError` naming where in `value` the
 * first thing JSON cannot carry faithfully sits (a function, a symbol, a bigint, a non-finite
 * number, a class instance, a cycle). `undefined` encodes as `""`. `what` may be a function, so
 * the hot path (an op result per step) builds no message it does not throw.
 */
export function encode(value: unknown, what: string | (() => string)): string {
  if (value === undefined) return "";
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      if (Number.isFinite(value)) return JSON.stringify(value);
  }
  check(value, "", typeof what === "string" ? what : what(), new Set());
  return JSON.stringify(value);
}

/** The inverse of {@link encode}. */
export function decode(text: string | null | undefined): unknown {
  return text === "" || text === null || text === undefined ? undefined : JSON.parse(text);
}

function check(value: unknown, path: string, what: string, seen: Set<object>): void {
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (Number.isFinite(value)) return;
      break;
    case "object": {
      if (value === null) return;
      if (seen.has(value)) throw new TypeError(`${what} is not JSON-serializable: it has a cycle at ${path || "the top"}`);
      const proto = Object.getPrototypeOf(value);
      if (Array.isArray(value)) {
        seen.add(value);
        for (let i = 0; i < value.length; i++) if (value[i] !== undefined) check(value[i], `${path}[${i}]`, what, seen); // undefined becomes null, as in JSON
        seen.delete(value);
        return;
      }
      if (proto === Object.prototype || proto === null) {
        seen.add(value);
        for (const key of Object.keys(value)) {
          const v = (value as Record<string, unknown>)[key];
          if (v !== undefined) check(v, `${path}.${key}`, what, seen);
        }
        seen.delete(value);
        return;
      }
      break;
    }
  }
  throw new TypeError(
    `${what} is not JSON-serializable: ${path ? `at ${path.replace(/^\./, "")} ` : ""}got ${describeValue(value)}; ` +
      `workflow arguments, op results, signal payloads and results must be plain JSON data (convert it first)`,
  );
}

/** An error as the journal keeps it. */
export function encodeError(error: unknown): string {
  if (error instanceof Error) return JSON.stringify({ name: error.name, message: error.message });
  return JSON.stringify({ name: "Error", message: String(error) });
}

/** The error the workflow sees, live and on replay alike. */
export function decodeError(text: string): JournaledError {
  let parsed: { name?: unknown; message?: unknown };
  try {
    parsed = JSON.parse(text) as { name?: unknown; message?: unknown };
  } catch {
    parsed = { name: "Error", message: text };
  }
  return new JournaledError(String(parsed.name ?? "Error"), String(parsed.message ?? ""));
}
