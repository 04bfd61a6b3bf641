/**
 * An agent that uses the tools of an MCP server as ring ops: it starts the notes server
 * (examples/mcp-notes-server.mjs) as a child process over stdio, lists its tools, has three
 * writer tasks store notes in parallel (at most two calls in flight on the server), searches
 * them, and gives a slow tool call a deadline: the call is cancelled, and the server's handler
 * sees its request aborted (MCP's `notifications/cancelled`).
 *
 *   npx tsx examples/mcp-tools.ts
 */
import { fileURLToPath } from "node:url";
import { Scheduler, TimeoutError, fork, waitAll } from "../src/index.js";
import { connectMcp, mcpCall, mcpListTools, registerMcp } from "../src/mcp/index.js";

export interface McpToolsReport {
  tools: string[];
  noteIds: number[];
  matches: string[];
  summary: string;
}

export async function runMcpTools(): Promise<McpToolsReport> {
  const notes = await connectMcp({
    name: "notes",
    command: process.execPath,
    args: [fileURLToPath(new URL("./mcp-notes-server.mjs", import.meta.url))],
    concurrency: 2,
  });
  try {
    const sched = new Scheduler();
    registerMcp(sched, [notes]);

    function* writer(text: string) {
      const { structuredContent } = yield* mcpCall<{ id: number }>("notes", "add_note", { text });
      return structuredContent!.id;
    }

    function* agent() {
      const tools = (yield* mcpListTools("notes")).map((t) => t.name);
      const kids = [];
      for (const text of ["Generators are tasks", "The ring batches ops", "Tasks yield syscalls"]) {
        kids.push(yield* fork(writer(text)));
      }
      const noteIds = (yield* waitAll(kids)).sort((a, b) => a - b);
      const found = yield* mcpCall<{ matches: string[] }>("notes", "search", { word: "tasks" });
      let summary: string;
      try {
        yield* mcpCall("notes", "summarize", { ms: 10_000 }, { timeout: 100 });
        summary = "done";
      } catch (error) {
        if (!(error instanceof TimeoutError)) throw error;
        summary = `cancelled after 100 ms (${error.name})`;
      }
      return { tools, noteIds, matches: found.structuredContent!.matches, summary };
    }

    const task = sched.spawn(agent);
    await sched.run();
    return await task.done;
  } finally {
    await notes.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const report = await runMcpTools();
  console.log(`tools:   ${report.tools.join(", ")}`);
  console.log(`notes:   ${report.noteIds.join(", ")}`);
  console.log(`search:  ${report.matches.join(" | ")}`);
  console.log(`summary: ${report.summary}`);
}
