/**
 * Flux's source-controller for GitRepository (`source.toolkit.fluxcd.io/v1`), emulated against
 * the local git host: it resolves the ref and reports the artifact revision as
 * `<branch>@sha1:<commit>` (fluxcd/pkg git `Commit.String()`, reference/notes/flux.md §1.2), which is
 * what `flux bootstrap` waits for. With an artifact storage (artifact-server.ts, which the runner
 * gives it), the commit's tree is archived as the real source-controller archives it (a tar.gz of
 * the files at the root) and served over loopback HTTP: `status.artifact` has its `url`, its
 * `digest` (`sha256:<hex>` of the tar.gz) and `size`, so a consumer outside the emulation (the iac
 * controller's `sourceRef`) downloads and verifies it. Without one (unit tests with a fake git),
 * the digest is derived from the commit and nothing is served. The emulated Kustomization
 * controller reads the commit straight from the git host either way.
 */
import { createHash } from "node:crypto";
import semver from "semver";
import type { GitService } from "../git/index.js";
import type { ArtifactStorage } from "./artifact-server.js";
import { withCondition, type Condition, type KubeObject } from "./objects.js";

/** What the GitRepository controller needs from the git host. */
export type GitReader = Pick<GitService, "resolveRef" | "resolveTag" | "resolveRefName" | "hasCommit" | "listTags" | "readFiles" | "repoPathOfUrl"> & Partial<Pick<GitService, "archive">>;

/** Where a GitRepository's `secretRef` is looked up. */
export type SecretLookup = (namespace: string, name: string) => KubeObject | undefined;

/** Flux's default when `spec.ref` is omitted (source-controller api/v1: the `master` branch). */
export const DEFAULT_BRANCH = "master";

/** The outcome of one reconciliation: the status to write, and the commit when it succeeded. */
export interface GitRepositoryResult {
  readonly status: Record<string, unknown>;
  readonly revision?: string;
}

interface Resolved {
  readonly kind: "resolved";
  readonly repo: string;
  readonly revision: string;
  readonly commit: string;
}

interface Failed {
  readonly kind: "failed";
  readonly reason: "GitOperationFailed" | "AuthenticationFailed";
  readonly message: string;
}

const failed = (message: string, reason: Failed["reason"] = "GitOperationFailed"): Failed => ({ kind: "failed", reason, message });

/** What go-git reports when the local git host answers 401: its body follows, newline included (as on the real cluster). */
const authenticationRequired = (prefix: string) => failed(`${prefix}: authentication required: Authentication required: any user name with a non-empty password (or token) is accepted.\n`);

/**
 * `secretRef` against the local git host, which takes any user with a non-empty password or a
 * bearer token and refuses anonymous clones (401): without a `secretRef` the source-controller
 * clones without credentials and is refused, the Secret must exist (Flux's AuthenticationFailed
 * message otherwise) and carry a password or token.
 */
function checkCredentials(obj: KubeObject, secrets: SecretLookup | undefined, prefix: string): Failed | undefined {
  const ref = obj.spec?.["secretRef"] as { name?: unknown } | undefined;
  if (ref === undefined || typeof ref.name !== "string") return authenticationRequired(prefix);
  const ns = obj.metadata.namespace ?? "default";
  const secret = secrets?.(ns, ref.name);
  if (secret === undefined) {
    const what = `failed to get secret '${ns}/${ref.name}'`;
    return failed(`${what}: ${what}: secrets "${ref.name}" not found`, "AuthenticationFailed");
  }
  const data = (secret["data"] ?? {}) as Record<string, string>;
  const decoded = (k: string) => (typeof data[k] === "string" ? Buffer.from(data[k]!, "base64").toString("utf8") : "");
  if (decoded("password") === "" && decoded("bearerToken") === "") return authenticationRequired(prefix);
  return undefined;
}

/** The highest tag matching a semver range (Masterminds syntax: commas mean "and"), as Flux picks it. */
function highestMatching(tags: readonly { name: string; commit: string }[], range: string): { name: string; commit: string } | undefined {
  const r = semver.validRange(range.replace(/\s*,\s*/g, " "), { loose: true });
  if (r === null) return undefined;
  let best: { name: string; commit: string; version: string } | undefined;
  for (const t of tags) {
    const version = semver.clean(t.name, { loose: true });
    if (version === null || !semver.satisfies(version, r)) continue;
    if (best === undefined || semver.gt(version, best.version)) best = { ...t, version };
  }
  return best === undefined ? undefined : { name: best.name, commit: best.commit };
}

