import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { describeValue } from "../errors.js";
import type { SubmitOptions, TypedOp } from "../io/types.js";
import { SubmitIO } from "../syscalls/submit-io.js";

/**
 * What an MCP tool call returns: the server's `CallToolResult`, with `structuredContent` typed
 * `S` (declare it from the tool's output schema). `isError` results never get here: they fail
 * the op with an `McpToolError`.
 *
 * @example
 * ```ts
 * const r: McpToolResult<{ sum: number }> = yield* mcpCall("calc", "add", { a: 1, b: 2 });
 * r.structuredContent?.sum; // 3
 * ```
 */
export interface McpToolResult<S = Record<string, unknown>> {
  /** Text, image, audio, resource-link and embedded-resource blocks. */
  content: CallToolResult["content"];
  /** The tool's structured output, when it declares an output schema. */
  structuredContent?: S;
  isError?: boolean;
  _meta?: CallToolResult["_meta"];
}

/**
 * The ring op of an MCP tool call (`tools/call`). Its `server` and `tool` fields name what it
 * reaches, so a capability check can scope an `mcp.call` to a tool.
 *
 * @example
 * ```ts
 * const op: McpCallOp = { type: "mcp.call", server: "files", tool: "read", arguments: { path: "a.txt" } };
 * ```
 */
export interface McpCallOp<S = Record<string, unknown>> extends TypedOp<McpToolResult<S>> {
  type: "mcp.call";
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
}

/**
 * The ring op that lists a server's tools (`tools/list`, every page).
 *
 * @example
 * ```ts
 * const op: McpListToolsOp = { type: "mcp.list", server: "files" };
 * ```
 */
export interface McpListToolsOp extends TypedOp<Tool[]> {
  type: "mcp.list";
  server: string;
}

/**
 * Submit options of one MCP op: `timeout` in ms of scheduler clock time, `signal`.
 *
 * @example
 * ```ts
 * yield* mcpCall("files", "read", { path: "a.txt" }, { timeout: 2_000, signal: controller.signal });
 * ```
 */
export type McpSubmitOptions = Omit<SubmitOptions, "userData" | "link">;

/**
 * Builds the `mcp.call` op of a call of `tool` on the server registered as `server`, checking its
 * fields. Submit several with `submitIO([...])` to run them in parallel.
 *
 * @example
 * ```ts
 * const [a, b] = yield* submitIO([mcpCallOp("calc", "add", { a: 1, b: 2 }), mcpCallOp("calc", "add", { a: 3, b: 4 })]);
 * ```
 */
export function mcpCallOp<S = Record<string, unknown>>(server: string, tool: string, args: Record<string, unknown> = {}): McpCallOp<S> {
  checkName("server", server);
  checkName("tool", tool);
  if (args === null || typeof args !== "object" || Array.isArray(args)) {
    throw new TypeError(`mcpCall("${server}", "${tool}"): arguments must be a plain object, got ${describeValue(args)}`);
  }
  return { type: "mcp.call", server, tool, arguments: args };
}

/**
 * Calls `tool` on the MCP server registered as `server` (see {@link registerMcp}) and returns its
 * result. The call runs as an `mcp.call` op on the scheduler's ring: it counts against the
 * server's concurrency limit, and killing the task (or the op's `timeout`) aborts it, which sends
 * MCP's `notifications/cancelled` to the server. A result with `isError` fails with `McpToolError`.
 *
 * @example
 * ```ts
 * const { structuredContent } = yield* mcpCall<{ sum: number }>("calc", "add", { a: 1, b: 2 }, { timeout: 5_000 });
 * ```
 */
export function mcpCall<S = Record<string, unknown>>(
  server: string,
  tool: string,
  args: Record<string, unknown> = {},
  options?: McpSubmitOptions,
): SubmitIO<McpToolResult<S>> {
  return new SubmitIO<McpToolResult<S>>(mcpCallOp<S>(server, tool, args), options);
}

/**
 * Lists the tools of the MCP server registered as `server`, as an `mcp.list` ring op.
 *
 * @example
 * ```ts
 * const names = (yield* mcpListTools("calc")).map((t) => t.name);
 * ```
 */
export function mcpListTools(server: string, options?: McpSubmitOptions): SubmitIO<Tool[]> {
  checkName("server", server);
  const op: McpListToolsOp = { type: "mcp.list", server };
  return new SubmitIO<Tool[]>(op, options);
}

function checkName(what: string, value: unknown): void {
  if (typeof value !== "string" || value === "") {
    throw new TypeError(`MCP ${what} must be a non-empty string, got ${describeValue(value)}`);
  }
}
