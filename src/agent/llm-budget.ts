import { BudgetExceededError, describeValue } from "../errors.js";
import type { IoRequest } from "../io/types.js";
import type { Scheduler } from "../kernel/scheduler.js";
import { LlmError } from "./errors.js";
import type { LlmOp, LlmRequest, LlmUsage } from "./llm-types.js";

/**
 * What a model costs, in USD per million tokens (the unit price lists use).
 *
 * @example
 * ```ts
 * const prices: Record<string, LlmPrice> = { "gpt-4o-mini": { inputPerMillion: 0.15, outputPerMillion: 0.6 } };
 * ```
 */
export interface LlmPrice {
  /** USD per million prompt tokens. */
  inputPerMillion: number;
  /** USD per million completion tokens. */
  outputPerMillion: number;
}

/**
 * Token and cost limits of LLM calls. Unset limits are unlimited.
 *
 * @example
 * ```ts
 * registerLlm(sched, provider, { prices, budget: { maxTokens: 100_000, maxCostUsd: 0.5 }, taskBudget: { maxTokens: 20_000 } });
 * ```
 */
export interface LlmBudgetLimits {
  /** Total tokens (prompt + completion) as the provider reports them in `usage`. */
  maxTokens?: number;
  /** USD, computed from `usage` and the service's `prices`. */
  maxCostUsd?: number;
}

/**
 * Tokens and USD spent, as a service's `stats.spent` reports them.
 *
 * @example
 * ```ts
 * const { totalTokens, costUsd } = service.stats.spent;
 * ```
 */
export interface LlmSpent extends LlmUsage {
  costUsd: number;
}

/** Checks a budget option, naming the bad key or value. @internal */
export function checkLimits(limits: unknown, what: string): LlmBudgetLimits {
  if (limits === null || typeof limits !== "object") {
    throw new TypeError(`registerLlm: \`${what}\` must be an object like { maxTokens: 10000, maxCostUsd: 1 }, got ${describeValue(limits)}`);
  }
  for (const [key, value] of Object.entries(limits)) {
    if (key !== "maxTokens" && key !== "maxCostUsd") {
      throw new TypeError(`registerLlm: unknown ${what} limit ${JSON.stringify(key)}: use maxTokens or maxCostUsd`);
    }
    if (typeof value !== "number" || !(value >= 0)) {
      throw new RangeError(`registerLlm: \`${what}.${key}\` must be a number >= 0 (Infinity for no limit), got ${describeValue(value)}`);
    }
  }
  return limits as LlmBudgetLimits;
}

/** Checks a price table, naming the model and field at fault. @internal */
export function checkPrices(prices: unknown): Record<string, LlmPrice> {
  if (prices === null || typeof prices !== "object") {
    throw new TypeError(`registerLlm: \`prices\` must map model names to { inputPerMillion, outputPerMillion }, got ${describeValue(prices)}`);
  }
  for (const [model, price] of Object.entries(prices)) {
    for (const key of ["inputPerMillion", "outputPerMillion"] as const) {
      const v = (price as Partial<LlmPrice> | null)?.[key];
      if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) {
        throw new RangeError(`registerLlm: prices[${JSON.stringify(model)}].${key} must be a finite number of USD >= 0, got ${describeValue(v)}`);
      }
    }
  }
  return prices as Record<string, LlmPrice>;
}

/** The tokens and dollars one budget has spent, against its limits. */
class Account {
  readonly spent: LlmSpent = { promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 };

  constructor(
    readonly limits: LlmBudgetLimits,
    /** The task it belongs to, or 0 for the service's. */
    readonly owner: number,
  ) {}

  /** The limit reached, if any. */
  reached(): "maxTokens" | "maxCostUsd" | null {
    if (this.spent.totalTokens >= (this.limits.maxTokens ?? Infinity)) return "maxTokens";
    if (this.spent.costUsd >= (this.limits.maxCostUsd ?? Infinity)) return "maxCostUsd";
    return null;
  }

  charge(usage: LlmUsage, costUsd: number): void {
    this.spent.promptTokens += usage.promptTokens;
    this.spent.completionTokens += usage.completionTokens;
    this.spent.totalTokens += usage.totalTokens;
    this.spent.costUsd += costUsd;
  }
}

/**
 * The LLM budgets of one service: its own account, and with `taskBudget` one account per task
 * that covers the task and everything it forks (a query is charged to its task and each live
 * ancestor, as the core's task budgets nest). A query is refused (before it reaches the
 * provider) once any of its accounts reached a limit; the answer that crosses a limit is
 * delivered, since it is paid for. A `maxTokens` limit also caps each request's `maxTokens` at
 * what is left, so no completion can overshoot it by more than its prompt.
 * @internal
 */
export class LlmBudgets {
  readonly service: Account;
  readonly #taskLimits: LlmBudgetLimits | undefined;
  readonly #tasks = new Map<number, Account>();
  readonly #parents = new Map<number, number | null>();
  readonly #names = new Map<number, string>();
  /** Which task submitted each op (a ring request does not say): `io:submit` comes before dispatch. */
  readonly #submitters = new Map<number, number>();
  readonly #owners = new WeakMap<IoRequest<LlmOp>, number>();

