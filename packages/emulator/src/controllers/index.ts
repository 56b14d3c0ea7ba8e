/** The emulated controllers: Deployment status, Flux GitRepository and Kustomization. */
export { startControllers } from "./runner.js";
export type { ControllerOptions, Controllers } from "./runner.js";
export { withControllers } from "./wire.js";
export type { WithControllersOptions } from "./wire.js";
export type { ClusterAccess, ClusterEvent, ObjectKey } from "./cluster.js";
export { availableDeploymentStatus, deploymentNeedsStatus } from "./deployment.js";
export { reconcileGitRepository, commitOfRevision, DEFAULT_BRANCH } from "./git-repository.js";
export type { GitReader, GitRepositoryResult } from "./git-repository.js";
export { reconcileKustomization, finalizeKustomization, FIELD_MANAGER, NAME_LABEL, NAMESPACE_LABEL } from "./kustomization.js";
export { deletionOrder, finalizerDeletesResources } from "./garbage-collect.js";
export { SOURCE_CONTROLLER, KUSTOMIZE_CONTROLLER } from "./runner.js";
export { sortForApply, inventoryId } from "./manifests.js";
export { findKustomize, kustomizeBuild, KustomizeBuildError } from "./kustomize-build.js";
export type { KustomizeTool } from "./kustomize-build.js";
export { parseDuration } from "./duration.js";
export type { KubeObject as ControlledObject, Condition, Kind } from "./objects.js";
export { FLUX_FINALIZER } from "./objects.js";
