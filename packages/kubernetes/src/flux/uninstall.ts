/**
 * Removing a Flux install the way `flux uninstall` does (flux2 pkg/uninstall, reference/notes/flux.md
 * §4.3): the controllers first (so nothing reconciles or prunes while the rest goes), then the
 * finalizers of every Flux object in every namespace (nothing is left to honour them), then the
 * CRDs (which takes the remaining Flux objects with them), then the namespace unless kept.
 * NotFound is success everywhere, and a failing step does not stop the later ones: the errors are
 * collected and reported together.
 */
import type { KubeClient } from "../client.js";
import { apiFailure } from "../errors.js";
import type { ObjectKey } from "../objects.js";

export interface UninstallOptions {
  readonly namespace: string;
  readonly keepNamespace: boolean;
  /** The credentials Secret to delete when the namespace is kept. */
  readonly secretName?: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly log?: (message: string) => void;
}

/** flux2 pkg/uninstall `Components`: namespaced kinds in this order, then the cluster-scoped RBAC. */
const COMPONENT_KINDS: readonly { apiVersion: string; kind: string; namespaced: boolean }[] = [
  { apiVersion: "apps/v1", kind: "Deployment", namespaced: true },
  { apiVersion: "v1", kind: "Service", namespaced: true },
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", namespaced: true },
  { apiVersion: "v1", kind: "ServiceAccount", namespaced: true },
  { apiVersion: "v1", kind: "ResourceQuota", namespaced: true },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", namespaced: false },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", namespaced: false },
];

/** How long answers that say "not now" (429, 503) are retried, at most, and the pause between tries. */
const TRANSIENT_RETRY_MS = 120_000;
const TRANSIENT_PAUSE_MS = 2000;

const CRD = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };

/** The objects of this install carry these labels (flux.md §1.3). */
function selector(namespace: string): string {
  return `app.kubernetes.io/part-of=flux,app.kubernetes.io/instance=${namespace}`;
}

/** Uninstalls; returns the problems met (empty when everything went). */
export async function uninstallFlux(client: KubeClient, o: UninstallOptions): Promise<string[]> {
  const problems: string[] = [];
  // While CRDs come and go, the apiserver answers 429/503 "storage is (re)initializing" for a kind
  // whose watch cache restarts, for longer than the client's own retries (seen on the real cluster
  // in the helm-release scenario): such answers are retried here until the uninstall's timeout.
  const transientUntil = Date.now() + Math.min(o.timeoutMs, TRANSIENT_RETRY_MS);
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    for (;;) {
      try {
        await fn();
        return;
      } catch (err) {
        const f = apiFailure(err);
        if (f.status === 404) return;
        if ((f.status === 429 || f.status === 503) && Date.now() < transientUntil && !o.signal?.aborted) {
          o.log?.(`${what}: ${f.message}; retrying`);
          await new Promise((r) => setTimeout(r, TRANSIENT_PAUSE_MS));
          continue;
        }
        problems.push(`${what}: ${f.message}`);
        return;
      }
    }
  };
  const labelSelector = selector(o.namespace);

  // 1. Controllers and their RBAC.
  for (const k of COMPONENT_KINDS) {
    await attempt(`deleting the ${k.kind}s`, async () => {
      const items = await client.list(k.apiVersion, k.kind, { namespace: k.namespaced ? o.namespace : undefined, labelSelector, signal: o.signal });
      for (const item of items) {
        await attempt(`deleting ${k.kind} ${item.metadata.name}`, () => client.delete(keyOfItem(item, k), { signal: o.signal }));
      }
    });
  }

  // 2. Finalizers of every Flux object, in every namespace, found through the installed CRDs.
  let crds: Awaited<ReturnType<KubeClient["list"]>> = [];
  await attempt("listing the Flux CRDs", async () => {
    crds = await client.list(CRD.apiVersion, CRD.kind, { labelSelector, signal: o.signal });
  });
  for (const crd of crds) {
    const spec = crd["spec"] as { group?: string; names?: { kind?: string }; versions?: { name: string; storage?: boolean; served?: boolean }[] } | undefined;
    const version = spec?.versions?.find((v) => v.storage) ?? spec?.versions?.find((v) => v.served);
    if (!spec?.group || !spec.names?.kind || !version) continue;
    const apiVersion = `${spec.group}/${version.name}`;
    const kind = spec.names.kind;
    await attempt(`removing the finalizers of the ${kind}s`, async () => {
      for (const item of await client.list(apiVersion, kind, { signal: o.signal })) {
        const finalizers = item.metadata.finalizers as string[] | undefined;
        if (!finalizers || finalizers.length === 0) continue;
        await attempt(`removing the finalizers of ${kind} ${item.metadata.namespace}/${item.metadata.name}`, () =>
          client.mergePatch({ apiVersion, kind, namespace: item.metadata.namespace, name: item.metadata.name ?? "" }, { metadata: { finalizers: null } }, { signal: o.signal }),
        );
      }
    });
  }

  // 3. The CRDs (the API server deletes their remaining objects).
  for (const crd of crds) {
    const key: ObjectKey = { ...CRD, name: crd.metadata.name ?? "" };
    await attempt(`deleting CRD ${key.name}`, async () => {
      if (await client.delete(key, { signal: o.signal })) await client.waitGone(key, { timeoutMs: o.timeoutMs, signal: o.signal });
    });
  }

  // 4. The namespace, or just our Secret in it.
  if (!o.keepNamespace) {
    const key: ObjectKey = { apiVersion: "v1", kind: "Namespace", name: o.namespace };
    await attempt(`deleting namespace ${o.namespace}`, async () => {
      if (await client.delete(key, { signal: o.signal })) await client.waitGone(key, { timeoutMs: o.timeoutMs, signal: o.signal, progress: o.log });
    });
  } else if (o.secretName !== undefined) {
    await attempt(`deleting Secret ${o.namespace}/${o.secretName}`, () => client.delete({ apiVersion: "v1", kind: "Secret", namespace: o.namespace, name: o.secretName! }, { signal: o.signal }));
  }
  return problems;
}

function keyOfItem(item: { metadata: { name?: string; namespace?: string } }, k: { apiVersion: string; kind: string; namespaced: boolean }): ObjectKey {
  return k.namespaced
    ? { apiVersion: k.apiVersion, kind: k.kind, namespace: item.metadata.namespace, name: item.metadata.name ?? "" }
    : { apiVersion: k.apiVersion, kind: k.kind, name: item.metadata.name ?? "" };
}
