/**
 * Flux kinds the local cloud cannot reconcile: HelmRepository, HelmChart, OCIRepository and Bucket
 * (source-controller) and HelmRelease (helm-controller) need a Helm renderer, an OCI registry or a
 * bucket that the emulation does not have. Rather than leave them silently inert, their controller
 * marks them `Ready=False` with reason {@link UNSUPPORTED_REASON} and a message that says what to do,
 * so a Kustomization that waits for them (`wait`, `healthChecks`) does not go Ready either.
 */
import { withCondition, type Condition, type Kind, type KubeObject } from "./objects.js";

export const UNSUPPORTED_REASON = "LocalCloudUnsupported";

/** The kinds, and the Flux controller whose Deployment stands for them. */
export const UNSUPPORTED_KINDS: readonly (Kind & { readonly controller: string; readonly why: string })[] = [
  { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "HelmRepository", controller: "source-controller", why: "no Helm repository client" },
  { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "HelmChart", controller: "source-controller", why: "no Helm chart builder" },
  { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "OCIRepository", controller: "source-controller", why: "no OCI registry client" },
  { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "Bucket", controller: "source-controller", why: "no bucket client" },
  { apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", controller: "helm-controller", why: "no Helm renderer, so nothing is installed" },
];

/** The status to write, or undefined when the object already says so at its generation. */
export function unsupportedStatus(obj: KubeObject, why: string, now: string): Record<string, unknown> | undefined {
  const generation = obj.metadata.generation ?? 1;
  const message = `the local cloud does not reconcile ${obj.kind} (${why}); run the real Flux controllers with \`iac local serve --kubernetes=real\`, or use a GitRepository and a Kustomization`;
  const prior = Array.isArray(obj.status?.["conditions"]) ? (obj.status!["conditions"] as Condition[]) : undefined;
  const ready = prior?.find((c) => c.type === "Ready");
  if (ready?.reason === UNSUPPORTED_REASON && ready.message === message && obj.status?.["observedGeneration"] === generation) return undefined;
  const conditions = withCondition(prior, { type: "Ready", status: "False", reason: UNSUPPORTED_REASON, message, observedGeneration: generation }, now);
  return { ...(obj.status ?? {}), observedGeneration: generation, conditions };
}
