/**
 * Flux's kustomize-controller for Kustomization (`kustomize.toolkit.fluxcd.io/v1`), emulated: once
 * its source GitRepository has an artifact, it builds the manifests at `spec.path` of that commit
 * (see manifests.ts for what is supported), applies them with server-side apply in Flux's order,
 * prunes what the previous revision applied and this one does not, and reports the revision. When
 * the Kustomization is deleted, {@link finalizeKustomization} garbage-collects what it applied.
 */
import { createHash } from "node:crypto";
import type { ClusterAccess, ObjectKey } from "./cluster.js";
import { deleteOwned, finalizerDeletesResources, inventoryOf, NAME_LABEL, NAMESPACE_LABEL } from "./garbage-collect.js";
import { commitOfRevision, type GitReader } from "./git-repository.js";
import { KustomizeBuildError, kustomizeBuild, overlayOf, type KustomizeTool } from "./kustomize-build.js";
import { inventoryEntry, isClusterDefinition, sortForApply } from "./manifests.js";
import { invalidVarName, substituteObjects } from "./substitute.js";
import { fluxConditions, goDuration, healthChecksOf, timeoutOf, unhealthy } from "./health.js";
import { conditionOf, GIT_REPOSITORY, KUSTOMIZATION, keyOf, withCondition, type Condition, type KubeObject } from "./objects.js";

export { keyOfInventoryEntry, NAME_LABEL, NAMESPACE_LABEL } from "./garbage-collect.js";

/** The field manager Flux's kustomize-controller applies with. */
export const FIELD_MANAGER = "kustomize-controller";

export interface KustomizationDeps {
  readonly cluster: ClusterAccess;
  readonly git: GitReader;
  readonly now: string;
  /** How long to wait for applied CRDs to be Established before applying the rest. */
  readonly crdWaitMs?: number;
  /** The kustomize to build with (see findKustomize); undefined: none, and builds fail saying so. */
  readonly kustomize: KustomizeTool | undefined;
}

/** Why a Kustomization is not Ready (Flux's reasons). */
export type NotReadyReason = "DependencyNotReady" | "ArtifactFailed" | "BuildFailed" | "ReconciliationFailed" | "HealthCheckFailed";

/** The source a Kustomization points at and its revision, or why it cannot be used. */
export type SourceState =
  | { readonly kind: "ready"; readonly repo: string; readonly revision: string; readonly commit: string }
  | { readonly kind: "blocked"; readonly reason: NotReadyReason; readonly message: string };

function sourceKey(obj: KubeObject): ObjectKey & { readonly sourceKind: string } {
  const ref = (obj.spec?.["sourceRef"] ?? {}) as Record<string, unknown>;
  return {
    ...GIT_REPOSITORY,
    sourceKind: typeof ref["kind"] === "string" ? (ref["kind"] as string) : "",
    namespace: typeof ref["namespace"] === "string" ? (ref["namespace"] as string) : (obj.metadata.namespace ?? "default"),
    name: typeof ref["name"] === "string" ? (ref["name"] as string) : "",
  };
}

/** Whether every `dependsOn` Kustomization is Ready at its current generation; the first one that is not. */
export function firstUnreadyDependency(obj: KubeObject, cluster: ClusterAccess): string | undefined {
  const deps = Array.isArray(obj.spec?.["dependsOn"]) ? (obj.spec!["dependsOn"] as Record<string, unknown>[]) : [];
  for (const d of deps) {
    const key = { ...KUSTOMIZATION, namespace: typeof d["namespace"] === "string" ? (d["namespace"] as string) : (obj.metadata.namespace ?? "default"), name: String(d["name"] ?? "") };
    const dep = cluster.get(key);
    const ready = conditionOf(dep, "Ready");
    if (dep === undefined || ready?.status !== "True" || dep.status?.["observedGeneration"] !== (dep.metadata.generation ?? 1)) return `${key.namespace}/${key.name}`;
  }
  return undefined;
}

/** The source revision a Kustomization would apply now. */
export function sourceState(obj: KubeObject, cluster: ClusterAccess, git: GitReader): SourceState {
  const key = sourceKey(obj);
  if (key.sourceKind !== "GitRepository") {
    return { kind: "blocked", reason: "ArtifactFailed", message: `Source kind '${key.sourceKind}' is not supported by the local cloud; use a GitRepository.` };
  }
  const source = cluster.get(key);
  if (source === undefined) return { kind: "blocked", reason: "ArtifactFailed", message: `Source 'GitRepository/${key.namespace}/${key.name}' not found` };
  const revision = (source.status?.["artifact"] as { revision?: string } | undefined)?.revision;
  const commit = revision === undefined ? undefined : commitOfRevision(revision);
  const repo = git.repoPathOfUrl(String(source.spec?.["url"] ?? ""));
  if (revision === undefined || commit === undefined || repo === undefined) {
    return { kind: "blocked", reason: "ArtifactFailed", message: "Source artifact not found, retrying in 30s" };
  }
  return { kind: "ready", repo, revision, commit };
}

