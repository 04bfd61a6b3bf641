export { connectMcp, McpConnection, type McpServerOptions } from "./connection.js";
export { registerMcp } from "./register.js";
export { mcpCall, mcpCallOp, mcpListTools, type McpCallOp, type McpListToolsOp, type McpToolResult, type McpSubmitOptions } from "./ops.js";
export { McpToolError, textOf } from "./errors.js";