async function resolve(obj: KubeObject, git: GitReader, secrets: SecretLookup | undefined): Promise<Resolved | Failed> {
  const spec = obj.spec ?? {};
  const url = typeof spec["url"] === "string" ? (spec["url"] as string) : "";
  const prefix = `failed to checkout and determine revision: unable to clone '${url}'`;
  const repo = git.repoPathOfUrl(url);
  if (repo === undefined) {
    return failed(`${prefix}: the local cloud reaches only repositories of its own git host; use a URL under its git endpoint (endpoints.json "git").`);
  }
  const auth = checkCredentials(obj, secrets, prefix);
  if (auth !== undefined) return auth;
  const ref = (spec["ref"] ?? {}) as Record<string, unknown>;
  // Flux's precedence: commit, name, semver, tag, branch (source-controller api/v1 GitRepositoryRef).
  if (typeof ref["commit"] === "string") {
    const commit = ref["commit"] as string;
    if (!(await git.hasCommit(repo, commit))) return failed(`${prefix}: commit '${commit}' not found`);
    return { kind: "resolved", repo, revision: typeof ref["branch"] === "string" ? `${ref["branch"]}@sha1:${commit}` : `sha1:${commit}`, commit };
  }
  if (typeof ref["name"] === "string") {
    const name = ref["name"] as string;
    const commit = await git.resolveRefName(repo, name);
    if (commit === undefined) return failed(`${prefix}: couldn't find remote ref "${name}"`);
    return { kind: "resolved", repo, revision: `${name}@sha1:${commit}`, commit };
  }
  if (typeof ref["semver"] === "string") {
    const range = ref["semver"] as string;
    const tag = highestMatching(await git.listTags(repo), range);
    if (tag === undefined) return failed(`${prefix}: no match found for semver: ${range}`);
    return { kind: "resolved", repo, revision: `${tag.name}@sha1:${tag.commit}`, commit: tag.commit };
  }
  if (typeof ref["tag"] === "string") {
    const tag = ref["tag"] as string;
    const commit = await git.resolveTag(repo, tag);
    if (commit === undefined) return failed(`${prefix}: couldn't find remote ref "refs/tags/${tag}"`);
    return { kind: "resolved", repo, revision: `${tag}@sha1:${commit}`, commit };
  }
  const branch = typeof ref["branch"] === "string" ? (ref["branch"] as string) : DEFAULT_BRANCH;
  const commit = await git.resolveRef(repo, branch);
  if (commit === undefined) return failed(`${prefix}: couldn't find remote ref "refs/heads/${branch}"`);
  return { kind: "resolved", repo, revision: `${branch}@sha1:${commit}`, commit };
}

/** Reconcile one GitRepository: the status a source-controller would write now. */
export async function reconcileGitRepository(obj: KubeObject, git: GitReader, now: string, secrets?: SecretLookup, artifacts?: ArtifactStorage): Promise<GitRepositoryResult> {
  const generation = obj.metadata.generation ?? 1;
  const prior = Array.isArray(obj.status?.["conditions"]) ? (obj.status!["conditions"] as Condition[]) : undefined;
  const outcome = await resolve(obj, git, secrets);
  switch (outcome.kind) {
    case "failed": {
      // As source-controller writes them: Reconciling (it retries), Ready=False, FetchFailed=True.
      const keep = (type: string) => withCondition(prior?.filter((c) => c.type === type), type === "Reconciling"
        ? { type, status: "True", reason: "ProgressingWithRetry", message: "building artifact", observedGeneration: generation }
        : { type, status: type === "Ready" ? "False" : "True", reason: outcome.reason, message: outcome.message, observedGeneration: generation }, now);
      const conditions = [...keep("Reconciling"), ...keep("Ready"), ...keep("FetchFailed"), ...(prior?.filter((c) => !["Reconciling", "Ready", "FetchFailed"].includes(c.type)) ?? [])];
      // A failed fetch keeps the last artifact, as Flux does, so dependants keep their revision.
      return { status: { ...(obj.status ?? {}), observedGeneration: generation, conditions } };
    }
    case "resolved": {
      const message = `stored artifact for revision '${outcome.revision}'`;
      let conditions = withCondition(prior?.filter((c) => c.type !== "Reconciling" && c.type !== "FetchFailed"), { type: "Ready", status: "True", reason: "Succeeded", message, observedGeneration: generation }, now);
      conditions = withCondition(conditions, { type: "ArtifactInStorage", status: "True", reason: "Succeeded", message, observedGeneration: generation }, now);
      const ns = obj.metadata.namespace ?? "default";
      const path = `gitrepository/${ns}/${obj.metadata.name}/${outcome.commit}.tar.gz`;
      const previous = obj.status?.["artifact"] as { revision?: string; lastUpdateTime?: string } | undefined;
      const stored = artifacts !== undefined && git.archive !== undefined
        ? (await artifacts.get(path)) ?? (await artifacts.put(`${ns}/${obj.metadata.name}`, path, await git.archive(outcome.repo, outcome.commit)))
        : undefined;
      const artifact = {
        path,
        url: stored?.url ?? `http://source-controller.flux-system.svc.cluster.local./${path}`,
        revision: outcome.revision,
        // Without storage the CRD still requires a digest: one derived from the commit.
        digest: stored?.digest ?? `sha256:${createHash("sha256").update(outcome.commit).digest("hex")}`,
        lastUpdateTime: previous?.revision === outcome.revision && previous.lastUpdateTime ? previous.lastUpdateTime : now,
        ...(stored !== undefined ? { size: stored.size } : {}),
      };
      return { status: { ...(obj.status ?? {}), observedGeneration: generation, conditions, artifact }, revision: outcome.revision };
    }
    default: {
      const never: never = outcome;
      return never;
    }
  }
}

/** The commit of a Flux revision (`main@sha1:<sha>` or `sha1:<sha>`), or undefined. */
export function commitOfRevision(revision: string): string | undefined {
  const m = /(?:^|@)sha1:([0-9a-f]{40})$/.exec(revision);
  return m?.[1];
}
