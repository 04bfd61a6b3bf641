import type { Syscall } from "../syscalls/syscall.js";
import type { Task } from "./task.js";
import type { TaskStatus } from "./types.js";
import type { Completion, IoOp } from "../io/types.js";

/** Payload of the `spawn` event. */
export interface SpawnEvent {
  tid: number;
  name: string;
  parent: number | null;
  priority: number;
  time: number;
}

/** Payload of the `exit` event. */
export interface ExitEvent {
  tid: number;
  name: string;
  status: Extract<TaskStatus, "exited" | "failed" | "killed">;
  /** The return value, or the failure / kill error. */
  result: unknown;
  time: number;
}

/** Payload of the `wake` event. */
export interface WakeEvent {
  from: TaskStatus;
  ok: boolean;
  /** The syscall's result, or the error thrown into the task. */
  value: unknown;
  time: number;
}

/** Payload of the `replayed` event: the step a durable workflow's task took from its journal. */
export interface ReplayedEvent {
  /** The workflow's own count of the step. */
  step: number;
  /** The syscall's name and arguments, as a `syscall` event's syscall describes itself (`submitIO`, `call`). */
  call: string;
  args: string;
  time: number;
}

/** Payload of the `io:submit` event. */
export interface IoSubmitEvent {
  tid: number;
  seq: number;
  op: IoOp;
  time: number;
}

/**
 * The scheduler's events (eventemitter3 object-map form). Task events pass the task's tid first.
 * Payloads are only built when someone listens.
 *
 * @example
 * ```ts
 * sched.on("exit", (tid, e) => console.log(`#${tid} ${e.status} at ${e.time}`));
 * ```
 */
export interface SchedulerEvents {
  /** A task was spawned or forked. Once per task. */
  spawn: (tid: number, event: SpawnEvent) => void;
  /** A task ended. Once per task. */
  exit: (tid: number, event: ExitEvent) => void;
  /** A task yielded a syscall (before the kernel handles it). */
  syscall: (tid: number, syscall: Syscall<unknown>, time: number) => void;
  /** A task's slice begins. */
  run: (tid: number, time: number) => void;
  /**
   * The syscall a task was blocked on (or that completed at once) delivered its result: `from`
   * is the status it leaves (`sleeping`, `waiting`, `io`, `syscall`, or `running`).
   */
  wake: (tid: number, event: WakeEvent) => void;
  /** A kill of the task began (it may still run `finally` blocks). */
  kill: (tid: number, reason: Error, time: number) => void;
  /** A task submitted an op to the scheduler's ring. */
  "io:submit": (tid: number, event: IoSubmitEvent) => void;
  /** An op a task submitted completed (reaped by the scheduler). */
  "io:complete": (tid: number, completion: Completion) => void;
  /**
   * A durable workflow's task (`yieldos/durable`) took a step whose outcome its engine answered
   * from the journal at once, without the kernel (direct replay): there is no `syscall` event for
   * it. Steps replayed through the kernel show as `syscall` events whose detail ends in `(replayed)`.
   */
  replayed: (tid: number, event: ReplayedEvent) => void;
  /** A listener threw, or a custom syscall's handler threw after settling. The loop goes on. */
  error: (error: unknown, source: string) => void;
}

/** The hooks the kernel calls; the `Scheduler` turns them into events when someone listens. */
export interface KernelEvents {
  spawned(task: Task, time: number): void;
  exited(task: Task): void;
  killed(task: Task, reason: Error): void;
  running(task: Task): void;
  woken(task: Task, from: TaskStatus, ok: boolean, value: unknown): void;
  /** Whether an event has listeners: asked once per pass for the per-slice events. */
  wants(event: "run" | "wake"): boolean;
  syscall(task: Task, syscall: Syscall<unknown>): void;
  ioSubmitted(task: Task, seq: number, op: IoOp): void;
  ioCompleted(task: Task, completion: Completion): void;
  /** Emits `error`; `false` if nobody listens (then `run()` rejects with it). */
  reportError(error: unknown, source: string): boolean;
}
