/**
 * What workflow clients and workflow workers agree on: the BullMQ queue of workflow jobs (job id =
 * workflow id), the wake-up events, and how a workflow's arguments, signals and outcome are written
 * in the store (the same JSON text `yieldos/durable` journals).
 */
import { JournaledError, type WorkflowRecord } from "../durable/index.js";
import { describeValue } from "../checks.js";
import { jsonProblem } from "./payload.js";

/** The default BullMQ queue of workflow jobs. */
export const DEFAULT_WORKFLOW_QUEUE = "yieldos-workflows";

/** The custom QueueEvents event that tells the worker hosting a workflow to read its inbox. */
export const WAKE_EVENT = "yieldos:wake";

/** The events stream of wake-ups for workflow queue `queue` (its own, so workers do not read every job event). */
export function wakeChannel(queue: string): string {
  return `${queue}#wake`;
}

/** The inbox name under which `yieldos/durable` keeps a cancel sent while no engine ran the workflow. */
export const CANCEL_INBOX = "\u0000cancel";

/** What a workflow job carries: only a hint for people reading the queue; the store has the rest. */
export interface WorkflowJobData {
  name: string;
}

/**
 * Checks that `id` can be both a workflow id and a BullMQ job id (BullMQ refuses ids with `:` and
 * ids that read as integers).
 */
export function checkWorkflowId(id: unknown, where: string): string {
  if (typeof id !== "string" || id === "") throw new TypeError(`${where}: the workflow id must be a non-empty string, got ${describeValue(id)}`);
  if (id.includes(":")) throw new TypeError(`${where}: workflow id ${JSON.stringify(id)} contains ":", which BullMQ job ids cannot hold; use "-" or "/"`);
  if (`${Number.parseInt(id, 10)}` === id) throw new TypeError(`${where}: workflow id ${JSON.stringify(id)} is an integer, which BullMQ job ids cannot be; give it a prefix ("wf-${id}")`);
  return id;
}

/**
 * `value` as the store's JSON text (`""` for `undefined`), or a `TypeError` naming `what` and the
 * first field JSON cannot carry: it is checked before anything is written or queued.
 */
export function toJsonText(value: unknown, what: string): string {
  if (value === undefined) return "";
  const problem = jsonProblem(value, "value");
  if (problem !== null) throw new TypeError(`${what} cannot be stored: ${problem.replace(/^value/, "it")}; workflow arguments and signal payloads must be plain JSON data`);
  return JSON.stringify(value);
}

/** The outcome of a finished workflow record: its result, or its error thrown (as the workflow's own engine would). */
export function settledValue(record: WorkflowRecord): unknown {
  if (record.state === "completed") return record.result === "" ? undefined : JSON.parse(record.result);
  let parsed: { name?: unknown; message?: unknown } = {};
  try {
    parsed = JSON.parse(record.error) as typeof parsed;
  } catch {
    parsed = { name: "Error", message: record.error };
  }
  throw new JournaledError(String(parsed.name ?? "Error"), String(parsed.message ?? `workflow "${record.id}" ${record.state}`));
}
