export { llm, llmOp } from "./llm.js";
export type { LlmMessage, LlmQuery, LlmRequest, LlmAnswer, LlmResult, LlmUsage, LlmCallContext, LlmProvider, LlmOp } from "./llm-types.js";
export { registerLlm, type LlmService, type LlmServiceOptions, type LlmStats } from "./register-llm.js";
export { backoffDelay, isRetryable, resolveRetry, type RetryOptions } from "./retry.js";
export { openAiProvider, type OpenAiProviderOptions } from "./openai-provider.js";
export { offlineProvider, type OfflineProviderOptions } from "./offline-provider.js";
export { LlmError, type LlmErrorDetails } from "./errors.js";
export { AuditLog, audit, formatAuditRecord, type AuditRecord, type AuditOptions } from "./audit.js";
