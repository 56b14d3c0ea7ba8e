/**
 * Runs the emulated controllers against a cluster: Deployments become available shortly after
 * each change, GitRepositories follow their branch (on their interval and at once on a push to the
 * local git host), Kustomizations apply their source's revision. Reconciliation is level-based:
 * each pass looks at every object and acts on those that are due, so missed events only delay.
 */
import type { GitService } from "../git/index.js";
import type { ClusterAccess, ClusterEvent } from "./cluster.js";
import { availableDeploymentStatus, deploymentNeedsStatus } from "./deployment.js";
import { parseDuration } from "./duration.js";
import { reconcileGitRepository, type GitReader } from "./git-repository.js";
import { reconcileKustomization, sourceState } from "./kustomization.js";
import { conditionOf, DEPLOYMENT, GIT_REPOSITORY, KUSTOMIZATION, keyOf, timestamp, type KubeObject } from "./objects.js";

export interface ControllerOptions {
  readonly cluster: ClusterAccess;
  readonly git: GitReader & Partial<Pick<GitService, "onPush">>;
  readonly log?: (message: string) => void;
  /** How long after a change a Deployment reports its replicas available (default 200 ms). */
  readonly deploymentDelayMs?: number;
  /** How often every object is looked at for intervals and retries (default 1 s). */
  readonly resyncMs?: number;
}

/** The running controllers. */
export interface Controllers {
  /** Run a pass now (every due object), resolving when it has finished. */
  reconcileNow(): Promise<void>;
  /** Stop watching and timers; waits for a pass in progress. */
  stop(): Promise<void>;
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

function isActive(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp === undefined && obj.spec?.["suspend"] !== true;
}

/** Start the controllers; they run until {@link Controllers.stop}. */
export function startControllers(options: ControllerOptions): Controllers {
  const { cluster, git } = options;
  const log = options.log ?? (() => {});
  const deploymentDelayMs = options.deploymentDelayMs ?? 200;
  /** When each GitRepository/Kustomization is next due on its interval (by uid). */
  const dueAt = new Map<string, number>();
  const deploymentTimers = new Map<string, NodeJS.Timeout>();
  let forceSources = false;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let triggerTimer: NodeJS.Timeout | undefined;

  function trigger(): void {
    if (stopped || triggerTimer !== undefined) return;
    // Coalesce the bursts of events one apply produces into one pass.
    triggerTimer = setTimeout(() => {
      triggerTimer = undefined;
      void pass();
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
        cluster.updateStatus(keyFor(live), availableDeploymentStatus(live, timestamp(Date.now()))).catch((err: Error) => {
          log(`Deployment ${keyOf(live)}: status update failed, will retry: ${err.message}`);
          trigger();
        });
      }, deploymentDelayMs),
    );
  }

  function onEvent(event: ClusterEvent): void {
    const o = event.object;
    if (o.kind === DEPLOYMENT.kind && o.apiVersion === DEPLOYMENT.apiVersion) {
      if (event.type !== "DELETED" && deploymentNeedsStatus(o)) scheduleDeployment(o);
      return;
    }
    if ((o.kind === GIT_REPOSITORY.kind && o.apiVersion.startsWith("source.toolkit.fluxcd.io/")) || (o.kind === KUSTOMIZATION.kind && o.apiVersion.startsWith("kustomize.toolkit.fluxcd.io/"))) trigger();
  }

  async function reconcileSources(now: number): Promise<void> {
    const force = forceSources;
    forceSources = false;
    for (const repo of cluster.list(GIT_REPOSITORY)) {
      if (!isActive(repo)) continue;
      const uid = uidOf(repo);
      const changed = repo.status?.["observedGeneration"] !== (repo.metadata.generation ?? 1);
      if (!force && !changed && (dueAt.get(uid) ?? 0) > now) continue;
      dueAt.set(uid, now + (parseDuration(repo.spec?.["interval"]) ?? DEFAULT_INTERVAL_MS));
      try {
        const { status } = await reconcileGitRepository(repo, git, timestamp(now));
        if (!sameJson(status, repo.status)) await cluster.updateStatus(keyFor(repo), status);
      } catch (err) {
        log(`GitRepository ${keyOf(repo)}: reconcile failed: ${(err as Error).message}`);
      }
    }
  }

  async function reconcileKustomizations(now: number): Promise<void> {
    for (const ks of cluster.list(KUSTOMIZATION)) {
      if (!isActive(ks)) continue;
      const uid = uidOf(ks);
      const ready = conditionOf(ks, "Ready");
      const changed = ks.status?.["observedGeneration"] !== (ks.metadata.generation ?? 1);
      const source = sourceState(ks, cluster, git);
      const newRevision = source.kind === "ready" && source.revision !== ks.status?.["lastAttemptedRevision"];
      // Waiting on a dependency or a source is cheap to re-check, so it is re-checked every pass.
      const waiting = ready?.status !== "True" && (ready?.reason === "DependencyNotReady" || ready?.reason === "ArtifactFailed");
      if (!changed && !newRevision && !waiting && (dueAt.get(uid) ?? 0) > now) continue;
      const interval = parseDuration(ks.spec?.["interval"]) ?? DEFAULT_INTERVAL_MS;
      try {
        const status = await reconcileKustomization(ks, { cluster, git, now: timestamp(now) });
        const ok = conditionOf({ ...ks, status }, "Ready")?.status === "True";
        dueAt.set(uid, now + (ok ? interval : (parseDuration(ks.spec?.["retryInterval"]) ?? interval)));
        const live = cluster.get(keyFor(ks));
        if (live !== undefined && !sameJson(status, live.status)) await cluster.updateStatus(keyFor(ks), status);
      } catch (err) {
        dueAt.set(uid, now + interval);
        log(`Kustomization ${keyOf(ks)}: reconcile failed: ${(err as Error).message}`);
      }
    }
  }

  async function runPass(): Promise<void> {
    do {
      again = false;
      const now = Date.now();
      for (const d of cluster.list(DEPLOYMENT)) if (deploymentNeedsStatus(d)) scheduleDeployment(d);
      await reconcileSources(now);
      await reconcileKustomizations(now);
    } while (again && !stopped);
  }

  function pass(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = runPass()
      .catch((err: Error) => log(`controllers: pass failed: ${err.stack ?? err.message}`))
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  const unwatch = cluster.watch(onEvent);
  const unpush = git.onPush?.(() => {
    forceSources = true;
    trigger();
  });
  const resync = setInterval(() => void pass(), options.resyncMs ?? 1_000);
  resync.unref();
  trigger();

  return {
    async reconcileNow() {
      await running;
      await pass();
    },
    async stop() {
      stopped = true;
      unwatch();
      unpush?.();
      clearInterval(resync);
      if (triggerTimer !== undefined) clearTimeout(triggerTimer);
      for (const t of deploymentTimers.values()) clearTimeout(t);
      deploymentTimers.clear();
      await running;
    },
  };
}
