/**
 * `@iac/kubernetes/flux`: Flux v2 on Kubernetes. {@link FluxBootstrap} installs Flux and makes it
 * sync itself from git; {@link GitRepository}, {@link Kustomization}, {@link HelmRepository} and
 * {@link HelmRelease} declare what it syncs, typed after the current Flux APIs.
 */
export { FluxBootstrap, type FluxBootstrapArgs } from "./bootstrap.js";
export {
  GitRepository,
  Kustomization,
  HelmRepository,
  HelmRelease,
  type FluxObjectArgs,
  type GitRepositorySpec,
  type KustomizationSpec,
  type HelmRepositorySpec,
  type HelmReleaseSpec,
} from "./resources.js";
export { DEFAULT_COMPONENTS, EXTRA_COMPONENTS, selectComponents, componentsFile } from "./components.js";
export { syncFile, syncObjects, kustomizationFile } from "./sync.js";
export { removedFieldFailures, REMOVED_FIELDS } from "./removed-fields.js";
export { iacProviders } from "../provider-module.js";
