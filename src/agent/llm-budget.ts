import { BudgetExceededError, describeValue } from "../errors.js";
import { LlmError } from "./errors.js";
import type { LlmUsage } from "./llm-types.js";

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

/**
 * The tokens and dollars one budget has spent. A query is refused (before it reaches the
 * provider) once a limit is reached; the answer that crosses a limit is delivered, since it is
 * paid for. A `maxTokens` limit also caps each request's `maxTokens` at what is left, so no
 * completion can overshoot it by more than its prompt.
 * @internal
 */
export class LlmBudget {
  readonly spent: LlmSpent = { promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 };

  constructor(
    readonly limits: LlmBudgetLimits,
    readonly owner: "service" | "task",
  ) {}

  /** The error for a query that may not start, or `null` when it may. */
  refuse(tid: number, taskName: string): BudgetExceededError | null {
    const { maxTokens = Infinity, maxCostUsd = Infinity } = this.limits;
    let error: BudgetExceededError | null = null;
    if (this.spent.totalTokens >= maxTokens) error = new BudgetExceededError("maxTokens", maxTokens, tid, taskName);
    else if (this.spent.costUsd >= maxCostUsd) error = new BudgetExceededError("maxCostUsd", maxCostUsd, tid, taskName);
    if (error !== null) {
      const spent = error.budget === "maxTokens" ? `${this.spent.totalTokens} tokens` : `$${this.spent.costUsd.toFixed(6)}`;
      error.message += `: the LLM ${this.owner === "service" ? "service" : "task"} budget has spent ${spent}; raise it in registerLlm's \`${this.owner === "service" ? "budget" : "taskBudget"}\``;
    }
    return error;
  }

  /** Tokens left under `maxTokens` (Infinity without one). */
  tokensLeft(): number {
    return Math.max(0, (this.limits.maxTokens ?? Infinity) - this.spent.totalTokens);
  }

  charge(usage: LlmUsage, costUsd: number): void {
    this.spent.promptTokens += usage.promptTokens;
    this.spent.completionTokens += usage.completionTokens;
    this.spent.totalTokens += usage.totalTokens;
    this.spent.costUsd += costUsd;
  }
}

/**
 * The USD an answer cost under `prices` (looked up by the requested model, then the model that
 * answered), or `undefined` when the table has no price for either.
 * @internal
 */
export function costOf(prices: Record<string, LlmPrice>, models: string[], usage: LlmUsage): number | undefined {
  const model = models.find((m) => Object.hasOwn(prices, m));
  if (model === undefined) return undefined;
  const p = prices[model];
  return (usage.promptTokens * p.inputPerMillion + usage.completionTokens * p.outputPerMillion) / 1_000_000;
}

/** The error for a cost budget that cannot be kept because a model has no price. @internal */
export function unpricedModel(provider: string, model: string, prices: Record<string, LlmPrice>): LlmError {
  const known = Object.keys(prices);
  return new LlmError(
    `no price for model ${JSON.stringify(model)}, so its cost cannot be charged to \`maxCostUsd\`: add it to registerLlm's \`prices\`` +
      (known.length === 0 ? "" : ` (it has ${known.map((m) => JSON.stringify(m)).join(", ")})`),
    { provider },
  );
}
