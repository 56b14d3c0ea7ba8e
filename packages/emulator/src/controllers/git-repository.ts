/**
 * Flux's source-controller for GitRepository (`source.toolkit.fluxcd.io/v1`), emulated against
 * the local git host: it resolves the ref and reports the artifact revision as
 * `<branch>@sha1:<commit>` (fluxcd/pkg git `Commit.String()`, reference/notes/flux.md §1.2), which is
 * what `flux bootstrap` waits for. No tarball is built: the Kustomization controller reads the
 * commit straight from the git host.
 */
import { createHash } from "node:crypto";
import type { GitService } from "../git/index.js";
import { withCondition, type Condition, type KubeObject } from "./objects.js";

/** What the GitRepository controller needs from the git host. */
export type GitReader = Pick<GitService, "resolveRef" | "resolveTag" | "readFiles" | "repoPathOfUrl">;

/** Flux's default when `spec.ref` is omitted (source-controller api/v1: the `master` branch). */
export const DEFAULT_BRANCH = "master";

/** The outcome of one reconciliation: the status to write, and the commit when it succeeded. */
export interface GitRepositoryResult {
  readonly status: Record<string, unknown>;
  readonly revision?: string;
}

interface Resolved {
  readonly kind: "resolved";
  readonly revision: string;
  readonly commit: string;
}

interface Failed {
  readonly kind: "failed";
  readonly message: string;
}

async function resolve(obj: KubeObject, git: GitReader): Promise<Resolved | Failed> {
  const spec = obj.spec ?? {};
  const url = typeof spec["url"] === "string" ? (spec["url"] as string) : "";
  const prefix = `failed to checkout and determine revision: unable to clone '${url}'`;
  const repo = git.repoPathOfUrl(url);
  if (repo === undefined) {
    return { kind: "failed", message: `${prefix}: the local cloud reaches only repositories of its own git host; use a URL under its git endpoint (endpoints.json "git").` };
  }
  const ref = (spec["ref"] ?? {}) as Record<string, unknown>;
  const unsupported = ["commit", "name", "semver"].filter((k) => ref[k] !== undefined);
  if (unsupported.length > 0) {
    return { kind: "failed", message: `${prefix}: spec.ref.${unsupported[0]} is not supported by the local cloud; use spec.ref.branch or spec.ref.tag.` };
  }
  if (typeof ref["tag"] === "string") {
    const tag = ref["tag"] as string;
    const commit = await git.resolveTag(repo, tag);
    if (commit === undefined) return { kind: "failed", message: `${prefix}: couldn't find remote ref "refs/tags/${tag}"` };
    return { kind: "resolved", revision: `${tag}@sha1:${commit}`, commit };
  }
  const branch = typeof ref["branch"] === "string" ? (ref["branch"] as string) : DEFAULT_BRANCH;
  const commit = await git.resolveRef(repo, branch);
  if (commit === undefined) return { kind: "failed", message: `${prefix}: couldn't find remote ref "refs/heads/${branch}"` };
  return { kind: "resolved", revision: `${branch}@sha1:${commit}`, commit };
}

/** Reconcile one GitRepository: the status a source-controller would write now. */
export async function reconcileGitRepository(obj: KubeObject, git: GitReader, now: string): Promise<GitRepositoryResult> {
  const generation = obj.metadata.generation ?? 1;
  const prior = Array.isArray(obj.status?.["conditions"]) ? (obj.status!["conditions"] as Condition[]) : undefined;
  const outcome = await resolve(obj, git);
  switch (outcome.kind) {
    case "failed": {
      const conditions = withCondition(prior, { type: "Ready", status: "False", reason: "GitOperationFailed", message: outcome.message, observedGeneration: generation }, now);
      // A failed fetch keeps the last artifact, as Flux does, so dependants keep their revision.
      return { status: { ...(obj.status ?? {}), observedGeneration: generation, conditions } };
    }
    case "resolved": {
      const message = `stored artifact for revision '${outcome.revision}'`;
      let conditions = withCondition(prior, { type: "Ready", status: "True", reason: "Succeeded", message, observedGeneration: generation }, now);
      conditions = withCondition(conditions, { type: "ArtifactInStorage", status: "True", reason: "Succeeded", message, observedGeneration: generation }, now);
      const ns = obj.metadata.namespace ?? "default";
      const path = `gitrepository/${ns}/${obj.metadata.name}/${outcome.commit}.tar.gz`;
      const previous = obj.status?.["artifact"] as { revision?: string; lastUpdateTime?: string } | undefined;
      const artifact = {
        path,
        url: `http://source-controller.flux-system.svc.cluster.local./${path}`,
        revision: outcome.revision,
        // The CRD requires a digest (of the tarball, which the emulation does not build): one derived from the commit.
        digest: `sha256:${createHash("sha256").update(outcome.commit).digest("hex")}`,
        lastUpdateTime: previous?.revision === outcome.revision && previous.lastUpdateTime ? previous.lastUpdateTime : now,
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
