import { Syscall, type SyscallContext } from "../syscalls/syscall.js";
import type { WorkflowRun } from "./run.js";

/** Waits for the journaled outcome of an op the workflow submitted at `step`. */
export class StepIo extends Syscall<unknown> {
  constructor(
    readonly run: WorkflowRun,
    readonly step: number,
  ) {
    super();
  }
  override handle(ctx: SyscallContext<unknown>): void {
    this.run.pend(this.step, ctx);
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
}
