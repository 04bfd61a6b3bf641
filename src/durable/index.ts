export { DurableEngine, type DurableEngineOptions, type WorkflowFn, type WorkflowRunInfo, type WorkflowStatus } from "./engine.js";
export { MemoryStore } from "./memory-store.js";
export { now, random, uuid, waitSignal, patched, Now, Random, Uuid, WaitSignal, Patched, type WaitSignalOptions } from "./syscalls.js";
export { NonDeterminismError, WorkflowNotFoundError, StoreError, JournaledError, LeaseLostError, WorkflowAbandonedError } from "./errors.js";
export type { Store, LeasedStore, Batch, JournalEntry, InboxItem, Recoverable, WorkflowRecord, WorkflowState, Awaitable } from "./store.js";
export { emptyBatch, isEmptyBatch, isLeasedStore } from "./store.js";
export { call } from "./call.js";
