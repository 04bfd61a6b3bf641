export { llm, llmOp } from "./llm.js";
export type {
  LlmMessage,
  LlmQuery,
  LlmRequest,
  LlmAnswer,
  LlmResult,
  LlmUsage,
  LlmCallContext,
  LlmProvider,
  LlmOp,
  LlmTool,
  LlmToolCall,
  LlmToolChoice,
  LlmResponseFormat,
  LlmDelta,
  LlmToolCallDelta,
} from "./llm-types.js";
export type { LlmStream } from "./llm-stream.js";
export type { LlmPrice, LlmBudgetLimits, LlmSpent } from "./llm-budget.js";
export { registerLlm, type LlmService, type LlmServiceOptions, type LlmStats } from "./register-llm.js";
export { backoffDelay, isRetryable, resolveRetry, type RetryOptions } from "./retry.js";
export { openAiProvider, type OpenAiProviderOptions } from "./openai-provider.js";
export { offlineProvider, type OfflineProviderOptions } from "./offline-provider.js";
export { LlmError, type LlmErrorDetails } from "./errors.js";
export { AuditLog, audit, formatAuditRecord, type AuditRecord, type AuditOptions } from "./audit.js";
