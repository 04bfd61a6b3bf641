import { EventEmitter } from "eventemitter3";
import { describeValue } from "../errors.js";
import type { Scheduler } from "../kernel/scheduler.js";
import type { SchedulerEvents } from "../kernel/events.js";
import { describeForAudit } from "./audit-describe.js";
import type { LlmUsage } from "./llm-types.js";

/**
 * One syscall a task made, and how it ended. `time` and `durationMs` are on the scheduler clock,
 * in ms; `at` is the wall-clock time, for logs read next to other systems' logs.
 *
 * @example
 * ```ts
 * { time: 120, at: "2026-12-01T08:00:00.120Z", tid: 2, task: "researcher", action: "llm", target: "gpt-4o-mini", outcome: "ok", durationMs: 340,
 *   usage: { promptTokens: 50, completionTokens: 20, totalTokens: 70 }, costUsd: 0.0000195 }
 * ```
 */
export interface AuditRecord {
  /** When the syscall was made, on the scheduler clock. */
  time: number;
  /** When the syscall was made, as an ISO 8601 wall-clock time (`new Date().toISOString()`). */
  at: string;
  tid: number;
  /** The task's name. */
  task: string;
  /** `sleep`, `fork`, `wait`, `kill`, `pause`, `resume`, `send`, `receive`, an op type (`llm`, `call`, `fs.readFile`), or `io` for a batch. */
  action: string;
  /** What it acted on: `#3 "worker"`, `gpt-4o-mini`, `notes.md`, `channel "jobs"`, `100ms`. */
  target: string;
  /** `"ok"`, or `"error: <name>: <message>"` (a kill of a blocked task included). */
  outcome: string;
  durationMs: number;
  /** For LLM queries that succeeded: the tokens the provider reported (summed over a batch). */
  usage?: LlmUsage;
  /** For LLM queries with a price in the service's table: what they cost, in USD. */
  costUsd?: number;
}

/**
 * Options of {@link audit}.
 *
 * @example
 * ```ts
 * audit(sched, { keep: 1_000, onRecord: (r) => console.log(formatAuditRecord(r)) });
 * ```
 */
export interface AuditOptions {
  /** Records kept in memory (the oldest go first). Default 10 000; 0 keeps none. */
  keep?: number;
  /** Called with each record as it is completed. */
  onRecord?: (record: AuditRecord) => void;
  /** The wall clock behind `at`, in ms since the epoch. Default `Date.now`; pass a fixed one for repeatable logs. */
  wallClock?: () => number;
}

const NAMES_KEPT = 4096;

interface Pending extends Omit<AuditRecord, "outcome" | "durationMs" | "usage" | "costUsd"> {
  kill: { time: number; reason: Error } | null;
}

/**
 * An audit trail of a scheduler: every syscall a task makes becomes an {@link AuditRecord} once
 * its outcome is known, built from the scheduler's `syscall`, `wake`, `kill`, `spawn` and `exit`
 * events. Attach it before `run()`. It emits `record` for each record.
 *
 * @example
 * ```ts
 * const log = audit(sched);
 * log.on("record", (r) => { if (r.outcome !== "ok") alert(r); });
 * await sched.run();
 * console.table(log.records);
 * log.stop();
 * ```
 */
export class AuditLog extends EventEmitter<{ record: (record: AuditRecord) => void }> {
  readonly #records: AuditRecord[] = [];
  readonly #keep: number;
  readonly #pending = new Map<number, Pending>();
  readonly #names = new Map<number, string>();
  readonly #wallClock: () => number;
  #detach: (() => void) | null;

