/**
 * The Redis connection of a {@link RedisStore}: runs commands and scripts, retrying with backoff
 * while Redis cannot be reached, and fails with a `StoreError` naming `host:port` once the
 * store's `timeoutMs` runs out, so a store call never hangs on a dead server.
 *
 * A connection the link opens itself has no offline queue and never resends a command on its own
 * (`enableOfflineQueue: false`, `autoResendUnfulfilledCommands: false`, `maxRetriesPerRequest: 0`):
 * a command either reaches Redis now or fails now, and the retrying is done here, where a resent
 * write carries its batch id. So when a call has failed, nothing of it is left queued to run later.
 *
 * @module
 */
import type { Redis as RedisClient, RedisOptions } from "ioredis";
import { StoreError } from "../durable/errors.js";
import { addressOf, isConnectionError, withBackoff } from "./connection.js";
import { Redis } from "./peer.js";
import type { Script } from "./redis-store-scripts.js";

type Arg = string | number;

export interface LinkOptions {
  connection: RedisOptions | RedisClient;
  timeoutMs: number;
  onError: ((error: Error) => void) | undefined;
}

export class RedisLink {
  readonly client: RedisClient;
  readonly address: string;
  readonly #owned: boolean;
  readonly #timeoutMs: number;
  readonly #onError: (error: Error) => void;
  #lastOutage = -Infinity;
  #closed = false;

  constructor(options: LinkOptions) {
    const { connection } = options;
    if (connection === null || typeof connection !== "object") {
      throw new TypeError(`RedisStore: options.connection must be ioredis options ({ host, port }) or an ioredis instance, got ${String(connection)}`);
    }
    this.#timeoutMs = options.timeoutMs;
    this.#onError = options.onError ?? ((error) => console.warn(String(error)));
    this.address = addressOf(connection as never);
    this.#owned = typeof (connection as { duplicate?: unknown }).duplicate !== "function";
    this.client = this.#owned
      ? new Redis({
          ...(withBackoff(connection as never) as RedisOptions),
          enableOfflineQueue: false,
          autoResendUnfulfilledCommands: false,
          maxRetriesPerRequest: 0,
        })
      : (connection as RedisClient);
    this.client.on("error", this.#report);
  }

  /** Runs `fn` on the client, again (with backoff) after connection errors, until `timeoutMs` passes. */
  async call<T>(what: string, fn: (client: RedisClient) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.#timeoutMs;
    for (let attempt = 0; ; attempt++) {
      if (this.#closed) throw new StoreError(`RedisStore.${what}: the store on Redis at ${this.address} is closed`);
      try {
        return await fn(this.client);
      } catch (error) {
        if (error instanceof StoreError) throw error;
        const why = String((error as Error)?.message ?? error);
        if (!isConnectionError(error)) throw new StoreError(`RedisStore.${what} on Redis at ${this.address} failed: ${why.replace(/^ERR yieldos: /, "")}`, { cause: error });
        const left = deadline - Date.now();
        if (left <= 0 || this.#closed) {
          throw new StoreError(
            `RedisStore.${what}: Redis at ${this.address} is unreachable (${why}); gave up after ${this.#timeoutMs} ms of retries. ` +
              `Check that redis-server runs there and accepts connections (redis-cli -h ${this.address.replace(/:(\d+)$/, " -p $1")} ping), or raise the store's timeoutMs`,
            { cause: error },
          );
        }
        await this.#settle(Math.min(50 * 2 ** Math.min(attempt, 5), 1_000, left));
      }
    }
  }

  /** Runs `script` with EVALSHA, loading it (EVAL) when the server does not know it (a restarted Redis). */
  async run(what: string, script: Script, args: readonly Arg[]): Promise<unknown> {
    return this.call(what, async (client) => {
      try {
        return await client.evalsha(script.sha, 0, ...args);
      } catch (error) {
        if (!String((error as Error)?.message).startsWith("NOSCRIPT")) throw error;
        return await client.eval(script.lua, 0, ...args);
      }
    });
  }

  /** Closes the connection the link opened (a connection passed in stays open: its owner closes it). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.client.off("error", this.#report);
    if (!this.#owned) return;
    if (this.client.status === "ready") await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }

  /** Waits `ms`, or less if the client becomes ready sooner. */
  #settle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.client.off("ready", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.client.once("ready", done);
    });
  }

  /** The client's `error` events: connection errors once a second at most (every reconnect reports one). */
  readonly #report = (error: unknown): void => {
    if (isConnectionError(error)) {
      const now = Date.now();
      if (now - this.#lastOutage < 1_000) return;
      this.#lastOutage = now;
    }
    const why = String((error as Error)?.message ?? error);
    try {
      this.#onError(new StoreError(`RedisStore: Redis at ${this.address}: ${why}; reconnecting with backoff (store calls retry for up to ${this.#timeoutMs} ms)`, { cause: error }));
    } catch {
      // A throwing onError must not break ioredis's reconnect loop.
    }
  };
}
