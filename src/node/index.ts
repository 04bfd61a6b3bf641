export { fsOps } from "./fs-ops.js";
export type { FsOp, FsOpType, ReadFileOp, WriteFileOp, AppendFileOp, StatOp, ReaddirOp, MkdirOp, RmOp } from "./fs-ops.js";
export { fsHandlers, registerFs } from "./fs-handlers.js";
export { FsError } from "./fs-error.js";
export { auditToJsonl, type JsonlAuditSink } from "./audit-file.js";
export { resolveForCheck, checkPathText, MAX_PATH_BYTES, MAX_NAME_BYTES, type ResolveOptions } from "./path-resolve.js";
export { realCaps } from "./real-caps.js";
