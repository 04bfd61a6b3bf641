import type { ChainableCommander, Redis as RedisClient, RedisOptions } from "ioredis";
import { nanoid } from "nanoid";
import { LeaseLostError, StoreError } from "../durable/errors.js";
import type { Batch, InboxItem, LeasedStore, Recoverable, WorkflowRecord, JournalEntry } from "../durable/store.js";
import { isConnectionError } from "./connection.js";
import { RedisLink } from "./redis-link.js";
import { checkJournal, decodeEntry, decodeInbox, decodeRecord, encodeEntry, encodeInbox } from "./redis-store-codec.js";
import { ACQUIRE, COMPACT, CREATE, RECORD_FIELDS, RELEASE, RENEW, WRITE } from "./redis-store-scripts.js";

/** Options of a {@link RedisStore}. */
export interface RedisStoreOptions {
  /** ioredis options (`{ host, port }`, ...) or an ioredis instance (which the store uses, and never closes). */
  connection: RedisOptions | RedisClient;
  /** Key prefix; stores with different prefixes on one Redis do not see each other. Default `"yieldos:wf"`. */
  prefix?: string;
  /**
   * Fence journal writes with leases (default `true`): a write for a workflow whose lease another
   * store took since is refused with `LeaseLostError`. `false`: a plain store for one engine.
   */
  leases?: boolean;
  /** How long a call keeps retrying while Redis is unreachable before it fails with a `StoreError`. Default 10,000 ms. */
  timeoutMs?: number;
  /** Connection trouble of the background client (at most one report a second). Default `console.warn`. */
  onError?: (error: Error) => void;
}

/**
 * How long Redis remembers an applied batch id beyond `timeoutMs` (the longest this store resends
 * a batch), so a batch resent after an unknown outcome is applied once. About 100 bytes a batch.
 */
const BATCH_MEMORY_MARGIN_MS = 60_000;

/**
 * The durable store on Redis, shared by engines in several processes or machines. Each journal
 * batch is one Lua script (EVALSHA): it checks every workflow's fencing token, then appends its
 * entries and applies its end, signals and taken signals, so a batch is all-or-nothing per
 * workflow; a batch carries an id, so one resent after a dropped connection is applied once.
 * `recoverable(ids)` reads any number of workflows in one round trip.
 *
 * As a {@link LeasedStore}, it grants per-workflow leases with fencing tokens: the store remembers
 * the token of each lease it holds, and a write for a workflow whose lease was since acquired by
 * another store is refused for that workflow (`LeaseLostError` names it; the rest of the batch is
 * written). A workflow this store holds no lease on may be written while nobody holds its lease,
 * so a single engine can use the store without leases. Signals (`inbox`) are never fenced.
 *
 * Durability is Redis's: with `appendonly yes` and the default `appendfsync everysec`, a Redis
 * crash loses at most about a second of acknowledged writes; `appendfsync always` loses none.
 * Plain Redis or Sentinel; not Redis Cluster (a batch spans workflows, so its keys span slots).
 *
 * @example
 * ```ts
 * import { DurableEngine } from "yieldos/durable";
 * import { RedisStore } from "yieldos/bullmq";
 * const store = new RedisStore({ connection: { host: "127.0.0.1", port: 6379 } });
 * const engine = new DurableEngine({ store, workflows });
 * await engine.start("order", ["book"], { id: "o1" });
 * ```
 */
export class RedisStore implements LeasedStore {
  readonly prefix: string;
  readonly leases: boolean;
  readonly #link: RedisLink;
  /** The leases this store holds: workflow id -> its fencing token and owner. */
  readonly #held = new Map<string, { token: number; owner: string }>();
  readonly #batchPrefix = nanoid(12);
  #batchSeq = 0;
  readonly #batchTtlMs: number;

