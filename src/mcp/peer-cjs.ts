// The CommonJS build's `peer.ts` (see tsup.config.ts): the MCP SDK loaded with `require`.
import { missingPeer } from "../peer.js";

type ClientModule = typeof import("@modelcontextprotocol/sdk/client/index.js");
type TypesModule = typeof import("@modelcontextprotocol/sdk/types.js");

let client: ClientModule;
let types: TypesModule;
try {
  client = require("@modelcontextprotocol/sdk/client/index.js") as ClientModule;
  types = require("@modelcontextprotocol/sdk/types.js") as TypesModule;
} catch (error) {
  throw missingPeer(error, "yieldos/mcp", "@modelcontextprotocol/sdk", "^1.32.0");
}

export const { Client } = client;
export const { McpError, ErrorCode } = types;
