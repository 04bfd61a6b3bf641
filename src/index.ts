export { Scheduler, type SchedulerOptions, type RunOptions } from "./kernel/scheduler.js";
export { TaskHandle } from "./kernel/handle.js";
export { RealClock, VirtualClock, type Clock, type TimerHandle } from "./time/clock.js";
export type { SchedulerEvents, SpawnEvent, ExitEvent, IoSubmitEvent, WakeEvent, ReplayedEvent } from "./kernel/events.js";
export type { BudgetLimits } from "./kernel/budget.js";
export type { Tid, TaskTarget, TargetResult, TaskStatus, TaskOptions, TaskRef, TaskInfo, SchedulingPolicy } from "./kernel/types.js";
export { Syscall, type SyscallContext, type SyscallDescription } from "./syscalls/syscall.js";
export { GetTid, getTid } from "./syscalls/get-tid.js";
export { Sleep, sleep } from "./syscalls/sleep.js";
export { Fork, fork } from "./syscalls/fork.js";
export { Wait, wait } from "./syscalls/wait.js";
export { Kill, kill } from "./syscalls/kill.js";
export { Pause, pause } from "./syscalls/pause.js";
export { Resume, resume } from "./syscalls/resume.js";
export { Revoke, revoke } from "./syscalls/revoke.js";
export { SubmitIO, submitIO, call, type IoItem, type ItemResult, type BatchResult } from "./syscalls/submit-io.js";
export { IoRing, type OpStatus, type BatchItem } from "./io/io-ring.js";
export { RingBuffer } from "./io/ring-buffer.js";
export type {
  IoOp,
  TypedOp,
  OpResult,
  NopOp,
  CallOp,
  TimeoutOp,
  SubmitOptions,
  IoRequest,
  IoHandler,
  Completion,
  IoRingOptions,
  RingCounters,
} from "./io/types.js";
export {
  TaskKilledError,
  TimeoutError,
  NoSuchTaskError,
  DeadlockError,
  RingFullError,
  OpCancelledError,
  BudgetExceededError,
  ChannelClosedError,
  CapabilityDeniedError,
  type StuckTask,
} from "./errors.js";
// Channels and joins: how tasks talk and wait for each other.
export { Channel, channel, type ChannelOptions, type ReceiveOptions, type Received } from "./sync/channel.js";
export { Send, Receive } from "./sync/channel.js";
export {
  Join,
  Race,
  waitAll,
  waitAny,
  allSettled,
  race,
  type WaitAllResult,
  type WaitAnyResult,
  type AllSettledResult,
  type Settled,
  type TidResult,
} from "./syscalls/join.js";
// Capabilities: what a task may do (grant, attenuate, revoke).
export { CapSet } from "./caps/cap-set.js";
export type { CapabilitySpec } from "./caps/cap-spec.js";
export { registerCapScope, registerCapGroup, scopeOf, type ScopeDeclaration, type ScopeKind } from "./caps/scope-registry.js";
export { lexicalResolve, pathCovers } from "./caps/cap-path.js";
export { confineOp, confinementOf, type Confinement } from "./caps/confinement.js";
export { retry, type RetryPolicy } from "./retry/retry.js";
