/**
 * Runs the emulated controllers against a cluster: Deployments become available shortly after
 * each change, GitRepositories follow their branch (on their interval and at once on a push to the
 * local git host), Kustomizations apply their source's revision. Reconciliation is level-based:
 * each pass looks at every object and acts on those that are due, so missed events only delay.
 *
 * As on a real cluster, Flux's controllers act only while Flux is installed: GitRepositories only
 * while a `source-controller` Deployment exists (in any namespace, not being deleted, not scaled to
 * zero), Kustomizations only while a `kustomize-controller` one does. They put
 * `finalizers.fluxcd.io` on what they reconcile and, when such an object is deleted, finalize it
 * (a Kustomization garbage-collects what it applied) and remove the finalizer. Without the
 * controller the object stays Terminating until someone strips the finalizer, which is how
 * `flux uninstall` leaves workloads in place (reference/notes/flux.md §4.3).
 */
import type { GitService } from "../git/index.js";
import type { ClusterAccess, ClusterEvent } from "./cluster.js";
import { availableDeploymentStatus, deploymentNeedsStatus, missingImageRule, missingImagesOf, progressDeadlineMs, unavailableDeploymentStatus } from "./deployment.js";
import { parseDuration } from "./duration.js";
import { startArtifactStorage } from "./artifact-server.js";
import { reconcileGitRepository, type GitReader } from "./git-repository.js";
import type { ObjectKey } from "./cluster.js";
import { finalizeKustomization, healthCheckOutcome, reconcileKustomization, sourceState } from "./kustomization.js";
import { findKustomize, type KustomizeTool } from "./kustomize-build.js";
import { UNSUPPORTED_KINDS, unsupportedStatus } from "./unsupported.js";
import { syncReplicaSets } from "./replica-sets.js";
import { startNotificationController } from "./notification.js";
import { reconcileRequested, startResyncLoop } from "./resync.js";
import { readyEvent, recordEvent } from "./events.js";
import { goDuration } from "./health.js";
import { conditionOf, DEPLOYMENT, FLUX_FINALIZER, GIT_REPOSITORY, hasFinalizer, KUSTOMIZATION, keyOf, timestamp, type KubeObject } from "./objects.js";

export interface ControllerOptions {
  readonly cluster: ClusterAccess;
  readonly git: GitReader & Partial<Pick<GitService, "onPush">>;
  readonly log?: (message: string) => void;
  /** How long after a change a Deployment reports its replicas available (default 200 ms). */
  readonly deploymentDelayMs?: number;
  /** How often every object is looked at for intervals and retries (default 1 s). */
  readonly resyncMs?: number;
  /**
   * Whether Flux's emulated controllers need their Deployments (`source-controller`,
   * `kustomize-controller`) to exist, as on a real cluster (default true). False makes them act
   * on any GitRepository and Kustomization, as if Flux were always installed.
   */
  readonly requireControllerDeployments?: boolean;
  /**
   * The kustomize Kustomizations are built with; default {@link findKustomize} (IAC_KUSTOMIZE,
   * else kustomize or kubectl on PATH). `null`: none, so every Kustomization fails its build
   * saying so.
   */
  readonly kustomize?: KustomizeTool | null;
  /**
   * Which images cannot be pulled, so Deployments using them never become available; default
   * {@link missingImageRule} (tags `missing`, `missing-*`, and IAC_LOCAL_MISSING_IMAGES).
   */
  readonly missingImage?: (image: string) => boolean;
  /** Overrides every Kustomization's health-check timeout (tests; Flux's is at least 30 s). */
  readonly healthCheckTimeoutMs?: number;
  /** Serve the notification-controller's webhook receiver on loopback (notification-receiver.ts); default not. */
  readonly webhooks?: { readonly port?: number };
}

/** The Deployments (flux.md §1.3, default components) whose controllers the emulation stands for. */
export const SOURCE_CONTROLLER = "source-controller";
export const KUSTOMIZE_CONTROLLER = "kustomize-controller";

