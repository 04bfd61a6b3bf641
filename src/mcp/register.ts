import { describeValue } from "../errors.js";
import type { IoRing } from "../io/io-ring.js";
import type { IoRequest } from "../io/types.js";
import { McpConnection } from "./connection.js";
import type { McpCallOp, McpListToolsOp } from "./ops.js";

/**
 * Serves `mcp.call` and `mcp.list` ops on a scheduler's ring (or any `IoRing`) from the given
 * connections, found by their `name`. Each call takes a slot of its server's concurrency limit;
 * an op whose task is killed (or whose `timeout` passes) aborts its MCP request, and the SDK
 * sends the server `notifications/cancelled`.
 *
 * @example
 * ```ts
 * const calc = await connectMcp({ name: "calc", command: "node", args: ["calc-server.mjs"] });
 * registerMcp(sched, [calc]);
 * sched.spawn(function* () {
 *   const r = yield* mcpCall<{ sum: number }>("calc", "add", { a: 1, b: 2 });
 *   return r.structuredContent?.sum; // 3
 * });
 * await sched.run();
 * await calc.close();
 * ```
 */
export function registerMcp(target: { readonly ring: IoRing } | IoRing, servers: readonly McpConnection[]): void {
  const ring = "register" in target ? target : target.ring;
  if (!Array.isArray(servers) || servers.some((s) => !(s instanceof McpConnection))) {
    throw new TypeError(`registerMcp expects an array of connections made by connectMcp(), got ${describeValue(servers)}`);
  }
  const byName = new Map<string, McpConnection>();
  for (const s of servers) {
    if (byName.has(s.name)) throw new TypeError(`registerMcp: two servers are named "${s.name}"; give each connection its own name`);
    byName.set(s.name, s);
  }
  const find = (r: IoRequest<McpCallOp | McpListToolsOp>): McpConnection | undefined => {
    const server = byName.get(r.op.server);
    if (server === undefined) {
      r.fail(new Error(`no MCP server named ${JSON.stringify(r.op.server)} is registered on this ring (known: ${[...byName.keys()].join(", ") || "none"}): pass its connection to registerMcp`));
    }
    return server;
  };
  ring.register<McpCallOp>("mcp.call", (requests) => {
    for (const r of requests) {
      const server = find(r);
      if (server === undefined) continue;
      server.callTool(r.op.tool, r.op.arguments, r.signal).then(
        (value) => r.complete(value),
        (error) => r.fail(error),
      );
    }
  });
  ring.register<McpListToolsOp>("mcp.list", (requests) => {
    for (const r of requests) {
      const server = find(r);
      if (server === undefined) continue;
      server.listTools(r.signal).then(
        (value) => r.complete(value),
        (error) => r.fail(error),
      );
    }
  });
}