function notReady(obj: KubeObject, reason: NotReadyReason, message: string, now: string, extra: Record<string, unknown> = {}, reconciling?: string): Record<string, unknown> {
  const generation = obj.metadata.generation ?? 1;
  const prior = Array.isArray(obj.status?.["conditions"]) ? (obj.status!["conditions"] as Condition[]) : undefined;
  // Flux keeps Reconciling=True (ProgressingWithRetry) beside a failure it will retry after a build or apply.
  const conditions = fluxConditions(prior, now, {
    ...(reconciling === undefined ? {} : { Reconciling: { status: "True", reason: "ProgressingWithRetry", message: reconciling, observedGeneration: generation } }),
    Ready: { status: "False", reason, message, observedGeneration: generation },
  });
  return { ...(obj.status ?? {}), observedGeneration: generation, conditions, ...extra };
}

/** The result of one reconciliation: the status to write, and what to health-check before it is Ready. */
export interface KustomizationResult {
  readonly status: Record<string, unknown>;
  /** Objects to wait for (`wait`, `healthChecks`); the status then says health checks are running. */
  readonly healthChecks?: readonly ObjectKey[];
  /** The revision applied (when the apply went through). */
  readonly revision?: string;
}

async function waitEstablished(cluster: ClusterAccess, names: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = names.filter((name) => conditionOf(cluster.get({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name }), "Established")?.status !== "True");
    if (pending.length === 0 || Date.now() >= deadline) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Put an object where Flux would: labelled as this Kustomization's, in its target namespace. */
function prepare(obj: KubeObject, ks: KubeObject, cluster: ClusterAccess): KubeObject {
  const namespaced = cluster.isNamespaced(obj);
  const target = typeof ks.spec?.["targetNamespace"] === "string" ? (ks.spec!["targetNamespace"] as string) : undefined;
  const labels = { ...(obj.metadata.labels ?? {}), [NAME_LABEL]: ks.metadata.name, [NAMESPACE_LABEL]: ks.metadata.namespace ?? "default" };
  const { namespace: _ignored, ...meta } = obj.metadata;
  // kustomize has set targetNamespace already; a custom kind unknown before its CRD was applied gets it here.
  const namespace = namespaced === false ? undefined : (obj.metadata.namespace ?? target);
  return { ...obj, metadata: { ...meta, labels, ...(namespace === undefined ? {} : { namespace }) } };
}

/**
 * Reconcile one Kustomization: apply and prune through the cluster, and return the status to
 * write. Never throws for a problem of the user's making; it reports it in the Ready condition.
 */
export async function reconcileKustomization(ks: KubeObject, deps: KustomizationDeps): Promise<KustomizationResult> {
  return reconcile(ks, deps);
}

async function reconcile(ks: KubeObject, deps: KustomizationDeps): Promise<KustomizationResult> {
  const { cluster, git, now } = deps;
  const unready = firstUnreadyDependency(ks, cluster);
  if (unready !== undefined) return { status: notReady(ks, "DependencyNotReady", `dependency '${unready}' is not ready`, now) };
  const source = sourceState(ks, cluster, git);
  if (source.kind === "blocked") return { status: notReady(ks, source.reason, source.message, now) };
  const timeout = goDuration(timeoutOf(ks));

  const path = typeof ks.spec?.["path"] === "string" ? (ks.spec!["path"] as string) : "";
  const dir = cleanPath(path);
  let files: Awaited<ReturnType<GitReader["readFiles"]>>;
  try {
    // The whole revision, as Flux extracts the whole artifact: bases outside spec.path resolve.
    files = await git.readFiles(source.repo, source.commit, "");
  } catch (err) {
    return { status: notReady(ks, "ArtifactFailed", (err as Error).message, now) };
  }
  // Git stores no empty directories, so a path with no file below it is absent from the artifact.
  // Flux stats it in the extracted artifact and fails before it sets lastAttemptedRevision
  // (kustomize-controller internal/controller/kustomization_controller.go `reconcile`).
  if (dir !== "" && !files.some((f) => f.path.startsWith(`${dir}/`))) {
    return { status: notReady(ks, "ArtifactFailed", `kustomization path not found: stat ${artifactDir(ks, source.revision)}/${dir}: no such file or directory`, now) };
  }
  const attempted = { lastAttemptedRevision: source.revision };
  let objects: KubeObject[];
  try {
    const built = await kustomizeBuild({ files, path: dir, overlay: overlayOf(ks.spec), kustomize: deps.kustomize, displayRoot: artifactDir(ks, source.revision) });
    objects = sortForApply(postBuild(ks, built, cluster));
  } catch (err) {
    return { status: notReady(ks, "BuildFailed", (err as Error).message, now, attempted, `Building manifests for revision ${source.revision} with a timeout of ${timeout}`) };
  }
  // fluxcd/pkg ssa refuses a namespaced object without a namespace before it applies anything.
  for (const o of objects) {
    if (o.metadata.namespace === undefined && cluster.isNamespaced(o) === true) {
      return { status: notReady(ks, "ReconciliationFailed", `${o.kind}/${o.metadata.name} namespace not specified: the server could not find the requested resource\n`, now, attempted, `Detecting drift for revision ${source.revision} with a timeout of ${timeout}`) };
    }
  }

  // Objects are prepared (namespace, labels) just before they are applied: whether a custom kind
  // is namespaced is known only once the CRDs applied in the first stage are served.
  const prepared: KubeObject[] = [];
  let failed: KubeObject | undefined;
  try {
    const definitions = objects.filter(isClusterDefinition);
    for (const o of definitions) {
      failed = o;
      prepared.push(prepare(o, ks, cluster));
      await cluster.apply(prepared[prepared.length - 1]!, FIELD_MANAGER);
    }
    const crds = definitions.filter((o) => o.kind === "CustomResourceDefinition").map((o) => o.metadata.name);
    if (crds.length > 0) await waitEstablished(cluster, crds, deps.crdWaitMs ?? 5_000);
    for (const o of objects.filter((x) => !isClusterDefinition(x))) {
      failed = o;
      prepared.push(prepare(o, ks, cluster));
      await cluster.apply(prepared[prepared.length - 1]!, FIELD_MANAGER);
    }
  } catch (err) {
    const what = failed === undefined ? "" : `${failed.kind}/${keyOf(failed)} `;
    return { status: notReady(ks, "ReconciliationFailed", `${what}apply failed: ${(err as Error).message}`, now, attempted, `Detecting drift for revision ${source.revision} with a timeout of ${timeout}`) };
  }

  const entries = prepared.map(inventoryEntry).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (ks.spec?.["prune"] === true) {
    const keep = new Set(entries.map((e) => e.id));
    await deleteOwned(cluster, ks, inventoryOf(ks).filter((e) => !keep.has(e.id)));
  }

  const generation = ks.metadata.generation ?? 1;
  const prior = Array.isArray(ks.status?.["conditions"]) ? (ks.status!["conditions"] as Condition[]) : undefined;
  const checks = healthChecksOf(ks, prepared.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace === undefined ? {} : { namespace: o.metadata.namespace }) })));
  const applied = { ...(ks.status ?? {}), observedGeneration: generation, lastAttemptedRevision: source.revision, inventory: { entries } };
  if (checks.length > 0) {
    const running = `Running health checks for revision ${source.revision} with a timeout of ${timeout}`;
    const conditions = fluxConditions(prior, now, {
      Reconciling: { status: "True", reason: "Progressing", message: running, observedGeneration: generation },
      Ready: { status: "Unknown", reason: "Progressing", message: "Reconciliation in progress", observedGeneration: generation },
      Healthy: { status: "Unknown", reason: "Progressing", message: running, observedGeneration: generation },
    });
    return { status: { ...applied, conditions }, healthChecks: checks, revision: source.revision };
  }
  return { status: { ...applied, conditions: succeeded(prior, source.revision, generation, now, undefined), lastAppliedRevision: source.revision }, revision: source.revision };
}