  /** @internal Use {@link audit}. */
  constructor(sched: Scheduler, options: AuditOptions = {}) {
    super();
    const keep = options.keep ?? 10_000;
    if (keep !== Infinity && (!Number.isInteger(keep) || keep < 0)) {
      throw new RangeError(`audit option \`keep\` must be an integer >= 0 (or Infinity), got ${describeValue(keep)}`);
    }
    if (options.onRecord !== undefined && typeof options.onRecord !== "function") {
      throw new TypeError(`audit option \`onRecord\` must be a function, got ${describeValue(options.onRecord)}`);
    }
    if (options.wallClock !== undefined && typeof options.wallClock !== "function") {
      throw new TypeError(`audit option \`wallClock\` must be a function returning ms since the epoch, got ${describeValue(options.wallClock)}`);
    }
    this.#wallClock = options.wallClock ?? Date.now;
    this.#keep = keep;
    if (options.onRecord !== undefined) this.on("record", options.onRecord);
    for (const t of sched.ps()) this.#names.set(t.tid, t.name);
    const listeners: Required<Pick<SchedulerEvents, "spawn" | "syscall" | "wake" | "kill" | "exit">> = {
      spawn: (tid, e) => {
        this.#names.set(tid, e.name);
        const parent = e.parent === null ? undefined : this.#pending.get(e.parent);
        if (parent?.action === "fork") parent.target = `#${tid} "${e.name}"`;
      },
      syscall: (tid, syscall, time) => {
        this.#flushKilled(tid);
        const { action, target } = describeForAudit(syscall, this.#names);
        const at = new Date(this.#wallClock()).toISOString();
        this.#pending.set(tid, { time, at, tid, task: this.#names.get(tid) ?? `#${tid}`, action, target, kill: null });
      },
      wake: (tid, e) => this.#finish(tid, e.ok ? "ok" : outcomeOf(e.value), e.time, e.ok ? e.value : undefined),
      kill: (tid, reason, time) => {
        const p = this.#pending.get(tid);
        if (p !== undefined) p.kill = { time, reason };
      },
      exit: (tid, e) => {
        if (!this.#flushKilled(tid)) this.#finish(tid, `error: task ${e.status} before the syscall completed`, e.time);
        // Names outlive their tasks (a `wait` on an ended task still names it), up to a bound.
        if (this.#names.size > NAMES_KEPT) this.#names.delete(this.#names.keys().next().value!);
      },
    };
    const { spawn, syscall, wake, kill, exit } = listeners;
    sched.on("spawn", spawn).on("syscall", syscall).on("wake", wake).on("kill", kill).on("exit", exit);
    this.#detach = () => {
      sched.off("spawn", spawn).off("syscall", syscall).off("wake", wake).off("kill", kill).off("exit", exit);
    };
  }

  /** A copy of the kept records, oldest first. */
  get records(): AuditRecord[] {
    const kept = this.#records;
    return kept.slice(Math.max(0, kept.length - this.#keep)).map((r) => (r.usage === undefined ? { ...r } : { ...r, usage: { ...r.usage } }));
  }

  /** Stops listening to the scheduler; records kept so far stay readable. */
  stop(): void {
    this.#detach?.();
    this.#detach = null;
  }

  /** A killed task's interrupted syscall ends at the kill; returns whether there was one. */
  #flushKilled(tid: number): boolean {
    const p = this.#pending.get(tid);
    if (p?.kill == null) return false;
    this.#finish(tid, outcomeOf(p.kill.reason), p.kill.time);
    return true;
  }

  #finish(tid: number, outcome: string, time: number, value?: unknown): void {
    const p = this.#pending.get(tid);
    if (p === undefined) return;
    this.#pending.delete(tid);
    const record: AuditRecord = { time: p.time, at: p.at, tid, task: p.task, action: p.action, target: p.target, outcome, durationMs: time - p.time };
    if (value !== undefined && (p.action === "llm" || p.action === "io")) addUsage(record, value);
    if (this.#keep > 0) {
      const kept = this.#records;
      kept.push(record);
      // Trimming in chunks keeps dropping the oldest amortized O(1).
      if (kept.length >= 2 * this.#keep) kept.splice(0, kept.length - this.#keep);
    }
    this.emit("record", record);
  }
}

/** Sums the `usage` and `costUsd` of an LLM result, or of the LLM results in a batch's array. */
function addUsage(record: AuditRecord, value: unknown): void {
  for (const v of Array.isArray(value) ? value : [value]) {
    const usage = (v as { usage?: LlmUsage } | null)?.usage;
    if (usage === null || typeof usage !== "object" || typeof usage.totalTokens !== "number") continue;
    const sum = (record.usage ??= { promptTokens: 0, completionTokens: 0, totalTokens: 0 });
    sum.promptTokens += usage.promptTokens;
    sum.completionTokens += usage.completionTokens;
    sum.totalTokens += usage.totalTokens;
    const cost = (v as { costUsd?: unknown }).costUsd;
    if (typeof cost === "number") record.costUsd = (record.costUsd ?? 0) + cost;
  }
}

function outcomeOf(error: unknown): string {
  if (error instanceof Error) return `error: ${error.name}: ${error.message}`;
  return `error: ${describeValue(error)}`;
}

/**
 * Starts an {@link AuditLog} of `sched`: attach it before `run()`.
 *
 * @example
 * ```ts
 * const log = audit(sched);
 * await sched.run();
 * for (const r of log.records) console.log(formatAuditRecord(r));
 * ```
 */
export function audit(sched: Scheduler, options?: AuditOptions): AuditLog {
  return new AuditLog(sched, options);
}

/**
 * One record as a fixed-width line: time, tid and task, action and target, duration, outcome,
 * and the tokens of an LLM query.
 *
 * @example
 * ```ts
 * formatAuditRecord(r); // "    120ms  #2 researcher      llm gpt-4o-mini                        340ms  ok  70 tokens"
 * ```
 */
export function formatAuditRecord(r: AuditRecord): string {
  const ms = (n: number) => `${Number.isInteger(n) ? n : n.toFixed(1)}ms`;
  const who = `#${r.tid} ${r.task}`;
  const what = r.target === "" ? r.action : `${r.action} ${r.target}`;
  const tokens = r.usage === undefined ? "" : `  ${r.usage.totalTokens} tokens`;
  return `${ms(r.time).padStart(9)}  ${who.padEnd(18)} ${what.padEnd(36)} ${ms(r.durationMs).padStart(7)}  ${r.outcome}${tokens}`;
}
