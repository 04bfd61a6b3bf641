// A tiny MCP server for examples/mcp-tools.ts: notes kept in memory, served over stdio.
//   node examples/mcp-notes-server.mjs
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const notes = [];
const server = new McpServer({ name: "notes", version: "1.0.0" });

server.registerTool(
  "add_note",
  { description: "Stores a note and returns its id", inputSchema: { text: z.string() }, outputSchema: { id: z.number() } },
  async ({ text }) => {
    notes.push(text);
    return { content: [{ type: "text", text: `note ${notes.length}` }], structuredContent: { id: notes.length } };
  },
);

server.registerTool(
  "search",
  { description: "Notes containing a word", inputSchema: { word: z.string() }, outputSchema: { matches: z.array(z.string()) } },
  async ({ word }) => {
    const matches = notes.filter((n) => n.toLowerCase().includes(word.toLowerCase()));
    return { content: [{ type: "text", text: matches.join("\n") }], structuredContent: { matches } };
  },
);

server.registerTool(
  "summarize",
  { description: "A slow summary of every note (takes `ms`; stops when cancelled)", inputSchema: { ms: z.number() } },
  async ({ ms }, { signal }) => {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    });
    return { content: [{ type: "text", text: `${notes.length} notes` }] };
  },
);

await server.connect(new StdioServerTransport());