function succeeded(prior: readonly Condition[] | undefined, revision: string, generation: number, now: string, healthyIn: string | undefined): Condition[] {
  return fluxConditions(prior, now, {
    Reconciling: undefined,
    Ready: { status: "True", reason: "ReconciliationSucceeded", message: `Applied revision: ${revision}`, observedGeneration: generation },
    ...(healthyIn === undefined ? {} : { Healthy: { status: "True", reason: "Succeeded", message: `Health check passed in ${healthyIn}`, observedGeneration: generation } }),
  });
}

/**
 * Where a Kustomization's health checks stand, once its revision was applied: the status to write
 * when they passed or timed out, or undefined while they run.
 */
export function healthCheckOutcome(ks: KubeObject, options: { cluster: ClusterAccess; checks: readonly ObjectKey[]; revision: string; startedAt: number; nowMs: number; now: string; timeoutMs?: number }): Record<string, unknown> | undefined {
  const generation = ks.metadata.generation ?? 1;
  const prior = Array.isArray(ks.status?.["conditions"]) ? (ks.status!["conditions"] as Condition[]) : undefined;
  const failing = unhealthy(options.checks, options.cluster);
  const elapsed = goDuration(options.nowMs - options.startedAt);
  if (failing.length === 0) {
    return { ...(ks.status ?? {}), observedGeneration: generation, conditions: succeeded(prior, options.revision, generation, options.now, elapsed), lastAppliedRevision: options.revision };
  }
  const timeoutMs = options.timeoutMs ?? timeoutOf(ks);
  if (options.nowMs - options.startedAt < timeoutMs) return undefined;
  const waiting = `timeout waiting for: [${failing.join(", ")}]`;
  const conditions = fluxConditions(prior, options.now, {
    Reconciling: { status: "True", reason: "ProgressingWithRetry", message: `Running health checks for revision ${options.revision} with a timeout of ${goDuration(timeoutOf(ks))}`, observedGeneration: generation },
    Ready: { status: "False", reason: "HealthCheckFailed", message: `health check failed after ${elapsed}: ${waiting}`, observedGeneration: generation },
    Healthy: { status: "False", reason: "HealthCheckFailed", message: waiting, observedGeneration: generation },
  });
  return { ...(ks.status ?? {}), observedGeneration: generation, conditions };
}

