/**
 * `iacProviders`: what the engine imports from `@iac/azure`. One configuration (stack config
 * `azure:*`, overlaid by an explicit Provider's inputs) gives one set of SDK clients shared by the
 * four resource types.
 */
import type { AsyncLocalStorage } from "node:async_hooks";
import type { PropertyMap, Provider, ProviderContext, ProviderLogger, ProviderModule, ProviderSet } from "@iac/sdk/provider";
import { azureSpec } from "@iac/azure-spec";
import { AzureClients } from "./clients.js";
import { genericProvider } from "./generic/provider.js";
import { ArmTransport } from "./generic/transport.js";
import { containerGroupProvider } from "./container-group-provider.js";
import { fileShareProvider } from "./file-share-provider.js";
import { toProviderError } from "./errors.js";
import { randomSuffix, type RandomSuffix } from "./naming.js";
import { resourceGroupProvider } from "./resource-group-provider.js";
import { resolveSettings, type AzureSettings } from "./settings.js";
import { storageAccountProvider } from "./storage-account-provider.js";

/** Type tokens of the resources this package provides. */
export const TYPES = {
  resourceGroup: "azure:resources:ResourceGroup",
  storageAccount: "azure:storage:StorageAccount",
  fileShare: "azure:storage:FileShare",
  containerGroup: "azure:containerinstance:ContainerGroup",
} as const;

/** The module specifier resources name so that the engine finds this package. */
export const MODULE = "@iac/azure";

/** Build the provider set from resolved settings (tests call this directly). */
export function createProviderSet(settings: AzureSettings, options: { random?: RandomSuffix } = {}): ProviderSet {
  const clients = new AzureClients(settings);
  const kit = { clients, random: options.random ?? randomSuffix };
  // Each typed provider is a Provider of its own inputs; the engine hands them plain property maps.
  const providers: Record<string, Provider> = {
    [TYPES.resourceGroup]: resourceGroupProvider(kit) as unknown as Provider<PropertyMap, PropertyMap>,
    [TYPES.storageAccount]: storageAccountProvider(kit) as unknown as Provider<PropertyMap, PropertyMap>,
    [TYPES.fileShare]: fileShareProvider(kit) as unknown as Provider<PropertyMap, PropertyMap>,
    [TYPES.containerGroup]: containerGroupProvider(kit) as unknown as Provider<PropertyMap, PropertyMap>,
  };
  for (const [type, p] of Object.entries(providers)) providers[type] = inCallContext(p, clients.calls);
  const arm = () => clients.arm();
  const generic = new Map<string, Provider | undefined>();
  return {
    provider(type) {
      const handWritten = providers[type];
      if (handWritten) return handWritten;
      if (!type.startsWith("azure:")) return undefined;
      if (!generic.has(type)) {
        // Every other writable type of the metadata: one generic provider each, made on first use
        // (only the modules a program uses are read).
        const resource = azureSpec.resourceByToken(type);
        generic.set(type, resource && resource.writableScopes !== 0 ? inCallContext(genericProvider({ resource, spec: azureSpec, transport: arm, settings, random: kit.random }), clients.calls) : undefined);
      }
      return generic.get(type);
    },
    arm: armInvoker(arm),
  } as ProviderSet;
}

/**
 * What the generated modules' `get<Type>` lookups and resource functions call (the `arm` member of
 * the provider set; packages/azure/src/generic/define.ts): GET and POST by id and api-version.
 */
export interface ArmInvoker {
  readonly subscriptionId: string;
  get(request: { readonly id: string; readonly apiVersion: string; readonly signal?: AbortSignal }): Promise<unknown>;
  post(request: { readonly id: string; readonly action: string; readonly apiVersion: string; readonly body?: unknown; readonly signal?: AbortSignal }): Promise<unknown>;
}

function armInvoker(arm: () => ArmTransport): ArmInvoker {
  return {
    get subscriptionId() {
      return arm().subscriptionId;
    },
    async get({ id, apiVersion, signal }) {
      try {
        return await arm().get(id, apiVersion, { signal });
      } catch (err) {
        throw toProviderError(err, `Reading ${id}`);
      }
    },
    async post({ id, action, apiVersion, body, signal }) {
      try {
        return await arm().post(id, action, apiVersion, body, { signal });
      } catch (err) {
        throw toProviderError(err, `Calling ${action} on ${id}`);
      }
    },
  };
}

/** The methods that call the cloud; their last argument is the call's context. */
const CALLS = ["create", "read", "update", "delete", "find"] as const;

/** `p` with each cloud call run in its context's logger, for the SDK pipeline's policies to log through. */
export function inCallContext(p: Provider, calls: AsyncLocalStorage<ProviderLogger>): Provider {
  const wrapped: Record<string, unknown> = { ...p };
  for (const name of CALLS) {
    const method = p[name] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (method === undefined) continue;
    wrapped[name] = (...args: unknown[]) => calls.run((args[args.length - 1] as ProviderContext).log, () => method.apply(p, args));
  }
  return wrapped as unknown as Provider;
}

/**
 * The Azure provider module.
 *
 * Config (`iac config set azure:<key> <value>`, or an explicit `Provider`'s args): `subscriptionId`
 * (else AZURE_SUBSCRIPTION_ID), `location` (default for resources that set none), `endpoint` (ARM
 * base URL), `tenantId`, `maxRetries` (default 4), `retryDelayMs`, `pollIntervalMs`. Credentials come
 * from `DefaultAzureCredential`; with IAC_LOCAL_ENDPOINTS set, everything points at the local cloud.
 */
export const iacProviders: ProviderModule = {
  package: "azure",
  configure(config) {
    return createProviderSet(resolveSettings({ config, env: process.env }));
  },
};
