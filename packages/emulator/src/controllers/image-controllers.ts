/**
 * Runs the emulated image automation controllers (image-reflector.ts, image-automation.ts) beside
 * the other emulated controllers, as Flux runs them: only while their Deployments
 * (`image-reflector-controller`, `image-automation-controller`, Flux's `componentsExtra`) exist;
 * each object gets `finalizers.fluxcd.io`, released when it is deleted.
 *
 * Timing as the real controllers: an ImageRepository is scanned when new (or its image or
 * exclusion list changed), at its `interval`, and when `reconcile.fluxcd.io/requestedAt` asks; the
 * tags of the last scan are kept in memory (the real controller's Badger database), so after a
 * restart the first pass scans again ("no tags in database"). ImagePolicies follow their
 * repository's scans; an ImageUpdateAutomation runs at its `interval` and as soon as a policy's
 * `latestRef` differs from what it last observed.
 */
import type { Service, ServiceFactory } from "../service.js";
import type { ClusterAccess } from "./cluster.js";
import { parseDuration } from "./duration.js";
import { IMAGE_AUTOMATION_CONTROLLER, IMAGE_UPDATE_AUTOMATION, reconcileImageUpdateAutomation } from "./image-automation.js";
import { IMAGE_POLICY, IMAGE_REFLECTOR_CONTROLLER, IMAGE_REPOSITORY, loopbackDigestLookup, loopbackTagLister, reconcileImagePolicy, reconcileImageRepository, type DigestLookup, type TagLister } from "./image-reflector.js";
import { DEFAULT_EXCLUSION_LIST, canonicalImageName, filterOutTags } from "./image-policy.js";
import { reconcileRequested, startResyncLoop } from "./resync.js";
import { alongside } from "./wire.js";
import { DEPLOYMENT, FLUX_FINALIZER, hasFinalizer, keyOf, timestamp, type KubeObject } from "./objects.js";


export interface ImageControllerOptions {
  readonly cluster: ClusterAccess;
  readonly log?: (message: string) => void;
  /** How registries are scanned (default: the distribution API over http, loopback only). */
  readonly listTags?: TagLister;
  /** How a tag's manifest digest is read for `digestReflectionPolicy` (default: HEAD over http, loopback only). */
  readonly digestOf?: DigestLookup;
  /** How often every object is looked at (default 1 s). */
  readonly resyncMs?: number;
  /** Act only while the controllers' Deployments exist (default true, as on a cluster). */
  readonly requireControllerDeployments?: boolean;
}

export interface ImageControllers {
  reconcileNow(): Promise<void>;
  stop(): Promise<void>;
}

function keyFor(obj: KubeObject) {
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, ...(obj.metadata.namespace === undefined ? {} : { namespace: obj.metadata.namespace }) };
}

/** Status equality ignoring the times a pass always refreshes. */
function sameStatus(a: unknown, b: unknown): boolean {
  const strip = (s: unknown) => JSON.stringify(s ?? {}, (k, v: unknown) => (k === "lastAutomationRunTime" || k === "lastTransitionTime" ? undefined : v));
  return strip(a) === strip(b);
}

