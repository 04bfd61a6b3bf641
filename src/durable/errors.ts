/**
 * Errors of `yieldos/durable`. Each message names the workflow, the step or the value involved.
 */

/**
 * A workflow's code no longer matches its journal: at `step` the journal holds `journaled`,
 * and the code did `actual`. The workflow stops (its journal is kept, so fixed code can recover
 * it); gate changed code with `patched(id)` so old runs keep their old path.
 *
 * @example
 * ```ts
 * await engine.result("order-1").catch((e) => e instanceof NonDeterminismError && e.step); // 3
 * ```
 */
export class NonDeterminismError extends Error {
  override name = "NonDeterminismError";
  constructor(
    readonly workflowId: string,
    readonly step: number,
    readonly journaled: string,
    readonly actual: string,
  ) {
    super(
      `workflow "${workflowId}" diverged from its journal at step ${step}: the journal holds ${journaled}, the code did ${actual}; ` +
        `keep the old path behind patched(id) while runs started by the old code are in flight`,
    );
  }
}

/**
 * A workflow id that the store does not hold, or a workflow name the engine does not know.
 *
 * @example
 * ```ts
 * await engine.result("nope").catch((e) => e instanceof WorkflowNotFoundError); // true
 * ```
 */
export class WorkflowNotFoundError extends Error {
  override name = "WorkflowNotFoundError";
  constructor(message: string) {
    super(message);
  }
}

/**
 * The store failed (unavailable, closed, corrupt). Nothing of the failed batch was accepted.
 *
 * @example
 * ```ts
 * await engine.start("w", [], { id: "x" }).catch((e) => e instanceof StoreError);
 * ```
 */
export class StoreError extends Error {
  override name = "StoreError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Runs a call on the store; a failure that is not a {@link StoreError} comes out as one naming `what`. @internal */
export async function storeCall<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError(`the store failed (${what}): ${String((error as Error)?.message ?? error)}`, { cause: error });
  }
}

/**
 * An error that crossed the journal: the name and message of the original, which is what the
 * workflow sees live and on replay alike.
 *
 * @example
 * ```ts
 * try { yield* call(() => Promise.reject(new RangeError("x"))); }
 * catch (e) { (e as JournaledError).originalName; } // "RangeError"
 * ```
 */
export class JournaledError extends Error {
  constructor(
    readonly originalName: string,
    message: string,
  ) {
    super(message);
    this.name = originalName;
  }
}

/**
 * A {@link LeasedStore} refused journal writes for workflows whose lease this engine no longer
 * holds: another engine took them over (after this one stalled, say) and runs them now. The
 * engine stops running those workflows at once; the rest of the batch was written.
 *
 * @example
 * ```ts
 * try { await store.write(batch); } catch (e) { if (e instanceof LeaseLostError) console.log(e.ids); }
 * ```
 */
export class LeaseLostError extends Error {
  override name = "LeaseLostError";
  constructor(
    /** The workflows whose part of the batch was refused. */
    readonly ids: readonly string[],
    message?: string,
  ) {
    super(message ?? `the lease on workflow${ids.length === 1 ? "" : "s"} ${ids.map((id) => `"${id}"`).join(", ")} was taken by another engine; this engine stops running ${ids.length === 1 ? "it" : "them"}`);
  }
}

/**
 * The workflow stopped running in this engine without finishing: its host called
 * `engine.abandon(id)` (to park it, say), or its lease was lost to another engine. Its journal
 * stays in the store as a crash leaves it, for `recover()` here or in another engine; `result(id)`
 * waiters of this engine get this error.
 *
 * @example
 * ```ts
 * await engine.result("order-1").catch((e) => e instanceof WorkflowAbandonedError && e.workflowId); // "order-1"
 * ```
 */
export class WorkflowAbandonedError extends Error {
  override name = "WorkflowAbandonedError";
  constructor(
    readonly workflowId: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`workflow "${workflowId}" stopped running in this engine (${reason}); it is unfinished in the store: recover it to resume it`, options);
  }
}

/** Whether `error` is a {@link LeaseLostError} (of this or another copy of yieldos). */
export function isLeaseLost(error: unknown): error is LeaseLostError {
  return error instanceof LeaseLostError || ((error as Error | null)?.name === "LeaseLostError" && Array.isArray((error as LeaseLostError).ids));
}