/** kustomize's resource id as Flux's post-build errors name it: `ConfigMap.v1.[noGrp]/name`. */
function resId(o: KubeObject): string {
  const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["", o.apiVersion];
  return `${o.kind}.${version}.${group === "" ? "[noGrp]" : group}/${o.metadata.name}`;
}

/**
 * `spec.postBuild`: the variables of `substituteFrom` (in order, later ones winning) and then
 * `substitute`, replaced in every object. Errors carry Flux's messages (observed on the real
 * controller): `post build failed for '<resid>': ...`.
 */
function postBuild(ks: KubeObject, objects: readonly KubeObject[], cluster: ClusterAccess): KubeObject[] {
  const spec = ks.spec?.["postBuild"] as { substitute?: Record<string, unknown>; substituteFrom?: { kind?: string; name?: string; optional?: boolean }[] } | undefined;
  if (spec === undefined || objects.length === 0) return [...objects];
  const first = objects[0]!;
  const fail = (why: string) => new KustomizeBuildError(`post build failed for '${resId(first)}': ${why}`);
  const vars = new Map<string, string>();
  const namespace = ks.metadata.namespace ?? "default";
  for (const ref of spec.substituteFrom ?? []) {
    const kind = ref.kind === "Secret" ? "Secret" : "ConfigMap";
    const source = cluster.get({ apiVersion: "v1", kind, namespace, name: String(ref.name ?? "") });
    if (source === undefined) {
      if (ref.optional === true) continue;
      throw fail(`substitute from '${kind}/${ref.name}' error: ${kind === "Secret" ? "secrets" : "configmaps"} "${ref.name}" not found`);
    }
    const data = (source["data"] ?? {}) as Record<string, string>;
    for (const [k, v] of Object.entries(data)) vars.set(k, kind === "Secret" ? Buffer.from(v, "base64").toString("utf8") : v);
    if (kind === "ConfigMap") for (const [k, v] of Object.entries((source["stringData"] ?? {}) as Record<string, string>)) vars.set(k, v);
  }
  for (const [k, v] of Object.entries(spec.substitute ?? {})) vars.set(k, String(v));
  for (const name of vars.keys()) {
    const bad = invalidVarName(name);
    if (bad !== undefined) throw fail(`envsubst error: ${bad}`);
  }
  return substituteObjects(objects, vars);
}

/**
 * What kustomize-controller does when a Kustomization it finalizes is deleted: delete what it
 * applied when {@link finalizerDeletesResources} says so. The caller then removes the finalizer.
 * Returns the keys deleted.
 */
export async function finalizeKustomization(ks: KubeObject, cluster: ClusterAccess): Promise<ObjectKey[]> {
  if (!finalizerDeletesResources(ks)) return [];
  return deleteOwned(cluster, ks, inventoryOf(ks));
}

/** `spec.path` as Flux's secure join cleans it: `./a//b/` -> `a/b`, `./` -> `` (the root). */
function cleanPath(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return out.join("/");
}

/**
 * Where kustomize-controller would have extracted the artifact (`MkdirTemp("", "kustomization-")`
 * adds a random number). Derived from the object and revision, so a repeated failure writes the
 * same message and does not churn the status.
 */
function artifactDir(ks: KubeObject, revision: string): string {
  const seed = createHash("sha256").update(`${ks.metadata.uid ?? keyOf(ks)}\n${revision}`).digest();
  return `/tmp/kustomization-${seed.readUInt32BE(0)}`;
}