/** The running controllers. */
export interface Controllers {
  /** Run a pass now (every due object), resolving when it has finished. */
  reconcileNow(): Promise<void>;
  /** Stop watching and timers; waits for a pass in progress. */
  stop(): Promise<void>;
  /** The notification-controller's webhook receiver (`http://127.0.0.1:<port>`), when `webhooks` asked for it. */
  webhooksUrl(): Promise<string | undefined>;
}

const DEFAULT_INTERVAL_MS = 60_000;

function uidOf(obj: KubeObject): string {
  return obj.metadata.uid ?? `${obj.apiVersion}/${obj.kind}/${keyOf(obj)}`;
}

function keyFor(obj: KubeObject) {
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, ...(obj.metadata.namespace === undefined ? {} : { namespace: obj.metadata.namespace }) };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
}

const isSuspended = (obj: KubeObject) => obj.spec?.["suspend"] === true;

export { REQUESTED_AT } from "./resync.js";
const isDeleting = (obj: KubeObject) => obj.metadata.deletionTimestamp !== undefined;

/** Start the controllers; they run until {@link Controllers.stop}. */
export function startControllers(options: ControllerOptions): Controllers {
  const { cluster, git } = options;
  const log = options.log ?? (() => {});
  const deploymentDelayMs = options.deploymentDelayMs ?? 200;
  const requireDeployments = options.requireControllerDeployments ?? true;
  const kustomize = options.kustomize === null ? undefined : (options.kustomize ?? findKustomize());
  const missingImage = options.missingImage ?? missingImageRule();
  /** When each GitRepository/Kustomization is next due on its interval (by uid). */
  const dueAt = new Map<string, number>();
  /** Consecutive failed reconciliations of each GitRepository (by uid), for the retry backoff. */
  const sourceFailures = new Map<string, number>();
  /** The source-controller's artifacts, served over loopback HTTP (started on the first one). */
  const artifacts = startArtifactStorage();
  const deploymentTimers = new Map<string, NodeJS.Timeout>();
  /** Kustomizations whose revision is applied and whose health checks run (by uid). */
  const healthWaits = new Map<string, { readonly revision: string; readonly generation: number; readonly checks: readonly ObjectKey[]; readonly startedAt: number }>();
  let forceSources = false;
  let stopped = false;
  let triggerTimer: NodeJS.Timeout | undefined;

  function trigger(): void {
    if (stopped || triggerTimer !== undefined) return;
    // Coalesce the bursts of events one apply produces into one pass.
    triggerTimer = setTimeout(() => {
      triggerTimer = undefined;
      void loop.pass();
    }, 10);
  }

  function scheduleDeployment(obj: KubeObject): void {
    const uid = uidOf(obj);
    if (stopped || deploymentTimers.has(uid)) return;
    deploymentTimers.set(
      uid,
      setTimeout(() => {
        deploymentTimers.delete(uid);
        const live = cluster.get(keyFor(obj));
        if (live === undefined || !deploymentNeedsStatus(live)) return;
        const now = timestamp(Date.now());
        const unavailable = missingImagesOf(live, missingImage).length > 0;
        const status = unavailable ? unavailableDeploymentStatus(live, now) : availableDeploymentStatus(live, now);
        syncReplicaSets(live, cluster, { unavailable })
          .then(() => cluster.updateStatus(keyFor(live), status))
          .then(() => {
            if (unavailable) scheduleProgressDeadline(live);
          })
          .catch((err: Error) => {
          log(`Deployment ${keyOf(live)}: status update failed, will retry: ${err.message}`);
          trigger();
        });
      }, deploymentDelayMs),
    );
  }

  /**
   * A rollout whose pods never start fails at its progress deadline, as the real controller says
   * it: `Progressing=False`, `ProgressDeadlineExceeded` (what kstatus, Flux and iac's waits read).
   */
  function scheduleProgressDeadline(obj: KubeObject): void {
    const key = `${uidOf(obj)}/deadline/${obj.metadata.generation ?? 1}`;
    if (stopped || deploymentTimers.has(key)) return;
    deploymentTimers.set(
      key,
      setTimeout(() => {
        deploymentTimers.delete(key);
        const live = cluster.get(keyFor(obj));
        if (live === undefined || live.metadata.deletionTimestamp !== undefined) return;
        if ((live.metadata.generation ?? 1) !== (obj.metadata.generation ?? 1)) return;
        if (missingImagesOf(live, missingImage).length === 0) return;
        cluster.updateStatus(keyFor(live), unavailableDeploymentStatus(live, timestamp(Date.now()), true)).catch((err: Error) => {
          log(`Deployment ${keyOf(live)}: progress deadline status failed: ${err.message}`);
        });
      }, progressDeadlineMs(obj)),
    );
  }

  /** Whether the Deployment standing for a Flux controller is there to run it. */
  function controllerRuns(name: string): boolean {
    if (!requireDeployments) return true;
    return cluster.list(DEPLOYMENT).some((d) => d.metadata.name === name && !isDeleting(d) && d.spec?.["replicas"] !== 0);
  }

  async function setFinalizer(obj: KubeObject, present: boolean, manager: string): Promise<void> {
    const others = (obj.metadata.finalizers ?? []).filter((f) => f !== FLUX_FINALIZER);
    await cluster.setFinalizers(keyFor(obj), present ? [...others, FLUX_FINALIZER] : others, manager);
  }

  function onEvent(event: ClusterEvent): void {
    const o = event.object;
    if (o.kind === DEPLOYMENT.kind && o.apiVersion === DEPLOYMENT.apiVersion) {
      if (event.type !== "DELETED" && deploymentNeedsStatus(o)) scheduleDeployment(o);
      // A Flux controller starting picks up the objects waiting for it.
      if (o.metadata.name === SOURCE_CONTROLLER || o.metadata.name === KUSTOMIZE_CONTROLLER || o.metadata.name === "helm-controller") trigger();
      return;
    }
    if (/\.toolkit\.fluxcd\.io\//.test(o.apiVersion)) trigger();
  }

  async function reconcileSources(now: number): Promise<void> {
    const force = forceSources;
    forceSources = false;
    if (!controllerRuns(SOURCE_CONTROLLER)) return;
    for (const repo of cluster.list(GIT_REPOSITORY)) {
      const uid = uidOf(repo);
      try {
        if (isDeleting(repo)) {
          // source-controller `reconcileDelete`: drop the stored artifacts, release the object.
          dueAt.delete(uid);
          artifacts.remove(keyOf(repo));
          if (hasFinalizer(repo, FLUX_FINALIZER)) await setFinalizer(repo, false, SOURCE_CONTROLLER);
          continue;
        }
        const changed = repo.status?.["observedGeneration"] !== (repo.metadata.generation ?? 1) || reconcileRequested(repo) !== undefined;
        if (!force && !changed && (dueAt.get(uid) ?? 0) > now) continue;
        // The finalizer comes first, suspended or not, as in the real Reconcile.
        if (!hasFinalizer(repo, FLUX_FINALIZER)) await setFinalizer(repo, true, SOURCE_CONTROLLER);
        if (isSuspended(repo)) continue;
        dueAt.set(uid, now + (parseDuration(repo.spec?.["interval"]) ?? DEFAULT_INTERVAL_MS));
        const requested = reconcileRequested(repo);
        const { status, revision } = await reconcileGitRepository(repo, git, timestamp(now), (namespace, name) => cluster.get({ apiVersion: "v1", kind: "Secret", namespace, name }), artifacts);
        // A failure is retried with controller-runtime's per-object backoff (5 ms doubling, capped
        // by the interval here), as the real source-controller returns the error to its queue: a
        // GitRepository applied just before its Secret recovers at once, not at its next interval.
        if (revision === undefined) {
          const n = (sourceFailures.get(uid) ?? 0) + 1;
          sourceFailures.set(uid, n);
          dueAt.set(uid, now + Math.min(parseDuration(repo.spec?.["interval"]) ?? DEFAULT_INTERVAL_MS, 5 * 2 ** Math.min(n, 20)));
        } else sourceFailures.delete(uid);
        if (requested !== undefined) status["lastHandledReconcileAt"] = requested;
        if (!sameJson(status, repo.status)) {
          await cluster.updateStatus(keyFor(repo), status);
          if (conditionOf({ ...repo, status }, "Ready")?.status === "False") await emitReady(repo, status, SOURCE_CONTROLLER, 0, 0);
        }
      } catch (err) {
        log(`GitRepository ${keyOf(repo)}: reconcile failed: ${(err as Error).message}`);
      }
    }
  }

  async function finalize(ks: KubeObject): Promise<void> {
    dueAt.delete(uidOf(ks));
    if (!hasFinalizer(ks, FLUX_FINALIZER)) return;
    const deleted = await finalizeKustomization(ks, cluster);
    if (deleted.length > 0) log(`Kustomization ${keyOf(ks)}: garbage collected ${deleted.map((k) => `${k.kind}/${k.namespace ? `${k.namespace}/` : ""}${k.name}`).join(", ")}`);
    const live = cluster.get(keyFor(ks));
    if (live !== undefined) await setFinalizer(live, false, KUSTOMIZE_CONTROLLER);
  }

  async function reconcileKustomizations(now: number): Promise<void> {
    if (!controllerRuns(KUSTOMIZE_CONTROLLER)) return;
    for (const ks of cluster.list(KUSTOMIZATION)) {
      if (isDeleting(ks)) {
        try {
          await finalize(ks);
        } catch (err) {
          // The finalizer stays, so the next pass retries, as Flux retries a failed garbage collection.
          log(`Kustomization ${keyOf(ks)}: garbage collection failed, will retry: ${(err as Error).message}`);
        }
        continue;
      }
      const uid = uidOf(ks);
      const ready = conditionOf(ks, "Ready");
      const generation = ks.metadata.generation ?? 1;
      const source = sourceState(ks, cluster, git);
      const requested = reconcileRequested(ks);
      const interval = parseDuration(ks.spec?.["interval"]) ?? DEFAULT_INTERVAL_MS;
      const retry = parseDuration(ks.spec?.["retryInterval"]) ?? interval;
      const wait = healthWaits.get(uid);
      if (wait !== undefined && wait.generation === generation && requested === undefined && !isSuspended(ks) && !(source.kind === "ready" && source.revision !== wait.revision)) {
        // Health checks of the applied revision run until they pass or time out; nothing is re-applied meanwhile.
        try {
          const status = healthCheckOutcome(ks, { cluster, checks: wait.checks, revision: wait.revision, startedAt: wait.startedAt, nowMs: now, now: timestamp(now), ...(options.healthCheckTimeoutMs === undefined ? {} : { timeoutMs: options.healthCheckTimeoutMs }) });
          if (status === undefined) continue;
          healthWaits.delete(uid);
          dueAt.set(uid, now + (conditionOf({ ...ks, status }, "Ready")?.status === "True" ? interval : retry));
          await cluster.updateStatus(keyFor(ks), status);
          await emitReady(ks, status, KUSTOMIZE_CONTROLLER, now - wait.startedAt, interval);
        } catch (err) {
          log(`Kustomization ${keyOf(ks)}: health check failed: ${(err as Error).message}`);
        }
        continue;
      }
      healthWaits.delete(uid);
      const changed = ks.status?.["observedGeneration"] !== generation || requested !== undefined;
      const newRevision = source.kind === "ready" && source.revision !== ks.status?.["lastAttemptedRevision"];
      // Waiting on a dependency or a source is cheap to re-check, so it is re-checked every pass.
      const waiting = ready?.status !== "True" && (ready?.reason === "DependencyNotReady" || (ready?.reason === "ArtifactFailed" && /^source\b/i.test(ready.message)));
      if (!changed && !newRevision && !waiting && (dueAt.get(uid) ?? 0) > now) continue;
      try {
        if (!hasFinalizer(ks, FLUX_FINALIZER)) await setFinalizer(ks, true, KUSTOMIZE_CONTROLLER);
        if (isSuspended(ks)) continue;
        const result = await reconcileKustomization(ks, { cluster, git, kustomize, now: timestamp(now) });
        const status = requested === undefined ? result.status : { ...result.status, lastHandledReconcileAt: requested };
        if (result.healthChecks !== undefined && result.revision !== undefined) healthWaits.set(uid, { revision: result.revision, generation, checks: result.healthChecks, startedAt: now });
        const ok = conditionOf({ ...ks, status }, "Ready")?.status === "True";
        dueAt.set(uid, now + (ok ? interval : retry));
        const live = cluster.get(keyFor(ks));
        if (live !== undefined && !isDeleting(live) && !sameJson(status, live.status)) {
          await cluster.updateStatus(keyFor(ks), status);
          await emitReady(live, status, KUSTOMIZE_CONTROLLER, Date.now() - now, interval);
        }
      } catch (err) {
        dueAt.set(uid, now + interval);
        log(`Kustomization ${keyOf(ks)}: reconcile failed: ${(err as Error).message}`);
      }
    }
  }

  /** An Event for a changed Ready condition, as Flux's recorder writes it; a failure to record is only logged. */
  async function emitReady(before: KubeObject, status: Record<string, unknown>, component: string, tookMs: number, intervalMs: number): Promise<void> {
    const e = readyEvent(before, status, { component, succeeded: () => `Reconciliation finished in ${goDuration(Math.max(1, tookMs))}, next run in ${goDuration(intervalMs)}` });
    if (e === undefined) return;
    await recordEvent(cluster, before, { ...e, component, now: timestamp(Date.now()) }).catch((err: Error) => log(`${before.kind} ${keyOf(before)}: recording an event failed: ${err.message}`));
  }

  /** Flux kinds without an emulated controller say so in their Ready condition (unsupported.ts). */
  async function markUnsupported(now: number): Promise<void> {
    for (const kind of UNSUPPORTED_KINDS) {
      if (!controllerRuns(kind.controller)) continue;
      for (const obj of cluster.list(kind)) {
        if (isDeleting(obj)) continue;
        const status = unsupportedStatus(obj, kind.why, timestamp(now));
        if (status === undefined) continue;
        await cluster.updateStatus(keyFor(obj), status).catch((err: Error) => log(`${obj.kind} ${keyOf(obj)}: status update failed: ${err.message}`));
      }
    }
  }

  async function runPass(): Promise<void> {
    const now = Date.now();
    for (const d of cluster.list(DEPLOYMENT)) if (deploymentNeedsStatus(d)) scheduleDeployment(d);
    await reconcileSources(now);
    await reconcileKustomizations(now);
    await markUnsupported(now);
  }

  const loop = startResyncLoop(runPass, { ...(options.resyncMs === undefined ? {} : { resyncMs: options.resyncMs }), log, what: "controllers" });
  const unwatch = cluster.watch(onEvent);
  const notifications = startNotificationController({ cluster, log, requireDeployment: requireDeployments, ...(options.webhooks === undefined ? {} : { webhooks: options.webhooks }) });
  const unpush = git.onPush?.(() => {
    forceSources = true;
    trigger();
  });
  trigger();

  return {
    webhooksUrl: () => notifications.webhooksUrl(),
    reconcileNow: () => loop.reconcileNow(),
    async stop() {
      stopped = true;
      unwatch();
      unpush?.();
      await notifications.stop();
      await artifacts.stop();
      if (triggerTimer !== undefined) clearTimeout(triggerTimer);
      for (const t of deploymentTimers.values()) clearTimeout(t);
      deploymentTimers.clear();
      await loop.stop();
    },
  };
}
