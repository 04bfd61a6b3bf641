/**
 * Errors of `yieldos/bullmq`. Each names the op type and the BullMQ job involved.
 *
 * @module
 */
import type { WireError } from "./payload.js";

/**
 * A remote op's failure as the task sees it: the error the op worker's handler threw, rebuilt with
 * its `name`, `message` and `code`, plus the op type and the BullMQ job id. Also the failure of a
 * job BullMQ itself gave up on (say, stalled more often than `maxStalledCount` allows); then
 * `name` is `"RemoteOpError"`.
 *
 * @example
 * ```ts
 * try {
 *   yield* submitIO({ type: "embed", text });
 * } catch (e) {
 *   if (e instanceof RemoteOpError && e.code === "E_QUOTA") yield* sleep(1_000);
 * }
 * ```
 */
export class RemoteOpError extends Error {
  override name = "RemoteOpError";
  /** The `code` of the handler's error, when it had a string or number one. */
  readonly code: string | number | undefined;
  readonly opType: string;
  readonly jobId: string;

  constructor(opType: string, jobId: string, wire: WireError | null, failedReason: string) {
    super(wire === null ? `op "${opType}" (BullMQ job ${jobId}) failed: ${failedReason}` : wire.message);
    if (wire !== null) this.name = wire.name;
    this.code = wire?.code;
    this.opType = opType;
    this.jobId = jobId;
  }
}

/**
 * An op whose payload cannot travel to an op worker: a field that is not JSON data (a function, a
 * class instance, a cycle, a bigint, `NaN`). Only that op fails; the others of its batch go on.
 *
 * @example
 * ```ts
 * yield* submitIO({ type: "embed", text, onDone: () => {} });
 * // RemotePayloadError: op "embed" (seq 3) cannot be sent to BullMQ: op.onDone is a function; ...
 * ```
 */
export class RemotePayloadError extends TypeError {
  override name = "RemotePayloadError";
  readonly opType: string;

  constructor(opType: string, where: string, problem: string) {
    super(
      `op "${opType}" (${where}) cannot be sent to BullMQ: ${problem}; remote ops carry JSON data only ` +
        `(plain objects, arrays, strings, finite numbers, booleans, null)`,
    );
    this.opType = opType;
  }
}

/**
 * Reported (through `onError`, never thrown into a task) while Redis cannot be reached: the ops
 * wait, BullMQ's clients reconnect with backoff, and nothing queued is lost. An op with a `timeout`
 * still fails with a `TimeoutError` when it runs out.
 *
 * @example
 * ```ts
 * remoteOps(sched, { connection, types: ["embed"], onError: (e) => log.warn(e.message) });
 * // RedisUnavailableError: yieldos/bullmq client: Redis at 127.0.0.1:6390 is unreachable (connect ECONNREFUSED ...); ...
 * ```
 */
export class RedisUnavailableError extends Error {
  override name = "RedisUnavailableError";
  readonly address: string;

  constructor(who: string, address: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`${who}: Redis at ${address} is unreachable (${why}); retrying with backoff, queued ops wait and are not lost`, { cause });
    this.address = address;
  }
}
