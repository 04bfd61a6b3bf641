export { remoteOps, RemoteOps, type RemoteOpsOptions, type RemoteOpsStats } from "./remote-ops.js";
export { OpWorker, type OpWorkerOptions, type RemoteHandler, type RemoteOpContext } from "./op-worker.js";
export { RemoteOpError, RemotePayloadError, RedisUnavailableError } from "./errors.js";
export { RedisStore, type RedisStoreOptions } from "./redis-store.js";
export { WorkflowClient, type WorkflowClientOptions, type ClusterWorkflowStatus } from "./workflow-client.js";
export { WorkflowWorker, type WorkflowWorkerOptions, type WorkflowWorkerEvents } from "./workflow-worker.js";
