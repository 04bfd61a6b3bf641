/**
 * A private Redis for tests and examples: Debian's `redis-server` on a free loopback port with a
 * temporary directory, stopped (`SHUTDOWN NOSAVE`) and cleaned up after. Where the binary is
 * missing, suites skip with a message saying how to install it, except under `CI=true`, where they
 * fail.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Servers still running: killed (and their directories removed) if this process exits first. */
const running = new Set<{ child: ChildProcess; dir: string }>();
process.once("exit", () => {
  for (const { child, dir } of running) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => process.exit(128 + (signal === "SIGINT" ? 2 : 15)));
}

export const INSTALL_HINT = "redis-server is not installed: run `apt-get install -y redis-server` (Debian) to run these tests";

/** Whether Debian's `redis-server` is on the PATH. */
export const hasRedisServer: boolean = spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;

/** Throws under `CI=true` when redis-server is missing; elsewhere returns whether suites should skip (and says why once). */
export function skipWithoutRedis(): boolean {
  if (hasRedisServer) return false;
  if (process.env["CI"] === "true") throw new Error(`${INSTALL_HINT} (CI=true: Redis tests must run)`);
  console.warn(`skipping Redis tests: ${INSTALL_HINT}`);
  return true;
}

export interface RedisOptions {
  /** Append-only file on, so data survives `restart()`. Default false. */
  appendonly?: boolean;
  /** A fixed port (say, one a client already points at); default a free one. */
  port?: number;
}

/** A free TCP port on 127.0.0.1 (free when asked; another process may take it after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Sends one inline command and resolves with the first reply line, or rejects on a connect error. */
function command(port: number, text: string, timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`redis on ${port}: no reply to ${text} in ${timeoutMs} ms`)));
    socket.on("connect", () => socket.write(`${text}\r\n`));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) {
        socket.end();
        resolve(reply.split("\r\n")[0]!);
      }
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(reply));
  });
}

/** A running private `redis-server`. */
export class RedisServer {
  readonly port: number;
  readonly dir: string;
  readonly #appendonly: boolean;
  #child: ChildProcess | null = null;

  private constructor(port: number, dir: string, appendonly: boolean) {
    this.port = port;
    this.dir = dir;
    this.#appendonly = appendonly;
  }

  static async start(options: RedisOptions = {}): Promise<RedisServer> {
    const port = options.port ?? (await freePort());
    const dir = mkdtempSync(join(tmpdir(), "yieldos-redis-"));
    const server = new RedisServer(port, dir, options.appendonly ?? false);
    await server.#launch();
    return server;
  }

  get connection(): { host: string; port: number } {
    return { host: "127.0.0.1", port: this.port };
  }

  async #launch(): Promise<void> {
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir, "--save", ""];
    args.push("--appendonly", this.#appendonly ? "yes" : "no", "--daemonize", "no", "--loglevel", "warning");
    const child = spawn("redis-server", args, { stdio: ["ignore", "ignore", "pipe"] });
    this.#child = child;
    const entry = { child, dir: this.dir };
    running.add(entry);
    child.once("exit", () => running.delete(entry));
    let stderr = "";
    child.stderr?.on("data", (chunk) => (stderr += chunk.toString()));
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${this.port} exited with ${child.exitCode}: ${stderr}`);
      const reply = await command(this.port, "PING").catch(() => "");
      if (reply === "+PONG") return;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGKILL");
    throw new Error(`redis-server on port ${this.port} did not answer PING within 5 s: ${stderr}`);
  }

  /** `SHUTDOWN NOSAVE` (the append-only file, when on, is flushed) and waits for the process to end. */
  async #shutdown(): Promise<void> {
    const child = this.#child;
    if (child === null || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    await command(this.port, "SHUTDOWN NOSAVE").catch(() => "");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
    await exited;
    clearTimeout(timer);
    this.#child = null;
  }

  /** Stops Redis and starts it again on the same port and directory (data kept only with `appendonly`). */
  async restart(downMs = 0): Promise<void> {
    await this.#shutdown();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.#launch();
  }

  /** Stops Redis for good and removes its directory. */
  async stop(): Promise<void> {
    await this.#shutdown();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
