// The MCP SDK, loaded once when `yieldos/mcp` is imported. The CommonJS build swaps this file for
// `peer-cjs.ts` (see tsup.config.ts), which loads the same modules with `require`.
import { missingPeer } from "../peer.js";

const [client, types] = await Promise.all([
  import("@modelcontextprotocol/sdk/client/index.js"),
  import("@modelcontextprotocol/sdk/types.js"),
]).catch((error: unknown) => {
  throw missingPeer(error, "yieldos/mcp", "@modelcontextprotocol/sdk", "^1.32.0");
});

export const { Client } = client;
export const { McpError, ErrorCode } = types;
