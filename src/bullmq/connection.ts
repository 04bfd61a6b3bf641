import type { ConnectionOptions } from "bullmq";
import { RedisUnavailableError } from "./errors.js";

/** The custom QueueEvents event through which a client asks op workers to abort a running job. */
export const CANCEL_EVENT = "yieldos:cancel";

/** The default name prefix of the op queues: op type `embed` goes to queue `yieldos-op-embed`. */
export const DEFAULT_QUEUE_PREFIX = "yieldos-op";

/**
 * The events stream that carries cancel requests for the jobs of queue `name`: its own stream, so
 * op workers do not read (and parse) every event of the op queue just to find the cancels.
 */
export function cancelChannel(name: string): string {
  return `${name}#cancel`;
}

/** The BullMQ queue that carries ops of `type`. */
export function queueName(prefix: string, type: string): string {
  if (type.length === 0 || type.includes(":")) {
    throw new TypeError(`op type ${JSON.stringify(type)} cannot name a BullMQ queue: use a non-empty type without ":"`);
  }
  return `${prefix}-${type}`;
}

/**
 * `connection` with a reconnect backoff of 100 ms doubling up to 2 s, unless it has its own
 * `retryStrategy` or is a client instance. BullMQ's default waits up to 20 s between attempts, so
 * a Redis restart would stall every op for that long.
 */
export function withBackoff(connection: ConnectionOptions): ConnectionOptions {
  if (typeof (connection as { duplicate?: unknown }).duplicate === "function") return connection;
  const options = connection as { retryStrategy?: unknown };
  if (options.retryStrategy !== undefined) return connection;
  return { ...connection, retryStrategy: (times: number) => Math.min(100 * 2 ** Math.max(0, times - 1), 2_000) };
}

/** `host:port` of a connection, for messages. */
export function addressOf(connection: ConnectionOptions): string {
  const c = connection as { host?: string; port?: number; options?: { host?: string; port?: number } };
  const host = c.host ?? c.options?.host ?? "127.0.0.1";
  const port = c.port ?? c.options?.port ?? 6379;
  return `${host}:${port}`;
}

const CONNECTION_ERROR = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|Connection is closed|MaxRetriesPerRequest|Stream isn't writeable|LOADING/i;

/** Whether `error` says Redis could not be reached (as opposed to a command that failed). */
export function isConnectionError(error: unknown): boolean {
  const text = error instanceof Error ? `${error.name} ${error.message} ${(error as { code?: string }).code ?? ""}` : String(error);
  return CONNECTION_ERROR.test(text);
}

/**
 * Hands errors of BullMQ's clients to `onError`: connection errors as one
 * {@link RedisUnavailableError} per second at most (a down Redis makes every client report every
 * retry), anything else as it is. Without `onError`, they are written with `console.warn`.
 */
export class ErrorReporter {
  readonly #who: string;
  readonly #address: string;
  readonly #onError: (error: Error) => void;
  #lastOutage = -Infinity;

  constructor(who: string, connection: ConnectionOptions, onError: ((error: Error) => void) | undefined) {
    this.#who = who;
    this.#address = addressOf(connection);
    this.#onError = onError ?? ((error) => console.warn(String(error)));
  }

  /** A listener for the `error` event of a BullMQ Queue, Worker or QueueEvents. */
  readonly report = (error: unknown): void => {
    if (isConnectionError(error)) {
      const now = Date.now();
      if (now - this.#lastOutage < 1_000) return;
      this.#lastOutage = now;
      this.#emit(new RedisUnavailableError(this.#who, this.#address, error));
      return;
    }
    this.#emit(error instanceof Error ? error : new Error(`${this.#who}: ${String(error)}`));
  };

  #emit(error: Error): void {
    try {
      this.#onError(error);
    } catch {
      // A throwing onError must not break BullMQ's reconnect loop.
    }
  }
}

/** Whether `error`, or the error it wraps (a store's `StoreError`), says Redis could not be reached. */
export function isUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (isConnectionError(e) || (e instanceof Error && / is unreachable /.test(e.message))) return true;
  }
  return false;
}

/**
 * Runs `fn`, again and again with a backoff of 100 ms doubling up to 2 s, while it fails because
 * Redis cannot be reached (each outage reported through `reporter`); any other error is thrown at
 * once, as is the last one when `giveUp()` turns true.
 */
export async function whileUnreachable<T>(reporter: ErrorReporter, fn: () => Promise<T> | T, giveUp: () => boolean = () => false): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isUnreachable(error) || giveUp()) throw error;
      reporter.report(error);
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 2_000)));
    }
  }
}
