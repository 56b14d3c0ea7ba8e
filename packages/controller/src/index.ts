/**
 * `@iac/controller`: the controller of the `Stack` custom resource (`iac.dev/v1alpha1`), run by
 * `iac controller`. See docs/controller.md.
 */
export { Controller, type ControllerOptions } from "./controller.js";
export { reconcile, describeCounts, type ReconcileContext, type ReconcileResult } from "./reconcile.js";
export { Kube, KubeApiError, objectPath } from "./kube.js";
export { parseSpec, keyOf, API_VERSION, GROUP, VERSION, KIND, PLURAL, FINALIZER, REQUESTED_AT } from "./spec.js";
export type { StackObject, StackSpec, StackStatus, Condition, LastUpdate, DriftMode, Source, GitRef, ConfigEntry } from "./spec.js";
export { fetchArtifact, fetchGit, resolveGitRef, type Artifact, type FetchedSource, type GitCredentials } from "./source.js";
export { kubernetesEvent, fluxEvent, CONTROLLER_NAME, type StackEvent } from "./events.js";
export { ControllerError } from "./errors.js";
export { parseDuration, formatDuration } from "./duration.js";
export { LeaderElector, type LeaderElectionOptions } from "./leader.js";
