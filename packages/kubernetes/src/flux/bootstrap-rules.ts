/**
 * FluxBootstrap's inputs, defaults, check and diff: pure, no cluster or git access
 * (reference/notes/flux.md §1.1 for the defaults, §2.2 for what replaces).
 */
import { containsUnknown, type CheckFailure, type DiffResult, type PropertyDiff, type PropertyMap } from "@iac/sdk/provider";
import { fieldChanges } from "../diff.js";
import { normalizeGoDuration, parseGoDuration } from "../duration.js";
import { componentFailures } from "./components.js";
import { syncPath } from "./sync.js";
import { FLUX_NAMESPACE } from "./types.js";

/** Inputs after check (defaults applied). */
export interface FluxBootstrapInputs {
  readonly version?: string;
  /** Path of a local install.yaml / gotk-components.yaml. */
  readonly manifests?: string;
  /** sha256 of the manifests file, so a changed file is an update even when its path is the same. */
  readonly manifestsDigest?: string;
  readonly components?: readonly string[];
  readonly componentsExtra?: readonly string[];
  readonly namespace: string;
  readonly networkPolicy: boolean;
  readonly watchAllNamespaces: boolean;
  readonly git: {
    readonly url: string;
    readonly branch: string;
    readonly path: string;
    readonly interval: string;
    readonly credentials?: { readonly username: string; readonly password: string } | { readonly bearerToken: string };
  };
  readonly commit: { readonly authorName: string; readonly authorEmail: string };
  readonly keepNamespace: boolean;
  /** Go duration or iac duration; default 5m (flux's --timeout). */
  readonly timeout: string;
}

/** Outputs. */
export interface FluxBootstrapOutputs {
  readonly namespace: string;
  /** `<branch>@sha1:<commit>`: the revision the sync reached. */
  readonly revision: string;
  readonly version: string;
  readonly components: readonly string[];
  /** Ids of the install objects applied (to prune those a later configuration drops). */
  readonly objects: readonly string[];
  /** False when refresh found the sync missing or not Ready; the next `up` repairs it. */
  readonly ready: boolean;
  readonly problems?: readonly string[];
}