  constructor(options: RedisStoreOptions) {
    if (options === null || typeof options !== "object") throw new TypeError(`RedisStore expects options { connection }, got ${String(options)}`);
    const { prefix = "yieldos:wf", leases = true, timeoutMs = 10_000 } = options;
    if (typeof prefix !== "string" || prefix === "") throw new TypeError(`RedisStore: options.prefix must be a non-empty string, got ${JSON.stringify(prefix)}`);
    if (!(Number.isFinite(timeoutMs) && timeoutMs >= 0)) throw new TypeError(`RedisStore: options.timeoutMs must be a finite number >= 0, got ${String(timeoutMs)}`);
    this.prefix = prefix;
    this.leases = leases !== false;
    this.#batchTtlMs = Math.ceil(timeoutMs) + BATCH_MEMORY_MARGIN_MS;
    this.#link = new RedisLink({ connection: options.connection, timeoutMs, onError: options.onError, scripts: [CREATE, WRITE, COMPACT, ACQUIRE, RENEW, RELEASE] });
  }

  /** `host:port` of the Redis this store uses. */
  get address(): string {
    return this.#link.address;
  }

  async create(record: WorkflowRecord): Promise<{ record: WorkflowRecord; created: boolean }> {
    const r = record;
    const reply = (await this.#link.run("create", CREATE, [this.prefix, r.id, r.runId, r.name, r.args, r.state, r.result, r.error, r.created, r.updated])) as (
      | string
      | number
      | null
    )[];
    if (reply[0] === 1) return { record: { ...record }, created: true };
    return { record: decodeRecord(record.id, reply.slice(1) as (string | null)[])!, created: false };
  }

  async get(id: string): Promise<WorkflowRecord | undefined> {
    const fields = await this.#link.call("get", (c) => c.hmget(this.#key("w", id), ...RECORD_FIELDS));
    return decodeRecord(id, fields);
  }

