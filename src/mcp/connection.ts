import type { Client as SdkClient } from "@modelcontextprotocol/sdk/client/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { TimeoutError, describeValue } from "../errors.js";
import { McpToolError } from "./errors.js";
import { Limiter } from "./limiter.js";
import type { McpToolResult } from "./ops.js";
import { Client, ErrorCode, McpError } from "./peer.js";

/**
 * How to reach one MCP server: `command` (and `args`, `env`, `cwd`) starts it as a child process
 * speaking stdio (Node only), `url` reaches it over streamable HTTP.
 *
 * @example
 * ```ts
 * const local: McpServerOptions = { name: "files", command: "node", args: ["server.mjs"], concurrency: 4 };
 * const remote: McpServerOptions = { name: "search", url: "http://127.0.0.1:3000/mcp", timeout: 10_000 };
 * ```
 */
export interface McpServerOptions {
  /** The name ops use to reach this server (`mcpCall(name, tool, args)`). */
  name: string;
  /** stdio: the executable to start. */
  command?: string;
  args?: string[];
  /** The child's environment; default the SDK's safe subset of this process's. */
  env?: Record<string, string>;
  cwd?: string;
  /** The child's stderr: `"inherit"` (default), `"ignore"` or `"pipe"`. */
  stderr?: "inherit" | "ignore" | "pipe";
  /** Streamable HTTP: the server's endpoint. */
  url?: string | URL;
  /** Extra HTTP headers of every request (an `Authorization` token, say). */
  headers?: Record<string, string>;
  /** Tool calls in flight at once on this server; the rest wait, FIFO. Default 8. */
  concurrency?: number;
  /** Real-time ms a request may take before it is cancelled and fails with `TimeoutError`. Default 60 000. */
  timeout?: number;
  /** How this client introduces itself. Default `{ name: "yieldos", version: "0.1.0" }`. */
  clientInfo?: { name: string; version: string };
}

const KNOWN = new Set(["name", "command", "args", "env", "cwd", "stderr", "url", "headers", "concurrency", "timeout", "clientInfo"]);

/**
 * A connected MCP server: what {@link registerMcp} serves `mcp.call` and `mcp.list` ops from.
 * Usable on its own from async code too. Made by {@link connectMcp}.
 *
 * @example
 * ```ts
 * const files = await connectMcp({ name: "files", command: "node", args: ["server.mjs"] });
 * console.log((await files.listTools()).map((t) => t.name));
 * await files.close();
 * ```
 */
export class McpConnection {
  readonly name: string;
  /** The SDK's client, for what this class does not cover (resources, prompts). */
  readonly client: SdkClient;
  readonly #limiter: Limiter;
  readonly #timeout: number;

  /** Wraps a connected SDK client; {@link connectMcp} makes and connects one for you. */
  constructor(name: string, client: SdkClient, concurrency: number, timeout: number) {
    this.name = name;
    this.client = client;
    this.#limiter = new Limiter(concurrency);
    this.#timeout = timeout;
  }

  /** Tool calls in flight on this server, and waiting for a slot. */
  get load(): { running: number; waiting: number } {
    return { running: this.#limiter.running, waiting: this.#limiter.waiting };
  }

  /** Every tool the server offers (`tools/list`, all pages). */
  async listTools(signal?: AbortSignal): Promise<Tool[]> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#request("tools/list", signal, () =>
        this.client.listTools(cursor === undefined ? undefined : { cursor }, { signal, timeout: this.#timeout }),
      );
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return tools;
  }

  /**
   * Calls `tool` with `args` once a concurrency slot is free. Aborting `signal` cancels the call
   * (MCP's `notifications/cancelled` goes to the server). A result with `isError` rejects with
   * {@link McpToolError}.
   */
  callTool<S = Record<string, unknown>>(tool: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<McpToolResult<S>> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const abandon = () => reject(signal!.reason);
      signal?.addEventListener("abort", abandon, { once: true });
      this.#limiter.run((release) => {
        signal?.removeEventListener("abort", abandon);
        this.#request(`tool "${tool}"`, signal, () => this.client.callTool({ name: tool, arguments: args }, undefined, { signal, timeout: this.#timeout }))
          .then((result) => {
            if (result.isError === true) throw new McpToolError(this.name, tool, result as McpToolResult);
            return result as McpToolResult<S>;
          })
          .then(resolve, reject)
          .finally(release);
      }, signal);
    });
  }

  /** Closes the connection (a stdio server's process ends). */
  close(): Promise<void> {
    return this.client.close();
  }

  /** Runs an SDK request, turning its own request timeout (not an abort) into a `TimeoutError` that names it. */
  async #request<T>(what: string, signal: AbortSignal | undefined, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (signal?.aborted !== true && error instanceof McpError && error.code === ErrorCode.RequestTimeout && /timed out/i.test(error.message)) {
        throw new TimeoutError(`MCP ${what} on server "${this.name}" got no answer within ${this.#timeout} ms`, this.#timeout);
      }
      throw error;
    }
  }
}

/**
 * Connects to an MCP server (starting it first, for a stdio one) and completes MCP's
 * initialization. Register the connection on a scheduler with {@link registerMcp}.
 *
 * @example
 * ```ts
 * const calc = await connectMcp({ name: "calc", command: "node", args: ["calc-server.mjs"], concurrency: 2 });
 * const search = await connectMcp({ name: "search", url: "http://127.0.0.1:3000/mcp" });
 * ```
 */
export async function connectMcp(options: McpServerOptions): Promise<McpConnection> {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`connectMcp expects options like { name, command } or { name, url }, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new TypeError(`connectMcp: unknown option ${JSON.stringify(key)}; known options: ${[...KNOWN].join(", ")}`);
  }
  const { name, command, url, concurrency = 8, timeout = 60_000 } = options;
  if (typeof name !== "string" || name === "") throw new TypeError(`connectMcp: \`name\` must be a non-empty string, got ${describeValue(name)}`);
  if ((command === undefined) === (url === undefined)) {
    throw new TypeError(`connectMcp("${name}"): give exactly one of \`command\` (stdio) or \`url\` (streamable HTTP)`);
  }
  if (!(concurrency === Infinity || (Number.isInteger(concurrency) && concurrency >= 1))) {
    throw new RangeError(`connectMcp("${name}"): \`concurrency\` must be an integer >= 1 (or Infinity), got ${describeValue(concurrency)}`);
  }
  if (typeof timeout !== "number" || !(timeout > 0)) {
    throw new RangeError(`connectMcp("${name}"): \`timeout\` must be a number of ms > 0, got ${describeValue(timeout)}`);
  }
  const client = new Client(options.clientInfo ?? { name: "yieldos", version: "0.1.0" });
  await client.connect(await transport(options));
  return new McpConnection(name, client, concurrency, timeout);
}

async function transport(o: McpServerOptions): Promise<Transport> {
  if (o.command !== undefined) {
    const { StdioClientTransport } = await import("@modelcontextprotocol/sdk/client/stdio.js");
    return new StdioClientTransport({ command: o.command, args: o.args, env: o.env, cwd: o.cwd, stderr: o.stderr ?? "inherit" });
  }
  const { StreamableHTTPClientTransport } = await import("@modelcontextprotocol/sdk/client/streamableHttp.js");
  const url = o.url instanceof URL ? o.url : new URL(o.url!);
  return new StreamableHTTPClientTransport(url, o.headers === undefined ? undefined : { requestInit: { headers: o.headers } });
}