export const DEFAULT_TIMEOUT = "5m";
export const DEFAULT_BRANCH = "main";
export const DEFAULT_AUTHOR = "Flux";

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Defaults and failures (see FluxBootstrap's TSDoc for the rules). */
export function checkBootstrap(news: PropertyMap, olds: PropertyMap | undefined): { inputs: PropertyMap; failures: CheckFailure[] } {
  const failures: CheckFailure[] = [];
  const f = (property: string, reason: string) => failures.push({ property, reason });
  const git = isMap(news.git) ? news.git : undefined;
  if (git === undefined) f("git", "git is required: { url, path, branch?, interval?, credentials? } of the repository Flux syncs from.");
  const namespace = news.namespace ?? FLUX_NAMESPACE;
  if (typeof namespace === "string" && !DNS_LABEL.test(namespace)) f("namespace", `"${namespace}" is not a valid namespace name (lower-case letters, digits and '-').`);
  // The release tags are v-prefixed; "2.9.4" means the same release.
  const version = typeof news.version === "string" && /^\d+\.\d+\.\d+/.test(news.version) ? `v${news.version}` : news.version;
  if (version !== undefined && typeof version === "string" && !/^(latest|v\d+\.\d+\.\d+.*)$/.test(version)) {
    f("version", `"${version}" is not a Flux version: use a release tag such as v2.9.4.`);
  }
  if (news.version === undefined && news.manifests === undefined) {
    f("version", "give version (the install manifests are downloaded from the Flux release) or manifests (a local install.yaml).");
  }
  failures.push(...componentFailures({ components: news.components as string[] | undefined, componentsExtra: news.componentsExtra as string[] | undefined }));
  const gitOut: Record<string, unknown> = { ...(git ?? {}) };
  if (git !== undefined) {
    const url = git.url;
    if (typeof url !== "string" && !containsUnknown(url)) f("git.url", "git.url is required: the repository's http(s) URL.");
    if (typeof url === "string") {
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        f("git.url", `"${url}" is not a URL.`);
      }
      if (parsed && !["http:", "https:"].includes(parsed.protocol)) {
        f("git.url", `${parsed.protocol} URLs are not supported: use http or https (SSH deploy keys are not implemented; Flux rejects file:// URLs).`);
      }
      if (parsed && (parsed.username || parsed.password)) f("git.url", "the URL holds credentials: remove them from the URL and pass git.credentials, which is kept secret.");
    }
    if (typeof git.path !== "string" && !containsUnknown(git.path)) f("git.path", "git.path is required: the cluster's folder in the repository, e.g. clusters/dev.");
    gitOut.branch = git.branch ?? DEFAULT_BRANCH;
    const interval = git.interval ?? "1m0s";
    if (typeof interval === "string") {
      const n = normalizeGoDuration(interval);
      if (n === undefined) f("git.interval", `"${interval}" is not a duration such as 1m0s or 30s.`);
      else gitOut.interval = n;
    }
    const creds = git.credentials;
    if (isMap(creds)) {
      const basic = typeof creds.username === "string" && typeof creds.password === "string";
      const bearer = typeof creds.bearerToken === "string";
      if (!containsUnknown(creds) && basic === bearer) f("git.credentials", "give either { username, password } or { bearerToken }.");
    }
    // Moving the sync path would make the flux-system Kustomization prune what the old path applied,
    // Flux included; flux bootstrap refuses it ("would overwrite path"), and so does iac.
    const oldGit = isMap(olds?.git) ? olds.git : undefined;
    if (oldGit && typeof oldGit.path === "string" && typeof git.path === "string" && syncPath(oldGit.path) !== syncPath(git.path)) {
      f(
        "git.path",
        `git.path cannot change from "${oldGit.path}" to "${git.path}" on an existing bootstrap (flux bootstrap refuses it too): the flux-system Kustomization would stop syncing the old path and prune what it applied, Flux itself included. To move the cluster, copy its folder in the repository and bootstrap again (destroy this FluxBootstrap, then create it with the new path).`,
      );
    }
  }
  const timeout = news.timeout ?? DEFAULT_TIMEOUT;
  if (typeof timeout === "string" && parseGoDuration(timeout) === undefined) f("timeout", `"${timeout}" is not a duration such as 5m.`);
  const commit = isMap(news.commit) ? news.commit : {};
  const inputs: PropertyMap = {
    ...news,
    ...(version === undefined ? {} : { version }),
    namespace,
    networkPolicy: news.networkPolicy ?? true,
    watchAllNamespaces: news.watchAllNamespaces ?? true,
    keepNamespace: news.keepNamespace ?? false,
    timeout,
    commit: { authorName: commit.authorName ?? DEFAULT_AUTHOR, authorEmail: commit.authorEmail ?? "" } as PropertyMap,
    ...(git === undefined ? {} : { git: gitOut as PropertyMap }),
  };
  return { inputs, failures };
}

/** Why a property changes, as the CLI shows it. */
const REASONS: Readonly<Record<string, string>> = {
  namespace: "Flux moves to another namespace: it is uninstalled, then installed again (the CRDs are shared, so not both at once)",
};

/** The diff: `namespace` replaces (delete first); everything else upgrades in place. */
export function diffBootstrap(olds: { inputs: PropertyMap; outputs: PropertyMap }, news: PropertyMap): DiffResult {
  const changes = fieldChanges(olds.inputs, news);
  const detailed: PropertyDiff[] = changes.map((c) => {
    const top = c.path.split(/[.[]/)[0];
    const replace = top === "namespace";
    return { path: c.path, kind: c.kind, replace, ...(replace ? { reason: REASONS.namespace } : {}) };
  });
  if (olds.outputs.ready === false) {
    const problems = Array.isArray(olds.outputs.problems) ? olds.outputs.problems.join("; ") : "the sync is not Ready";
    detailed.push({ path: "git", kind: "update", replace: false, reason: `refresh found Flux's sync broken (${problems}); up applies it again` });
  }
  const replaces = detailed.some((d) => d.replace) ? ["namespace"] : [];
  return { changes: detailed.length > 0, replaces, ...(replaces.length > 0 ? { deleteBeforeReplace: true } : {}), detailed };
}