  /** Every workflow, oldest first (by `created`, then id). */
  async list(): Promise<WorkflowRecord[]> {
    const ids = await this.#link.call("list", (c) => c.zrange(`${this.prefix}:ids`, 0, -1));
    if (ids.length === 0) return [];
    const rows = await this.#link.call("list", (c) => {
      const p = c.pipeline();
      for (const id of ids) p.hmget(this.#key("w", id), ...RECORD_FIELDS);
      return exec(p);
    });
    const out: WorkflowRecord[] = [];
    ids.forEach((id, i) => {
      const rec = decodeRecord(id, pipelined(rows, i, "list") as (string | null)[]);
      if (rec !== undefined) out.push(rec);
    });
    return out;
  }

  /** Unfinished workflows (`ids` given: only those) with journals and inboxes, in one round trip after the id lookup. */
  async recoverable(ids?: readonly string[]): Promise<Recoverable[]> {
    const wanted = ids ?? (await this.#link.call("recoverable", (c) => c.zrange(`${this.prefix}:running`, 0, -1)));
    if (wanted.length === 0) return [];
    const rows = await this.#link.call("recoverable", (c) => {
      const p = c.pipeline();
      for (const id of wanted) {
        p.hmget(this.#key("w", id), ...RECORD_FIELDS);
        p.lrange(this.#key("j", id), 0, -1);
        p.zrange(this.#key("i", id), 0, -1);
      }
      return exec(p);
    });
    const out: Recoverable[] = [];
    wanted.forEach((id, i) => {
      const record = decodeRecord(id, pipelined(rows, 3 * i, "recoverable") as (string | null)[]);
      if (record === undefined || record.state !== "running") return;
      const journal = (pipelined(rows, 3 * i + 1, "recoverable") as string[]).map((t) => decodeEntry(t, id));
      checkJournal(id, journal);
      const inbox = (pipelined(rows, 3 * i + 2, "recoverable") as string[]).map((t) => decodeInbox(t, id));
      out.push({ record, journal, inbox });
    });
    return out;
  }

  async inbox(id: string): Promise<InboxItem[]> {
    const items = await this.#link.call("inbox", (c) => c.zrange(this.#key("i", id), 0, -1));
    return items.map((t) => decodeInbox(t, id));
  }

  /**
   * Writes `batch` in one script. Throws `LeaseLostError` naming the workflows whose part was
   * refused (the others' parts are written), or a `StoreError` (nothing written) for a workflow
   * that does not exist or a journal entry that is not next.
   */
  async write(batch: Batch): Promise<void> {
    const parts = new Map<string, { entries: JournalEntry[]; finished?: Batch["finished"][number]; taken: number[] }>();
    const part = (id: string) => {
      let p = parts.get(id);
      if (p === undefined) parts.set(id, (p = { entries: [], taken: [] }));
      return p;
    };
    for (const { id, entry } of batch.entries) part(id).entries.push(entry);
    for (const f of batch.finished) part(f.id).finished = f;
    for (const t of batch.inboxTaken) part(t.id).taken.push(t.seq);
    const args: (string | number)[] = [this.prefix, `${this.#batchPrefix}:${++this.#batchSeq}`, this.#batchTtlMs, this.leases ? "1" : "0", parts.size];
    for (const [id, p] of parts) {
      args.push(id, this.#held.get(id)?.token ?? "", p.entries.length);
      for (const e of p.entries) args.push(e.seq, encodeEntry(e));
      const f = p.finished;
      if (f === undefined) args.push("", "", "", "");
      else args.push(f.state, f.result, f.error, f.updated);
      args.push(p.taken.length, ...p.taken);
    }
    args.push(batch.inbox.length);
    for (const i of batch.inbox) args.push(i.id, encodeInbox(i.name, i.payload));
    const refused = (await this.#link.run("write", WRITE, args, true)) as string[];
    if (refused.length > 0) {
      for (const id of refused) this.#held.delete(id);
      throw new LeaseLostError(refused);
    }
  }

  async compact(id: string): Promise<void> {
    await this.#link.run("compact", COMPACT, [this.prefix, id]);
  }

  async acquire(id: string, owner: string, ttlMs: number): Promise<number | null> {
    checkLease("acquire", id, ttlMs);
    if (typeof owner !== "string" || owner === "") throw new TypeError(`RedisStore.acquire: owner must be a non-empty string, got ${JSON.stringify(owner)}`);
    const token = (await this.#link.run("acquire", ACQUIRE, [this.prefix, id, owner, Math.ceil(ttlMs)])) as number | null;
    if (token === null) return null;
    this.#held.set(id, { token, owner });
    return token;
  }

  async renew(id: string, ttlMs: number): Promise<boolean> {
    checkLease("renew", id, ttlMs);
    const held = this.#held.get(id);
    if (held === undefined) return false;
    const ok = (await this.#link.run("renew", RENEW, [this.prefix, id, held.owner, held.token, Math.ceil(ttlMs)])) === 1;
    if (!ok) this.#held.delete(id);
    return ok;
  }

  async release(id: string): Promise<void> {
    const held = this.#held.get(id);
    if (held === undefined) return;
    this.#held.delete(id);
    await this.#link.run("release", RELEASE, [this.prefix, id, held.owner, held.token]);
  }

  /** The journal of `id`, for tests and tools. */
  async journal(id: string): Promise<JournalEntry[]> {
    const items = await this.#link.call("journal", (c) => c.lrange(this.#key("j", id), 0, -1));
    return items.map((t) => decodeEntry(t, id));
  }

  /** Closes the connection the store opened (leases it holds run out by their ttl, as after a crash). */
  async close(): Promise<void> {
    this.#held.clear();
    await this.#link.close();
  }

  #key(kind: "w" | "j" | "i", id: string): string {
    return `${this.prefix}:${kind}:${id}`;
  }
}

function checkLease(method: string, id: string, ttlMs: number): void {
  if (typeof id !== "string" || id === "") throw new TypeError(`RedisStore.${method}: id must be a non-empty string, got ${JSON.stringify(id)}`);
  if (!(Number.isFinite(ttlMs) && ttlMs > 0)) throw new TypeError(`RedisStore.${method}: ttlMs must be a finite number > 0, got ${String(ttlMs)}`);
}

/** Runs pipeline `p`; a command that failed for want of a connection fails it all, so the link retries it. */
async function exec(p: ChainableCommander): Promise<[Error | null, unknown][] | null> {
  const rows = await p.exec();
  const lost = rows?.find(([error]) => error !== null && isConnectionError(error));
  if (lost !== undefined) throw lost[0];
  return rows;
}

/** Reply `i` of a pipeline, throwing its error (a StoreError if the pipeline did not run at all). */
function pipelined(rows: [Error | null, unknown][] | null, i: number, what: string): unknown {
  if (rows === null) throw new StoreError(`RedisStore.${what}: the pipeline was discarded`);
  const [error, value] = rows[i]!;
  if (error !== null) throw new StoreError(`RedisStore.${what} failed: ${error.message}`, { cause: error });
  return value;
}