export function startImageControllers(options: ImageControllerOptions): ImageControllers {
  const { cluster } = options;
  const log = options.log ?? (() => {});
  const listTags = options.listTags ?? loopbackTagLister;
  const requireDeployments = options.requireControllerDeployments ?? true;
  /** The tags of each ImageRepository's last scan, by uid (the reflector's database). */
  const scanned = new Map<string, string[]>();
  const dueAt = new Map<string, number>();
  const digests = new Map<string, { digest: string; until: number }>();
  const lookupDigest = options.digestOf ?? loopbackDigestLookup;

  const uidOf = (o: KubeObject) => o.metadata.uid ?? `${o.kind}/${keyOf(o)}`;
  const requested = reconcileRequested;
  const controllerRuns = (name: string) => !requireDeployments || cluster.list(DEPLOYMENT).some((d) => d.metadata.name === name && d.metadata.deletionTimestamp === undefined && d.spec?.["replicas"] !== 0);

  async function setFinalizer(obj: KubeObject, present: boolean, manager: string): Promise<void> {
    const others = (obj.metadata.finalizers ?? []).filter((f) => f !== FLUX_FINALIZER);
    await cluster.setFinalizers(keyFor(obj), present ? [...others, FLUX_FINALIZER] : others, manager);
  }

  /** Whether the object is being deleted (its finalizer then released) or suspended; adds the finalizer otherwise. */
  async function skip(obj: KubeObject, manager: string): Promise<boolean> {
    if (obj.metadata.deletionTimestamp !== undefined) {
      dueAt.delete(uidOf(obj));
      scanned.delete(uidOf(obj));
      if (hasFinalizer(obj, FLUX_FINALIZER)) await setFinalizer(obj, false, manager);
      return true;
    }
    if (!hasFinalizer(obj, FLUX_FINALIZER)) await setFinalizer(obj, true, manager);
    return obj.spec?.["suspend"] === true;
  }

  async function write(obj: KubeObject, status: Record<string, unknown>): Promise<void> {
    const asked = requested(obj);
    const next = asked === undefined ? status : { ...status, lastHandledReconcileAt: asked };
    if (!sameStatus(next, obj.status) || asked !== undefined) await cluster.updateStatus(keyFor(obj), next);
  }

  async function reflect(now: number): Promise<void> {
    if (!controllerRuns(IMAGE_REFLECTOR_CONTROLLER)) return;
    for (const repo of cluster.list(IMAGE_REPOSITORY)) {
      try {
        if (await skip(repo, IMAGE_REFLECTOR_CONTROLLER)) continue;
        const uid = uidOf(repo);
        const image = String(repo.spec?.["image"] ?? "");
        const exclusion = (repo.spec?.["exclusionList"] as string[] | undefined) ?? DEFAULT_EXCLUSION_LIST;
        // A new image name or exclusion list scans again at once (the real controller's shouldScan); so does a first pass.
        const configChanged = scanned.has(uid) && (repo.status?.["canonicalImageName"] !== canonicalImageName(image) || JSON.stringify(repo.status?.["observedExclusionList"]) !== JSON.stringify(exclusion));
        const due = !dueAt.has(uid) || configChanged || repo.status?.["observedGeneration"] !== (repo.metadata.generation ?? 1) || requested(repo) !== undefined || (dueAt.get(uid) ?? 0) <= now;
        if (!due) continue;
        dueAt.set(uid, now + (parseDuration(repo.spec?.["interval"]) ?? 60_000));
        let tags: string[] | undefined;
        const status = await reconcileImageRepository(repo, {
          now: timestamp(now),
          listTags: async (name) => (tags = await listTags(name)),
        });
        if (tags !== undefined) scanned.set(uid, filterOutTags(tags, exclusion));
        await write(repo, status);
      } catch (err) {
        log(`ImageRepository ${keyOf(repo)}: reconcile failed: ${(err as Error).message}`);
      }
    }
    for (const policy of cluster.list(IMAGE_POLICY)) {
      try {
        if (await skip(policy, IMAGE_REFLECTOR_CONTROLLER)) continue;
        const ref = policy.spec?.["imageRepositoryRef"] as { name?: string; namespace?: string } | undefined;
        const repo = ref?.name === undefined ? undefined : cluster.get({ ...IMAGE_REPOSITORY, namespace: ref.namespace ?? policy.metadata.namespace ?? "default", name: ref.name });
        const status = await reconcileImagePolicy(policy, { repository: repo, tags: repo === undefined ? undefined : scanned.get(uidOf(repo)), now: timestamp(now), digestOf: digestsOf(policy, now) });
        await write(policy, status);
      } catch (err) {
        log(`ImagePolicy ${keyOf(policy)}: reconcile failed: ${(err as Error).message}`);
      }
    }
  }

  /**
   * A policy's digest lookups, fetched again only after its `interval` (passes run every second;
   * the real controller fetches once per reconciliation, which `interval` spaces out).
   */
  function digestsOf(policy: KubeObject, now: number): DigestLookup {
    return async (name, tag) => {
      const key = `${uidOf(policy)}|${name}:${tag}`;
      const cached = digests.get(key);
      if (cached !== undefined && cached.until > now) return cached.digest;
      const digest = await lookupDigest(name, tag);
      digests.set(key, { digest, until: now + (parseDuration(policy.spec?.["interval"]) ?? 60_000) });
      return digest;
    };
  }

  function selects(selector: { matchLabels?: Record<string, string> } | undefined, obj: KubeObject): boolean {
    return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => obj.metadata.labels?.[k] === v);
  }

  async function automate(now: number): Promise<void> {
    if (!controllerRuns(IMAGE_AUTOMATION_CONTROLLER)) return;
    for (const auto of cluster.list(IMAGE_UPDATE_AUTOMATION)) {
      try {
        if (await skip(auto, IMAGE_AUTOMATION_CONTROLLER)) continue;
        const uid = uidOf(auto);
        const ns = auto.metadata.namespace ?? "default";
        const policies = cluster.list(IMAGE_POLICY).filter((p) => p.metadata.namespace === ns && selects(auto.spec?.["policySelector"] as { matchLabels?: Record<string, string> } | undefined, p));
        const observed = JSON.stringify(Object.fromEntries(policies.filter((p) => p.status?.["latestRef"] !== undefined).map((p) => [p.metadata.name, p.status!["latestRef"]])));
        const policiesChanged = observed !== JSON.stringify(auto.status?.["observedPolicies"] ?? {});
        const generationChanged = auto.status?.["observedGeneration"] !== (auto.metadata.generation ?? 1);
        if (!policiesChanged && !generationChanged && requested(auto) === undefined && (dueAt.get(uid) ?? 0) > now) continue;
        dueAt.set(uid, now + (parseDuration(auto.spec?.["interval"]) ?? 60_000));
        const sourceRef = (auto.spec?.["sourceRef"] ?? {}) as { name?: string; namespace?: string };
        const source = sourceRef.name === undefined ? undefined : cluster.get({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", namespace: sourceRef.namespace ?? ns, name: sourceRef.name });
        const secretName = (source?.spec?.["secretRef"] as { name?: string } | undefined)?.name;
        const secret = secretName === undefined || source === undefined ? undefined : cluster.get({ apiVersion: "v1", kind: "Secret", namespace: source.metadata.namespace ?? ns, name: secretName });
        const status = await reconcileImageUpdateAutomation(auto, { source, secret, policies, now: timestamp(now), force: policiesChanged || generationChanged });
        const live = cluster.get(keyFor(auto));
        if (live !== undefined && live.metadata.deletionTimestamp === undefined) await write(live, status);
        if (status["lastPushCommit"] !== auto.status?.["lastPushCommit"]) log(`ImageUpdateAutomation ${keyOf(auto)}: pushed ${String(status["lastPushCommit"])}`);
      } catch (err) {
        log(`ImageUpdateAutomation ${keyOf(auto)}: reconcile failed: ${(err as Error).message}`);
      }
    }
  }

  const loop = startResyncLoop(
    async () => {
      const now = Date.now();
      await reflect(now);
      await automate(now);
    },
    { ...(options.resyncMs === undefined ? {} : { resyncMs: options.resyncMs }), log, what: "image controllers" },
  );
  void loop.pass();
  return { reconcileNow: () => loop.reconcileNow(), stop: () => loop.stop() };
}

/**
 * Wrap the Kubernetes service's factory so that the emulated image automation controllers run
 * alongside it (started when the service starts, stopped before it closes).
 */
export function withImageControllers(factory: ServiceFactory, clusterOf: (service: Service) => ClusterAccess, options: Omit<ImageControllerOptions, "cluster" | "log"> = {}): ServiceFactory {
  return alongside(factory, (service, ctx) => startImageControllers({ cluster: clusterOf(service), log: (m) => ctx.log(m), ...options }));
}
