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
  /** Loaded on every (re)connect, before any waiting call resends, so EVALSHA finds them. */
  scripts: readonly Script[];
}

export class RedisLink {
  readonly client: RedisClient;
  readonly address: string;
  readonly #owned: boolean;
  readonly #timeoutMs: number;
  readonly #onError: (error: Error) => void;
  #lastOutage = -Infinity;
  #closed = false;
  #ready: Promise<void> | null = null;
  #readyOrClosed: (() => void) | null = null;
  readonly #scripts: readonly Script[];
  #tickets = 0;
  /** Ordered calls (by ticket) that failed for want of a connection and wait to be resent. */
  readonly #resend = new Set<number>();
  #waiting: (() => void)[] = [];
  /** Settles once the last ordered call has sent its command. */
  #sendOrder: Promise<void> = Promise.resolve();

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
          lazyConnect: false,
          enableOfflineQueue: false,
          autoResendUnfulfilledCommands: false,
          maxRetriesPerRequest: 0,
        })
      : (connection as RedisClient);
    this.client.on("error", this.#report);
    // Registered before any call waits for `ready`, so the loads reach Redis ahead of the resends: a
    // restarted Redis has no scripts, and an EVALSHA answered NOSCRIPT then resent as EVAL could
    // land after a later batch that found the script loaded by another client.
    this.#scripts = options.scripts;
    this.client.on("ready", this.#load);
    if (this.client.status === "ready") this.#load();
  }

  /**
   * Runs `fn` on the client, again (with backoff) after connection errors, until `timeoutMs`
   * passes. `fn` must send its command before its first `await`.
   *
   * Calls with `ordered` (journal batches) reach Redis in the order they were made, resends
   * included: a first attempt sends only after the ordered call before it has sent, and no ordered
   * call sends while an earlier one waits to be resent. So a batch resent after a dropped
   * connection, or after Redis answered LOADING, never lands after the batch that followed it.
   */
  async call<T>(what: string, fn: (client: RedisClient) => Promise<T>, ordered = false): Promise<T> {
    const deadline = Date.now() + this.#timeoutMs;
    const ticket = ordered ? ++this.#tickets : 0;
    try {
      for (let attempt = 0; ; attempt++) {
        let release: (() => void) | undefined;
        if (ordered) {
          while (!this.#mayResend(ticket) && !this.#closed) await new Promise<void>((resolve) => this.#waiting.push(resolve));
          if (attempt === 0) {
            const before = this.#sendOrder;
            this.#sendOrder = new Promise<void>((resolve) => (release = resolve));
            await before;
          }
        }
        let reply: Promise<T>;
        try {
          if (this.#closed) throw new StoreError(`RedisStore.${what}: the store on Redis at ${this.address} is closed`);
          // A connection the link opened queues nothing while it connects: wait for it rather than fail.
          if (this.#owned && this.client.status !== "ready") await this.#settle(deadline - Date.now());
          if (this.#closed) throw new StoreError(`RedisStore.${what}: the store on Redis at ${this.address} is closed`);
          reply = fn(this.client);
        } finally {
          release?.();
        }
        if (this.#resend.delete(ticket)) this.#wake(); // resent: later batches may follow it
        try {
          return await reply;
        } catch (error) {
          if (error instanceof StoreError) throw error;
          const why = String((error as Error)?.message ?? error);
          if (!isConnectionError(error)) throw new StoreError(`RedisStore.${what} on Redis at ${this.address} failed: ${why.replace(/^ERR yieldos: /, "")}`, { cause: error });
          if (this.#closed) throw new StoreError(`RedisStore.${what}: the store on Redis at ${this.address} was closed while the call waited for Redis (${why})`, { cause: error });
          if (ordered) this.#resend.add(ticket);
          const left = deadline - Date.now();
          if (left <= 0) {
            throw new StoreError(
              `RedisStore.${what}: Redis at ${this.address} is unreachable (${why}); gave up after ${this.#timeoutMs} ms of retries. ` +
                `Check that redis-server runs there and accepts connections (redis-cli -h ${this.address.replace(/:(\d+)$/, " -p $1")} ping), or raise the store's timeoutMs`,
              { cause: error },
            );
          }
          // Not connected: the next attempt waits for the connection. Connected (Redis still loading its
          // data, or a client passed in that gave up on a command): back off.
          if (!this.#owned || this.client.status === "ready") await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** Math.min(attempt, 5), 1_000, left)));
        }
      }
    } finally {
      if (this.#resend.delete(ticket)) this.#wake();
    }
  }

  /** Whether no ordered call made before `ticket` waits to be resent. */
  #mayResend(ticket: number): boolean {
    for (const t of this.#resend) if (t < ticket) return false;
    return true;
  }

  #wake(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve();
  }

  /** Runs `script` with EVALSHA, loading it (EVAL) when the server does not know it (a restarted Redis). */
  async run(what: string, script: Script, args: readonly Arg[], ordered = false): Promise<unknown> {
    return this.call(
      what,
      async (client) => {
        try {
          return await client.evalsha(script.sha, 0, ...args);
        } catch (error) {
          if (!String((error as Error)?.message).startsWith("NOSCRIPT")) throw error;
          return await client.eval(script.lua, 0, ...args);
        }
      },
      ordered,
    );
  }

  /** Closes the connection the link opened (a connection passed in stays open: its owner closes it). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.client.off("error", this.#report);
    this.client.off("ready", this.#load);
    this.#readyOrClosed?.(); // calls waiting for the connection fail now, as closed
    this.#wake();
    if (!this.#owned) return;
    if (this.client.status === "ready") await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }

  /** Waits `ms`, or less if the client becomes ready sooner. */
  #settle(ms: number): Promise<void> {
    // One `ready` listener however many calls wait (a thousand workflows may write at once).
    this.#ready ??= new Promise<void>((resolve) => {
      const done = (): void => {
        this.#ready = null;
        this.#readyOrClosed = null;
        this.client.off("ready", done);
        resolve();
      };
      this.#readyOrClosed = done;
      this.client.once("ready", done);
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([this.#ready, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
  }

  readonly #load = (): void => {
    for (const script of this.#scripts) this.client.script("LOAD", script.lua).catch(() => {});
  };

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
