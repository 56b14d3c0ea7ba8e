/**
 * The provider of `flux:index:FluxBootstrap`: one custom resource that orchestrates what
 * `flux bootstrap git` does (reference/notes/flux.md §1.2), because its steps (apply, wait, git push,
 * apply, wait) must run in order against one install.
 *
 * create/update: install manifests (selected, customised) applied with SSA in two stages (CRDs,
 * namespace and cluster roles, then the rest, waiting for the CRDs to be Established); the
 * credentials Secret; gotk-components.yaml, gotk-sync.yaml and (when absent) kustomization.yaml
 * pushed to `<path>/<namespace>/`; the sync GitRepository and Kustomization applied; then a wait
 * until both are Ready at the pushed revision and the controllers are available. An update also
 * deletes the install objects the new configuration no longer has (components dropped).
 * read: whether the sync objects exist and are Ready. delete: flux uninstall (uninstall.ts).
 */
import { PartialCreateError, ProviderError, type PropertyMap, type Provider, type ProviderContext } from "@iac/sdk/provider";
import { callFailed, type KubeClient, type LiveObject } from "../client.js";
import { parseGoDuration } from "../duration.js";
import { KubernetesError } from "../errors.js";
import { describe, idOf, keyOf, parseId, type KubeObject } from "../objects.js";
import { sortForApply, stageOf } from "../order.js";
import { fluxReadiness, readinessOf } from "../readiness.js";
import type { KubeSettings } from "../settings.js";
import { parseObjects } from "../yaml-load.js";
import { checkBootstrap, diffBootstrap, type FluxBootstrapInputs, type FluxBootstrapOutputs } from "./bootstrap-rules.js";
import { componentsFile, manifestsVersion, selectComponents, selectedComponents } from "./components.js";
import { pushFiles, type GitTarget } from "./git-push.js";
import { digestOf, loadManifests, resolveManifestsPath, type ManifestsSource } from "./manifests-source.js";
import { fluxDir, kustomizationFile, syncFile, syncObjects } from "./sync.js";
import { uninstallFlux } from "./uninstall.js";

/** A version label in install manifests (what {@link manifestsVersion} reads), found without parsing the YAML. */
const VERSION_LABEL_LINE = /^\s*app\.kubernetes\.io\/version:\s*\S/m;

/** The Secret `flux bootstrap` creates for the git credentials (`--secret-name`). */
export const SECRET_NAME = "flux-system";

export interface BootstrapProviderOptions {
  readonly client: () => KubeClient;
  readonly settings: KubeSettings;
  /** Relative `manifests` paths are resolved from here (the project directory). */
  readonly baseDir?: string;
}

type Inputs = FluxBootstrapInputs & PropertyMap;
type Outputs = FluxBootstrapOutputs & PropertyMap;

function timeoutMs(inputs: FluxBootstrapInputs, ctxTimeout: number | undefined): number {
  return ctxTimeout ?? parseGoDuration(inputs.timeout) ?? 5 * 60_000;
}

/** Runs `fn` over items with at most `n` at a time. */
async function eachLimited<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