  constructor(
    sched: Scheduler,
    limits: LlmBudgetLimits | undefined,
    taskLimits: LlmBudgetLimits | undefined,
    readonly prices: Record<string, LlmPrice>,
  ) {
    this.service = new Account(limits ?? {}, 0);
    this.#taskLimits = taskLimits;
    if (limits === undefined && taskLimits === undefined) return;
    for (const t of sched.ps()) {
      this.#parents.set(t.tid, t.parent);
      this.#names.set(t.tid, t.name);
    }
    sched.on("spawn", (tid, e) => {
      this.#parents.set(tid, e.parent);
      this.#names.set(tid, e.name);
    });
    sched.on("exit", (tid) => {
      this.#parents.delete(tid);
      this.#names.delete(tid);
      this.#tasks.delete(tid);
    });
    sched.on("io:submit", (tid, e) => {
      if (e.op.type === "llm") this.#submitters.set(e.seq, tid);
    });
  }

  /** Notes which task a request is for (called when the ring dispatches it). */
  dispatched(r: IoRequest<LlmOp>): void {
    const tid = this.#submitters.get(r.seq);
    if (tid === undefined) return;
    this.#submitters.delete(r.seq);
    this.#owners.set(r, r.op.onBehalfOf ?? tid);
  }

  /** The error for a request that may not be sent, or `null`. */
  refuse(r: IoRequest<LlmOp>, provider: string): Error | null {
    const { model } = r.op.request;
    if ((this.service.limits.maxCostUsd ?? this.#taskLimits?.maxCostUsd) !== undefined && !Object.hasOwn(this.prices, model)) {
      return unpricedModel(provider, model, this.prices);
    }
    const tid = this.#owners.get(r) ?? 0;
    for (const account of this.#accounts(r)) {
      const budget = account.reached();
      if (budget === null) continue;
      const limit = account.limits[budget]!;
      const error = new BudgetExceededError(budget, limit, tid, this.#names.get(tid) ?? "", account.owner === 0 ? tid : account.owner);
      const spent = budget === "maxTokens" ? `${account.spent.totalTokens} tokens` : `$${account.spent.costUsd.toFixed(6)}`;
      const whose = account.owner === 0 ? "service" : account.owner === tid ? "task" : `task #${account.owner}`;
      error.message += `: the LLM ${whose} budget has spent ${spent}; raise it in registerLlm's \`${account.owner === 0 ? "budget" : "taskBudget"}\``;
      return error;
    }
    return null;
  }

  /** The request as sent: its `maxTokens` capped at what its token budgets have left. */
  cap(r: IoRequest<LlmOp>): LlmRequest {
    let left = Infinity;
    for (const a of this.#accounts(r)) left = Math.min(left, (a.limits.maxTokens ?? Infinity) - a.spent.totalTokens);
    const { request } = r.op;
    if (left === Infinity || (request.maxTokens ?? Infinity) <= left) return request;
    return { ...request, maxTokens: Math.max(1, left) };
  }

  /** Charges an answer's usage to the request's accounts; returns its cost, if its model has a price. */
  charge(r: IoRequest<LlmOp>, usage: LlmUsage, answeredBy: string): number | undefined {
    const cost = costOf(this.prices, [r.op.request.model, answeredBy], usage);
    for (const a of this.#accounts(r)) a.charge(usage, cost ?? 0);
    return cost;
  }

  /** The service's account, then the task's and its live ancestors' (with `taskBudget`). */
  #accounts(r: IoRequest<LlmOp>): Account[] {
    const accounts = [this.service];
    const limits = this.#taskLimits;
    if (limits === undefined) return accounts;
    for (let tid = this.#owners.get(r) ?? null; tid !== null && this.#parents.has(tid); tid = this.#parents.get(tid) ?? null) {
      let account = this.#tasks.get(tid);
      if (account === undefined) this.#tasks.set(tid, (account = new Account(limits, tid)));
      accounts.push(account);
    }
    return accounts;
  }
}

/**
 * The USD an answer cost under `prices` (looked up by the requested model, then the model that
 * answered), or `undefined` when the table has no price for either.
 */
function costOf(prices: Record<string, LlmPrice>, models: string[], usage: LlmUsage): number | undefined {
  const model = models.find((m) => Object.hasOwn(prices, m));
  if (model === undefined) return undefined;
  const p = prices[model];
  return (usage.promptTokens * p.inputPerMillion + usage.completionTokens * p.outputPerMillion) / 1_000_000;
}

/** The error for a cost budget that cannot be kept because a model has no price. */
function unpricedModel(provider: string, model: string, prices: Record<string, LlmPrice>): LlmError {
  const known = Object.keys(prices);
  return new LlmError(
    `no price for model ${JSON.stringify(model)}, so its cost cannot be charged to \`maxCostUsd\`: add it to registerLlm's \`prices\`` +
      (known.length === 0 ? "" : ` (it has ${known.map((m) => JSON.stringify(m)).join(", ")})`),
    { provider },
  );
}
