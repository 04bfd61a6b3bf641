export { createTestScheduler, type TestScheduler, type TestSchedulerOptions } from "./test-scheduler.js";
export { recordTrace, type Trace } from "./trace.js";
export { formatTraceEvent, type TraceEvent, type TraceKind, type TraceFilter } from "./trace-event.js";
export { toPerfetto, type PerfettoTrace, type PerfettoEvent, type PerfettoOptions } from "./perfetto.js";
export { timeline, type TimelineOptions } from "./timeline.js";
export { formatPs } from "./ps.js";
export { seededPolicy, type SeededPolicy } from "./seeded-policy.js";
export {
  explore,
  replay,
  DEFAULT_STRATEGY,
  DEFAULT_DEPTH,
  type Strategy,
  type ShrunkFailure,
  type Program,
  type ExploreOptions,
  type ExploreResult,
  type ExploreFailure,
  type ReplayOptions,
  type RunOutcome,
} from "./explore.js";
export { scriptedHandlers, type OpScript, type IoScript } from "./scripted-io.js";
export { encodeSchedule, decodeSchedule, LivelockError } from "./choices.js";
