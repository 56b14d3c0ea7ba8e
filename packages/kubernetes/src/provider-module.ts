/**
 * `iacProviders`: what the engine imports from `@iac/kubernetes`. One module serves the
 * `kubernetes:*` types and the `flux:*` types of `@iac/kubernetes/flux`; one configuration (stack
 * config `kubernetes:*`, overlaid by an explicit Provider's inputs) gives one client per cluster.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { PropertyMap, Provider, ProviderContext, ProviderLogger, ProviderModule, ProviderSet } from "@iac/sdk/provider";
import { KubeClient } from "./client.js";
import { fluxBootstrapProvider } from "./flux/bootstrap-provider.js";
import { gitRepositoryRefFailures } from "./flux/ref-rules.js";
import { FLUX_OBJECT_TYPES } from "./flux/types.js";
import { objectProvider } from "./object-provider.js";
import { resolveSettings, type KubeSettings } from "./settings.js";
import { TYPES } from "./types.js";
import { typedRules } from "./typed/rules.js";
import { TypedKinds } from "./typed/schemas.js";

/** Build the provider set from resolved settings (tests call this directly). */
export function createProviderSet(settings: KubeSettings, options: { baseDir?: string } = {}): ProviderSet {
  let client: KubeClient | undefined;
  const calls = new AsyncLocalStorage<ProviderLogger>();
  // Created on first use: check and diff never need the cluster, and a bad kubeconfig should fail the call that needs it.
  const getClient = () => (client ??= new KubeClient(settings, { calls }));
  const kinds = new TypedKinds();
  const providers: Record<string, Provider> = {
    [TYPES.manifest]: objectProvider(getClient, { check: gitRepositoryRefFailures }),
    // The hand-written Namespace and core/v1's generated one share this token: both are schema-checked.
    [TYPES.namespace]: objectProvider(getClient, typedRules(kinds, TYPES.namespace) ?? { apiVersion: "v1", kind: "Namespace" }),
    [TYPES.fluxBootstrap]: fluxBootstrapProvider({ client: getClient, settings, baseDir: options.baseDir }) as unknown as Provider<PropertyMap, PropertyMap>,
  };
  for (const [type, t] of Object.entries(FLUX_OBJECT_TYPES)) {
    // The generated Flux schemas check these too (typed/rules.ts); the fixed rules stay as the fallback.
    const rules = typedRules(kinds, type) ?? { apiVersion: t.apiVersion, kind: t.kind, defaultNamespace: "flux-system", fluxWaitDefault: t.waitForReady, check: gitRepositoryRefFailures };
    providers[type] = objectProvider(getClient, rules);
  }
  for (const [type, p] of Object.entries(providers)) providers[type] = inCallContext(p, calls);
  return {
    provider: (type) => {
      if (providers[type] !== undefined) return providers[type];
      // The typed classes (@iac/kubernetes/<group>/<version>, Flux's, iac gen crd's): made on first use.
      const rules = typedRules(kinds, type);
      return rules === undefined ? undefined : (providers[type] = inCallContext(objectProvider(getClient, rules), calls));
    },
  };
}

/** The methods that call the cluster; their last argument is the call's context. */
const CALLS = ["create", "read", "update", "delete", "find"] as const;

/** `p` with each cluster call run in its context's logger, for the client's retries to log through. */
function inCallContext(p: Provider, calls: AsyncLocalStorage<ProviderLogger>): Provider {
  const wrapped: Record<string, unknown> = { ...p };
  for (const name of CALLS) {
    const method = p[name] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (method === undefined) continue;
    wrapped[name] = (...args: unknown[]) => calls.run((args[args.length - 1] as ProviderContext).log, () => method.apply(p, args));
  }
  return wrapped as unknown as Provider;
}

/**
 * The Kubernetes provider module.
 *
 * Config (`iac config set kubernetes:<key> <value>`, or an explicit `Provider`'s args):
 * `kubeconfig` (contents or a path; else KUBECONFIG, else ~/.kube/config), `context`, `namespace`
 * (for namespaced objects that name none). With IAC_LOCAL_ENDPOINTS set (`iac ... --local`), the
 * local cloud's cluster is used.
 */
export const iacProviders: ProviderModule = {
  package: "kubernetes",
  configure(config, ctx) {
    return createProviderSet(resolveSettings({ config, env: process.env, baseDir: ctx.projectDir }), { baseDir: ctx.projectDir });
  },
};
