import { describe, expect, it } from "vitest";
import { runMcpTools } from "../examples/mcp-tools.js";
import { runOtelTracing } from "../examples/otel-tracing.js";

describe("examples", () => {
  it("mcp-tools lists the notes server's tools, writes in parallel, searches, and cancels a slow call on its deadline", async () => {
    expect(await runMcpTools()).toEqual({
      tools: ["add_note", "search", "summarize"],
      noteIds: [1, 2, 3],
      matches: ["Generators are tasks", "Tasks yield syscalls"],
      summary: "cancelled after 100 ms (TimeoutError)",
    });
  });

  it("otel-tracing prints the crawler's spans: tasks along the process tree, ops under tasks, fetches under ops", async () => {
    expect(await runOtelTracing()).toEqual([
      "task crawler",
      "  task page /a",
      "    op call (ok)",
      "      GET /a",
      "  task page /b",
      "    op call (ok)",
      "      GET /b",
    ]);
  });
});
