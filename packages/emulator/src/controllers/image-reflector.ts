/**
 * Flux's image-reflector-controller (v1.2.0, `image.toolkit.fluxcd.io/v1`), emulated: an
 * ImageRepository is scanned by listing its tags through the registry's distribution API (the
 * local cloud's registry, or any registry reachable over http on loopback), and an ImagePolicy
 * selects the latest tag among them. Status fields and condition reasons/messages are the real
 * controller's: `canonicalImageName`, `lastScanResult` (`revision`, `tagCount`, `scanTime`,
 * `latestTags`), `observedExclusionList`; `latestRef`, `observedPreviousRef`.
 */
import { listTags } from "../registry/push.js";
import { canonicalImageName, DEFAULT_EXCLUSION_LIST, filterOutTags, InvalidPolicyError, latestTags, selectLatestTag, tagsChecksum, type FilterTags, type PolicyChoice } from "./image-policy.js";
import { withCondition, type Condition, type KubeObject } from "./objects.js";

export const IMAGE_REPOSITORY = { apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImageRepository" } as const;
export const IMAGE_POLICY = { apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImagePolicy" } as const;
export const IMAGE_REFLECTOR_CONTROLLER = "image-reflector-controller";

/** Lists the tags of `host/repository`; the default speaks http to loopback registries only. */
export type TagLister = (canonicalName: string) => Promise<string[]>;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/;

/** The default {@link TagLister}: the distribution API over http, for registries on loopback. */
export const loopbackTagLister: TagLister = async (canonicalName) => {
  const slash = canonicalName.indexOf("/");
  const host = canonicalName.slice(0, slash);
  if (!LOOPBACK.test(host)) {
    throw new Error(`GET https://${host}/v2/: the local cloud reaches only registries on loopback (such as its own, endpoints.json's "registry"); ${host} is not one`);
  }
  const r = await listTagsOrUnknown(`http://${host}`, canonicalName.slice(slash + 1));
  return r;
};

async function listTagsOrUnknown(base: string, repository: string): Promise<string[]> {
  const tags = await listTags(base, repository);
  if (tags.length === 0) throw new Error(`GET ${base}/v2/${repository}/tags/list: NAME_UNKNOWN: repository ${repository} is not in the registry`);
  return tags;
}

function conditionsOf(obj: KubeObject): Condition[] | undefined {
  return Array.isArray(obj.status?.["conditions"]) ? (obj.status!["conditions"] as Condition[]) : undefined;
}

/** Ready alone, as Flux's result finalizer leaves it after a success or failure (Reconciling and Stalled removed). */
function readyOnly(obj: KubeObject, status: "True" | "False", reason: string, message: string, now: string): Condition[] {
  const generation = obj.metadata.generation ?? 1;
  const kept = (conditionsOf(obj) ?? []).filter((c) => c.type === "Ready");
  return withCondition(kept, { type: "Ready", status, reason, message, observedGeneration: generation }, now);
}

/** One scan of an ImageRepository: the status to write. */
export async function reconcileImageRepository(obj: KubeObject, o: { readonly listTags: TagLister; readonly now: string }): Promise<Record<string, unknown>> {
  const generation = obj.metadata.generation ?? 1;
  const image = String(obj.spec?.["image"] ?? "");
  const exclusionList = (obj.spec?.["exclusionList"] as string[] | undefined) ?? DEFAULT_EXCLUSION_LIST;
  const base = { ...(obj.status ?? {}), observedGeneration: generation };
  if (image === "" || /[:@]/.test(image.slice(image.lastIndexOf("/") + 1))) {
    const message = image === "" ? "could not parse reference: " : `image "${image}" must not have a tag or digest: remove it (the policy chooses the tag)`;
    const conditions = withCondition(readyOnly(obj, "False", "ImageURLInvalid", message, o.now), { type: "Stalled", status: "True", reason: "ImageURLInvalid", message, observedGeneration: generation }, o.now);
    return { ...base, conditions };
  }
  const canonical = canonicalImageName(image);
  let tags: string[];
  try {
    tags = filterOutTags(await o.listTags(canonical), exclusionList);
  } catch (err) {
    return { ...base, conditions: readyOnly(obj, "False", "ReadOperationFailed", `scan failed: ${(err as Error).message}`, o.now) };
  }
  const revision = tagsChecksum(tags);
  const latest = latestTags(tags);
  return {
    ...base,
    canonicalImageName: canonical,
    lastScanResult: { revision, tagCount: tags.length, scanTime: o.now, ...(latest ? { latestTags: latest } : {}) },
    observedExclusionList: exclusionList,
    conditions: readyOnly(obj, "True", "Succeeded", `successful scan: found ${tags.length} tags with checksum ${revision}`, o.now),
  };
}

/** The tags an ImageRepository's last scan stored (the emulation keeps them in memory by uid). */
export type ScannedTags = (repository: KubeObject) => readonly string[] | undefined;

/** The manifest digest of `<canonical name>:<tag>` (for `digestReflectionPolicy`). */
export type DigestLookup = (canonicalName: string, tag: string) => Promise<string>;

/** The default {@link DigestLookup}: `HEAD /v2/<name>/manifests/<tag>` over http, loopback registries only. */
export const loopbackDigestLookup: DigestLookup = async (canonicalName, tag) => {
  const slash = canonicalName.indexOf("/");
  const host = canonicalName.slice(0, slash);
  if (!LOOPBACK.test(host)) throw new Error(`the local cloud reaches only registries on loopback; ${host} is not one`);
  const r = await fetch(`http://${host}/v2/${canonicalName.slice(slash + 1)}/manifests/${encodeURIComponent(tag)}`, { method: "HEAD", headers: { accept: "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json" } });
  const digest = r.headers.get("docker-content-digest");
  if (r.status !== 200 || !digest) throw new Error(`HEAD ${canonicalName}:${tag}: ${r.status}`);
  return digest;
};

/** One evaluation of an ImagePolicy against its ImageRepository: the status to write. */
export async function reconcileImagePolicy(policy: KubeObject, o: { readonly repository: KubeObject | undefined; readonly tags: readonly string[] | undefined; readonly now: string; readonly digestOf?: DigestLookup }): Promise<Record<string, unknown>> {
  const generation = policy.metadata.generation ?? 1;
  const base = { ...(policy.status ?? {}), observedGeneration: generation };
  const reflect = String(policy.spec?.["digestReflectionPolicy"] ?? "Never");
  if (reflect === "Always" && policy.spec?.["interval"] === undefined) {
    const message = "spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'";
    const conditions = withCondition(readyOnly(policy, "False", "IntervalNotConfigured", message, o.now), { type: "Stalled", status: "True", reason: "IntervalNotConfigured", message, observedGeneration: generation }, o.now);
    return { ...base, conditions };
  }
  const ref = policy.spec?.["imageRepositoryRef"] as { name: string; namespace?: string } | undefined;
  const ns = ref?.namespace ?? policy.metadata.namespace ?? "default";
  if (o.repository === undefined) {
    const message = `failed to get the referred ImageRepository: referenced ImageRepository does not exist: imagerepositories.image.toolkit.fluxcd.io "${ref?.name ?? ""}" not found`;
    return { ...base, conditions: readyOnly(policy, "False", "DependencyNotReady", message, o.now) };
  }
  if (ns !== policy.metadata.namespace && ref?.namespace !== undefined) {
    // The real controller allows cross-namespace references only when the repository's accessFrom permits it.
    const access = o.repository.spec?.["accessFrom"];
    if (access === undefined) {
      const message = `failed to get the referred ImageRepository: access denied: cannot access '${ns}/${ref.name}', cross-namespace references have been blocked`;
      return { ...base, conditions: readyOnly(policy, "False", "AccessDenied", message, o.now) };
    }
  }
  if (o.tags === undefined || o.tags.length === 0) {
    return { ...base, conditions: readyOnly(policy, "False", "DependencyNotReady", "retrying in 10s error: no tags in database", o.now) };
  }
  let tag: string;
  try {
    tag = selectLatestTag((policy.spec?.["policy"] ?? {}) as PolicyChoice, policy.spec?.["filterTags"] as FilterTags | undefined, o.tags);
  } catch (err) {
    if (err instanceof InvalidPolicyError) {
      const conditions = withCondition(readyOnly(policy, "False", "InvalidPolicy", err.message, o.now), { type: "Stalled", status: "True", reason: "InvalidPolicy", message: err.message, observedGeneration: generation }, o.now);
      return { ...base, conditions };
    }
    return { ...base, conditions: readyOnly(policy, "False", "Failed", (err as Error).message, o.now) };
  }
  const latestRef: { name: string; tag: string; digest?: string } = { name: String(o.repository.spec?.["image"] ?? ""), tag };
  const prior = policy.status?.["latestRef"] as { name: string; tag: string; digest?: string } | undefined;
  // digestReflectionPolicy: IfNotPresent fetches a digest for a new ref (or one without), Always on every run.
  const sameRef = prior !== undefined && prior.name === latestRef.name && prior.tag === latestRef.tag;
  if (reflect === "Always" || (reflect === "IfNotPresent" && !(sameRef && prior.digest))) {
    try {
      latestRef.digest = await (o.digestOf ?? loopbackDigestLookup)(canonicalImageName(latestRef.name), tag);
    } catch (err) {
      return { ...base, conditions: readyOnly(policy, "False", "Failed", `failed fetching digest of ${latestRef.name}:${tag}: ${(err as Error).message}`, o.now) };
    }
  } else if (reflect === "IfNotPresent" && prior?.digest) {
    latestRef.digest = prior.digest;
  }
  const changed = prior === undefined || prior.name !== latestRef.name || prior.tag !== latestRef.tag || prior.digest !== latestRef.digest;
  const observedPreviousRef = changed ? prior : (policy.status?.["observedPreviousRef"] as typeof prior);
  let message = `Latest image tag for ${latestRef.name} resolved to ${latestRef.tag}`;
  if (latestRef.digest) message += ` with digest ${latestRef.digest}`;
  if (observedPreviousRef !== undefined && (observedPreviousRef.name !== latestRef.name || observedPreviousRef.tag !== latestRef.tag || observedPreviousRef.digest !== latestRef.digest)) {
    message += ` (previously ${observedPreviousRef.name}:${observedPreviousRef.tag}${observedPreviousRef.digest ? `@${observedPreviousRef.digest}` : ""})`;
  }
  const { observedPreviousRef: _drop, ...rest } = base as Record<string, unknown>;
  return {
    ...rest,
    latestRef,
    ...(observedPreviousRef === undefined ? {} : { observedPreviousRef }),
    conditions: readyOnly(policy, "True", "Succeeded", message, o.now),
  };
}
