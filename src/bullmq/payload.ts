/**
 * What crosses Redis: op payloads and results as JSON data, and errors as their name, message and
 * code. BullMQ stores job data with `JSON.stringify`, which silently turns a function into nothing
 * and a `Map` into `{}`; checking first turns that into an error that names the op and the field.
 */

/** An error as it travels from an op worker to the task: enough to rebuild it. */
export interface WireError {
  name: string;
  message: string;
  code?: string | number;
}

/**
 * Where `value` stops being JSON data, as a sentence naming the path (`op.fn is a function`);
 * `null` when it is plain JSON data (objects, arrays, strings, finite numbers, booleans, null;
 * object fields that are `undefined` are left out, as `JSON.stringify` does).
 */
export function jsonProblem(value: unknown, path: string): string | null {
  return walk(value, path, new Set());
}

function walk(value: unknown, path: string, open: Set<object>): string | null {
  switch (typeof value) {
    case "string":
    case "boolean":
      return null;
    case "number":
      return Number.isFinite(value) ? null : `${path} is ${value}, which JSON turns into null`;
    case "undefined":
      return `${path} is undefined`;
    case "function":
      return `${path} is a function`;
    case "symbol":
      return `${path} is a symbol`;
    case "bigint":
      return `${path} is a bigint`;
  }
  if (value === null) return null;
  const obj = value as object;
  if (open.has(obj)) return `${path} refers back to itself (a cycle)`;
  open.add(obj);
  try {
    if (Array.isArray(obj)) {
      for (let i = 0; i < obj.length; i++) {
        const problem = walk(obj[i], `${path}[${i}]`, open);
        if (problem !== null) return problem;
      }
      return null;
    }
    const proto = Object.getPrototypeOf(obj) as object | null;
    if (proto !== Object.prototype && proto !== null) {
      return `${path} is a ${obj.constructor?.name ?? "class instance"}, not a plain object`;
    }
    for (const [key, field] of Object.entries(obj)) {
      if (field === undefined) continue;
      const problem = walk(field, `${path}.${key}`, open);
      if (problem !== null) return problem;
    }
    return null;
  } finally {
    open.delete(obj);
  }
}

/** The wire form of anything thrown: an `Error`'s name, message and `code`, or the value as text. */
export function toWireError(error: unknown): WireError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const wire: WireError = { name: error.name, message: error.message };
    if (typeof code === "string" || typeof code === "number") wire.code = code;
    return wire;
  }
  return { name: "Error", message: typeof error === "string" ? error : String(error) };
}
