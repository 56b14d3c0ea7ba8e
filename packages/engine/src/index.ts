/**
 * `@iac/engine`: runs programs and turns them into deployments. The CLI calls `loadProject` and
 * `run` and renders the events `run` emits; the engine itself never prints.
 */
export * from "./api.js";
export { loadProject, type ProjectInfo } from "./project.js";
export { run, DEFAULT_PARALLEL, type RunOptions, type RunResult } from "./run.js";
export type { ConfirmedPlan } from "./confirmed-plan.js";
export { readResource, type ReadResourceOptions, type ReadResourceResult } from "./read-resource.js";
export {
  EngineError,
  NoProjectError,
  ProgramError,
  ProtectedResourceError,
  CheckFailedError,
  DuplicateUrnError,
  ProviderLoadError,
  InternalError,
  PendingCreateError,
  DependencyCycleError,
  ProgramStuckError,
} from "./errors.js";
export { StepSkippedError } from "./monitor.js";
export { SECRET_MASK, UNKNOWN_MASK, mask, maskMap } from "./values.js";
export type * from "./state/types.js";
export * from "./state/index.js";
export * from "./secrets.js";
export * from "./config.js";
export * from "./stacks.js";
// The state layer (written alongside): backends, secrets, stack config, stack and state operations.
export { createFileBackend, type FileBackendOptions } from "./state/file-backend.js";
// Loaded on first use, as azblob:// is: a project on the file backend does not pay for it at startup.
export { openKubernetesBackend } from "./state/backend-url.js";
export type { KubernetesBackendOptions } from "./state/kubernetes-backend.js";
export { kubeRequest, KubeHttpError, type KubeContentType, type KubeEndpoint } from "./kube-http.js";
export * from "./state/errors.js";
export * from "./secrets.js";
export * from "./config.js";
export * from "./stacks.js";
