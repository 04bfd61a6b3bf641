import type { McpToolResult } from "./ops.js";

/**
 * An MCP tool answered with `isError: true`. `result` holds its whole answer; the message has
 * its text content.
 *
 * @example
 * ```ts
 * try { yield* mcpCall("files", "read", { path: "missing" }); }
 * catch (e) { if (e instanceof McpToolError) console.log(e.server, e.tool, e.message); }
 * ```
 */
export class McpToolError extends Error {
  override name = "McpToolError";
  constructor(
    readonly server: string,
    readonly tool: string,
    readonly result: McpToolResult,
  ) {
    super(`MCP tool "${tool}" on server "${server}" reported an error: ${textOf(result) || "(no text content)"}`);
  }
}

/**
 * The text blocks of a tool result, joined by newlines.
 *
 * @example
 * ```ts
 * const answer = textOf(yield* mcpCall("search", "query", { q: "yieldos" }));
 * ```
 */
export function textOf(result: Pick<McpToolResult, "content">): string {
  const parts: string[] = [];
  for (const block of result.content ?? []) if (block.type === "text") parts.push(block.text);
  return parts.join("\n");
}
