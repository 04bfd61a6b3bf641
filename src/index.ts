export { Scheduler, type SchedulerOptions, type SchedulingPolicy } from "./kernel/scheduler.js";
export { TaskHandle } from "./kernel/handle.js";
export { RealClock, VirtualClock, type Clock, type TimerHandle } from "./kernel/clock.js";
export type { SchedulerEvents, SpawnEvent, ExitEvent, IoSubmitEvent, WakeEvent } from "./kernel/events.js";
export type { BudgetLimits } from "./kernel/budget.js";
export type { Tid, TaskTarget, TargetResult, TaskStatus, TaskOptions, TaskRef, TaskInfo } from "./kernel/types.js";
export { Syscall, type SyscallContext } from "./syscalls/syscall.js";
export { GetTid, getTid } from "./syscalls/get-tid.js";
export { Sleep, sleep } from "./syscalls/sleep.js";
export { Fork, fork } from "./syscalls/fork.js";
export { Wait, wait } from "./syscalls/wait.js";
export { Kill, kill } from "./syscalls/kill.js";
export { Pause, pause } from "./syscalls/pause.js";
export { Resume, resume } from "./syscalls/resume.js";
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
  type StuckTask,
} from "./errors.js";
// Agent layer: LLM syscalls and providers, channels, joins, audit.
export { llm, llmOp } from "./agent/llm.js";
export type { LlmMessage, LlmQuery, LlmRequest, LlmAnswer, LlmResult, LlmUsage, LlmCallContext, LlmProvider, LlmOp } from "./agent/llm-types.js";
export { registerLlm, type LlmService, type LlmServiceOptions, type LlmStats } from "./agent/register-llm.js";
export { backoffDelay, isRetryable, resolveRetry, type RetryOptions } from "./agent/retry.js";
export { openAiProvider, type OpenAiProviderOptions } from "./agent/openai-provider.js";
export { offlineProvider, type OfflineProviderOptions } from "./agent/offline-provider.js";
export { LlmError, ChannelClosedError, type LlmErrorDetails } from "./agent/errors.js";
export { Channel, channel, type ChannelOptions, type ReceiveOptions, type Received } from "./agent/channel.js";
export { Send, Receive } from "./agent/channel-syscalls.js";
export { waitAll, waitAny, type WaitAllResult, type WaitAnyResult } from "./agent/wait-group.js";
export type { TidResult } from "./agent/join-watch.js";
export { race } from "./agent/race.js";
export { AuditLog, audit, formatAuditRecord, type AuditRecord, type AuditOptions } from "./agent/audit.js";
