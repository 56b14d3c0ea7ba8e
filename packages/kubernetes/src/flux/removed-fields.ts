/**
 * Fields that older Flux documentation shows but the current APIs removed
 * (reference/notes/flux.md §3.3): a program copied from a v1beta1-era example fails `check` with a
 * message naming what replaced the field, instead of an API server rejecting it later.
 */
import type { CheckFailure } from "@iac/sdk/provider";

/** One removed field. */
export interface RemovedField {
  /** The kind it belonged to. */
  readonly kind: string;
  /** Dot path from the object root. */
  readonly path: string;
  /** What to do instead. */
  readonly replacement: string;
}

/** Removed fields, by kind (kustomize-controller 1.0.0, source-controller 1.0.0, helm-controller 1.0.0 changelogs). */
export const REMOVED_FIELDS: readonly RemovedField[] = [
  {
    kind: "Kustomization",
    path: "spec.validation",
    replacement:
      "spec.validation was removed in kustomize.toolkit.fluxcd.io/v1 (deprecated since v1beta2, kustomize-controller 0.15): Flux applies with server-side apply, so the API server always validates. Delete the field.",
  },
  { kind: "Kustomization", path: "spec.patchesStrategicMerge", replacement: "spec.patchesStrategicMerge was removed in kustomize.toolkit.fluxcd.io/v1: move each patch to spec.patches (a list of { patch, target })." },
  { kind: "Kustomization", path: "spec.patchesJson6902", replacement: "spec.patchesJson6902 was removed in kustomize.toolkit.fluxcd.io/v1: move each patch to spec.patches (a list of { patch, target })." },
  { kind: "GitRepository", path: "spec.gitImplementation", replacement: "spec.gitImplementation was removed in source.toolkit.fluxcd.io/v1: Flux always uses go-git now. Delete the field." },
  { kind: "GitRepository", path: "spec.accessFrom", replacement: "spec.accessFrom was removed from GitRepository in source.toolkit.fluxcd.io/v1. Delete the field (cross-namespace references are controlled by the controllers' --no-cross-namespace-refs flag)." },
  { kind: "HelmRelease", path: "spec.chart.spec.valuesFile", replacement: "spec.chart.spec.valuesFile was removed in helm.toolkit.fluxcd.io/v2: use spec.chart.spec.valuesFiles (a list)." },
];

/** The apiVersions served now, per Flux kind (flux.md §0): older ones were removed in Flux 2.7 and 2.8. */
export const CURRENT_API_VERSIONS: Readonly<Record<string, string>> = {
  GitRepository: "source.toolkit.fluxcd.io/v1",
  HelmRepository: "source.toolkit.fluxcd.io/v1",
  Kustomization: "kustomize.toolkit.fluxcd.io/v1",
  HelmRelease: "helm.toolkit.fluxcd.io/v2",
};

function at(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const key of path.split(".")) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/**
 * Check failures for a Flux object: an apiVersion Flux no longer serves, and every removed field
 * present. `prefix` is put before property paths (e.g. `object.` when the object is nested).
 */
export function removedFieldFailures(obj: { readonly kind?: unknown; readonly apiVersion?: unknown; readonly [field: string]: unknown }, prefix = ""): CheckFailure[] {
  const kind = typeof obj.kind === "string" ? obj.kind : "";
  const failures: CheckFailure[] = [];
  const current = CURRENT_API_VERSIONS[kind];
  if (current !== undefined && typeof obj.apiVersion === "string" && obj.apiVersion !== current && obj.apiVersion.split("/")[0] === current.split("/")[0]) {
    failures.push({
      property: `${prefix}apiVersion`,
      reason: `${obj.apiVersion} is no longer served by Flux (v1beta1/v2beta1 were removed in Flux 2.7, v1beta2/v2beta2 in 2.8): use ${current}.`,
    });
  }
  for (const r of REMOVED_FIELDS) {
    if (r.kind === kind && at(obj, r.path) !== undefined) failures.push({ property: `${prefix}${r.path}`, reason: r.replacement });
  }
  const postRenderers = at(obj, "spec.postRenderers");
  if (kind === "HelmRelease" && Array.isArray(postRenderers)) {
    postRenderers.forEach((p, i) => {
      for (const f of ["patchesStrategicMerge", "patchesJson6902"]) {
        if (at(p, `kustomize.${f}`) !== undefined) {
          failures.push({ property: `${prefix}spec.postRenderers[${i}].kustomize.${f}`, reason: `${f} was removed from post-renderers in helm.toolkit.fluxcd.io/v2: use kustomize.patches.` });
        }
      }
    });
  }
  return failures;
}
