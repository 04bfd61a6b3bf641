import { Syscall, type SyscallContext, type SyscallDescription } from "../syscalls/syscall.js";
import type { WorkflowRun } from "./run.js";

/**
 * How a step shows in traces and `ps()`: as the workflow's own syscall `of`, marked
 * `(replayed)` while the run replays its journal.
 */
function described(run: WorkflowRun, of: { describe(): SyscallDescription }): SyscallDescription {
  const d = of.describe();
  return run.replaying ? { name: d.name, detail: d.detail === "" ? "(replayed)" : `${d.detail} (replayed)` } : d;
}

/**
 * Waits for the journaled outcome of an op the workflow submitted at `step`: live, its commit
 * (`commit step 3` in traces); on replay, the journal (`of`, the workflow's own syscall, marked `(replayed)`).
 */
export class StepIo extends Syscall<unknown> {
  constructor(
    readonly run: WorkflowRun,
    readonly step: number,
    readonly of: Syscall<unknown> | null = null,
  ) {
    super();
  }
  override handle(ctx: SyscallContext<unknown>): void {
    this.run.pend(this.step, ctx);
  }
  override describe(): SyscallDescription {
    return this.of === null ? { name: "commit", detail: `step ${this.step}` } : described(this.run, this.of);
  }
}

/** A durable sleep: its deadline is journaled when it starts and kept across restarts. */
export class StepSleep extends Syscall<unknown> {
  constructor(
    readonly run: WorkflowRun,
    readonly step: number,
    readonly ms: number,
  ) {
    super();
  }
  override handle(ctx: SyscallContext<unknown>): void {
    this.run.sleep(this.step, this.ms, ctx);
  }
  override describe(): SyscallDescription {
    return described(this.run, { describe: () => ({ name: "sleep", detail: String(this.ms) }) });
  }
}

/** A journaled reading of the clock, of a random number or of a UUID. */
export class StepReading extends Syscall<unknown> {
  constructor(
    readonly run: WorkflowRun,
    readonly step: number,
    readonly kind: "now" | "random" | "uuid",
  ) {
    super();
  }
  override handle(ctx: SyscallContext<unknown>): void {
    const run = this.run;
    run.pend(this.step, ctx);
    if (run.hasOutcome(this.step)) return;
    const value = this.kind === "now" ? run.host.wallNow() : this.kind === "random" ? Math.random() : globalThis.crypto.randomUUID();
    run.arriveValue(this.step, this.kind, true, value);
  }
  override describe(): SyscallDescription {
    return described(this.run, { describe: () => ({ name: this.kind, detail: "" }) });
  }
}

/** `waitSignal` inside a workflow: the mailbox, or a journaled signal, or a durable timeout. */
export class StepSignal extends Syscall<unknown> {
  constructor(
    readonly run: WorkflowRun,
    readonly step: number,
    readonly name: string,
    readonly timeout: number | undefined,
  ) {
    super();
  }
  override handle(ctx: SyscallContext<unknown>): void {
    this.run.waitSignal(this.step, this.name, this.timeout, ctx);
  }
  override describe(): SyscallDescription {
    const detail = this.timeout === undefined ? JSON.stringify(this.name) : `${JSON.stringify(this.name)} timeout ${this.timeout}`;
    return described(this.run, { describe: () => ({ name: "waitSignal", detail }) });
  }
}
