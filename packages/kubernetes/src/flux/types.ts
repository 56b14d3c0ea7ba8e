/** Type tokens of the Flux objects, with the API they are written for (reference/notes/flux.md §3). */
export const FLUX_OBJECT_TYPES = {
  "flux:source/v1:GitRepository": { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository" },
  "flux:source/v1:HelmRepository": { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "HelmRepository" },
  "flux:kustomize/v1:Kustomization": { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization" },
  "flux:helm/v2:HelmRelease": { apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease" },
} as const;

/** The namespace Flux objects go to when they name none (where `flux bootstrap` installs Flux). */
export const FLUX_NAMESPACE = "flux-system";