export function fluxBootstrapProvider(o: BootstrapProviderOptions): Provider<Inputs, Outputs> {
  const baseDir = o.baseDir ?? process.cwd();

  function source(inputs: FluxBootstrapInputs): ManifestsSource {
    if (inputs.manifests !== undefined) return { kind: "file", path: resolveManifestsPath(inputs.manifests, baseDir) };
    return { kind: "release", version: inputs.version ?? "latest" };
  }

  function gitTarget(inputs: FluxBootstrapInputs): GitTarget {
    const local = o.settings.local;
    const caFile = local && inputs.git.url.startsWith("https:") ? local.ca : undefined;
    return { url: inputs.git.url, branch: inputs.git.branch, credentials: inputs.git.credentials, caFile };
  }

  /** Applies objects in Flux's two stages, waiting for the CRDs (and namespace) between them. */
  async function applyStaged(client: KubeClient, objects: readonly KubeObject[], ctx: ProviderContext, deadline: number): Promise<void> {
    const sorted = sortForApply(objects);
    const first = sorted.filter((x) => stageOf(x) === "clusterDefinitions");
    const rest = sorted.filter((x) => stageOf(x) !== "clusterDefinitions");
    const apply = async (obj: KubeObject) => {
      try {
        await client.retryNoMatch(obj.apiVersion, () => client.apply(obj, { signal: ctx.signal }), { timeoutMs: Math.max(0, deadline - Date.now()), signal: ctx.signal });
      } catch (err) {
        throw callFailed(err, "Applying", keyOf(obj));
      }
    };
    await eachLimited(first, 4, apply);
    await eachLimited(first, 4, async (obj) => {
      await client.waitFor(keyOf(obj), readinessOf, { timeoutMs: Math.max(1000, deadline - Date.now()), signal: ctx.signal, progress: (m) => ctx.log.info(m) });
    });
    await eachLimited(rest, 4, apply);
  }

  async function install(inputs: FluxBootstrapInputs, ctx: ProviderContext, olds: Outputs | undefined): Promise<Outputs> {
    const client = o.client();
    const deadline = Date.now() + timeoutMs(inputs, olds === undefined ? ctx.timeouts.create : ctx.timeouts.update);
    const text = await loadManifests(source(inputs), { signal: ctx.signal });
    const all = parseObjects(text, inputs.manifests ?? `Flux ${inputs.version} install.yaml`);
    const found = manifestsVersion(all);
    if (inputs.version !== undefined && inputs.manifests !== undefined && found !== undefined && found !== inputs.version) {
      throw new KubernetesError(`The manifests ${inputs.manifests} are Flux ${found}, but version says ${inputs.version}: make them agree (or leave version out).`, { code: "VersionMismatch" });
    }
    const version = found ?? inputs.version ?? "unknown";
    const components = selectedComponents(inputs);
    const objects = selectComponents(all, { ...inputs, version });
    const ns = inputs.namespace;

    ctx.log.info(`installing Flux ${version} (${components.join(", ")}) in ${ns}`);
    await applyStaged(client, objects, ctx, deadline);
    const ids = objects.map((x) => idOf(keyOf(x)));

    // Components the configuration dropped: delete what the previous install applied and this one does not.
    for (const id of (olds?.objects ?? []).filter((x) => !ids.includes(x))) {
      const key = parseId(id);
      ctx.log.info(`removing ${describe(key)} (no longer installed)`);
      try {
        await client.delete(key, { signal: ctx.signal });
      } catch (err) {
        throw callFailed(err, "Deleting", key);
      }
    }

    const creds = inputs.git.credentials;
    if (creds !== undefined) {
      // flux.md §1.5: the keys flux's source-controller reads; never committed to git.
      const stringData = "bearerToken" in creds ? { bearerToken: creds.bearerToken } : { username: creds.username, password: creds.password };
      const secret: KubeObject = { apiVersion: "v1", kind: "Secret", metadata: { name: SECRET_NAME, namespace: ns }, type: "Opaque", stringData };
      try {
        await client.apply(secret, { signal: ctx.signal });
      } catch (err) {
        throw callFailed(err, "Applying", keyOf(secret));
      }
    }

    const dir = fluxDir(inputs.git.path, ns);
    const sync = { namespace: ns, url: inputs.git.url, branch: inputs.git.branch, path: inputs.git.path, interval: inputs.git.interval, ...(creds ? { secretName: SECRET_NAME } : {}) };
    const files = [
      { path: `${dir}/gotk-components.yaml`, content: componentsFile(objects, { version, components }) },
      { path: `${dir}/gotk-sync.yaml`, content: syncFile(sync) },
      { path: `${dir}/kustomization.yaml`, content: kustomizationFile(), keepExisting: true },
    ];
    ctx.log.info(`pushing ${dir}/ to ${inputs.git.url} (${inputs.git.branch})`);
    const pushed = await pushFiles(gitTarget(inputs), {
      files,
      commits: [
        { message: `Add Flux ${version} component manifests`, paths: [files[0].path] },
        { message: "Add Flux sync manifests", paths: [files[1].path, files[2].path] },
      ],
      author: { name: inputs.commit.authorName, email: inputs.commit.authorEmail },
      signal: ctx.signal,
    });
    const revision = `${inputs.git.branch}@sha1:${pushed.revision}`;

    const [gitRepository, kustomization] = syncObjects(sync);
    for (const obj of [gitRepository, kustomization]) {
      try {
        await client.retryNoMatch(obj.apiVersion, () => client.apply(obj, { signal: ctx.signal }), { timeoutMs: Math.max(0, deadline - Date.now()), signal: ctx.signal });
      } catch (err) {
        throw callFailed(err, "Applying", keyOf(obj));
      }
    }

    const wait = { timeoutMs: Math.max(1000, deadline - Date.now()), signal: ctx.signal, progress: (m: string) => ctx.log.info(m) };
    await client.waitFor(keyOf(gitRepository), (l) => fluxReadiness(l, { revision }), wait);
    await client.waitFor(keyOf(kustomization), (l) => fluxReadiness(l, { revision, revisionField: "lastAttemptedRevision" }), { ...wait, timeoutMs: Math.max(1000, deadline - Date.now()) });
    for (const d of objects.filter((x) => x.kind === "Deployment")) {
      await client.waitFor(keyOf(d), readinessOf, { ...wait, timeoutMs: Math.max(1000, deadline - Date.now()) });
    }
    return { namespace: ns, revision, version, components, objects: ids, ready: true };
  }

  return {
    async check(news, olds) {
      const r = checkBootstrap(news, olds);
      const inputs = r.inputs as Inputs;
      // A changed manifests file is a change even when its path is not (check may read local files, never the cluster).
      if (typeof inputs.manifests === "string" && r.failures.length === 0) {
        try {
          const text = await loadManifests({ kind: "file", path: resolveManifestsPath(inputs.manifests, baseDir) });
          const failures = [...r.failures];
          // A release's install.yaml carries no version label (flux adds it when it generates gotk-components.yaml).
          if (inputs.version === undefined && !VERSION_LABEL_LINE.test(text)) {
            failures.push({
              property: "version",
              reason: `${inputs.manifests} does not say which Flux version it is (a release's install.yaml has no app.kubernetes.io/version label): set version to the release it came from, e.g. "v2.9.4".`,
            });
          }
          return { inputs: { ...inputs, manifestsDigest: digestOf(text) } as Inputs, failures };
        } catch (err) {
          return { inputs, failures: [...r.failures, { property: "manifests", reason: (err as Error).message }] };
        }
      }
      return { inputs, failures: r.failures };
    },

    async diff(_id, olds, news) {
      return diffBootstrap(olds, news);
    },

    async create(news, ctx) {
      try {
        return { id: news.namespace, outputs: await install(news, ctx, undefined) };
      } catch (err) {
        // Whatever got applied is recorded, so destroy (or the next up) cleans it up.
        throw new PartialCreateError(`Bootstrapping Flux in ${news.namespace} failed: ${(err as Error).message}`, {
          id: news.namespace,
          outputs: { namespace: news.namespace, revision: "", version: news.version ?? "", components: selectedComponents(news), objects: [], ready: false, problems: [(err as Error).message] },
          cause: err,
        });
      }
    },

    async update(_id, olds, news, ctx) {
      return { outputs: await install(news, ctx, olds.outputs) };
    },

    /**
     * An interrupted bootstrap: its namespace is what the first stage makes, so when it exists the
     * install is adopted as it stands (not Ready until `up` completes it: diffBootstrap re-applies a
     * sync that is not Ready). Without it nothing of the install is there but, at most, cluster-scoped
     * CRDs and roles, which a new create applies again by name (server-side apply): no duplicate.
     */
    async find(inputs, ctx) {
      const ns = inputs.namespace;
      const outputs = { namespace: ns, revision: "", version: inputs.version ?? "", components: selectedComponents(inputs), objects: [], ready: false } as unknown as Outputs;
      const found = await this.read(ns, { inputs, outputs }, ctx);
      return found && { id: ns, outputs: found.outputs };
    },

    async read(id, olds, ctx) {
      const client = o.client();
      const ns = olds.outputs.namespace ?? id;
      let namespace: LiveObject | undefined;
      let repo: LiveObject | undefined;
      let ks: LiveObject | undefined;
      try {
        namespace = await client.get({ apiVersion: "v1", kind: "Namespace", name: ns }, { signal: ctx.signal });
        if (namespace === undefined) return undefined;
        repo = await client.get({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", namespace: ns, name: ns }, { signal: ctx.signal });
        ks = await client.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns, name: ns }, { signal: ctx.signal });
      } catch (err) {
        throw new ProviderError(`Reading the Flux install in ${ns} failed (is the cluster reachable?): ${(err as Error).message}`, { code: "ReadFailed", cause: err });
      }
      const problems: string[] = [];
      for (const [what, obj] of [["GitRepository", repo], ["Kustomization", ks]] as const) {
        if (obj === undefined) problems.push(`${what} ${ns}/${ns} is missing`);
        else {
          const r = fluxReadiness(obj);
          if (r.kind !== "ready") problems.push(`${what} ${ns}/${ns} is not Ready: ${r.message}`);
        }
      }
      const revision = ((repo?.status as { artifact?: { revision?: string } } | undefined)?.artifact?.revision) ?? olds.outputs.revision;
      const outputs: Outputs = { ...olds.outputs, revision, ready: problems.length === 0, ...(problems.length > 0 ? { problems } : {}) } as Outputs;
      if (problems.length === 0) delete (outputs as Record<string, unknown>).problems;
      return { inputs: olds.inputs, outputs };
    },

    async delete(_id, olds, ctx) {
      const ns = olds.outputs.namespace ?? olds.inputs.namespace;
      const problems = await uninstallFlux(o.client(), {
        namespace: ns,
        keepNamespace: olds.inputs.keepNamespace ?? false,
        secretName: olds.inputs.git?.credentials ? SECRET_NAME : undefined,
        timeoutMs: ctx.timeouts.delete ?? timeoutMs(olds.inputs, undefined),
        signal: ctx.signal,
        log: (m) => ctx.log.info(m),
      });
      if (problems.length > 0) {
        throw new ProviderError(`Uninstalling Flux from ${ns} left ${problems.length} problem(s): ${problems.join("; ")}. Run destroy again once they are fixed.`, { code: "UninstallIncomplete" });
      }
    },
  };
}
