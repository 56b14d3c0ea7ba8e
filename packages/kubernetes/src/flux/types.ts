/**
 * Type tokens of the Flux objects, with the API they are written for (reference/notes/flux.md §3),
 * and whether create/update wait for Ready when the program does not say (`waitForReady`): yes for
 * the git source and the Kustomization (what most programs then depend on), no for the Helm kinds
 * (a chart install can take long, and a HelmRepository of type oci never reports Ready).
 */
export const FLUX_OBJECT_TYPES = {
  "flux:source/v1:GitRepository": { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", waitForReady: true },
  "flux:source/v1:HelmRepository": { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "HelmRepository", waitForReady: false },
  "flux:kustomize/v1:Kustomization": { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", waitForReady: true },
  "flux:helm/v2:HelmRelease": { apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", waitForReady: false },
} as const;

/** The namespace Flux objects go to when they name none (where `flux bootstrap` installs Flux). */
export const FLUX_NAMESPACE = "flux-system";
