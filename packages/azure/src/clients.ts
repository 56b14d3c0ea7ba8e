/**
 * The SDK clients, built lazily from {@link AzureSettings} so that `check` and `diff` (which never
 * call the cloud) work without credentials or a subscription. The SDK packages themselves are
 * loaded on the first call that needs one (dynamic import): together they take seconds to load,
 * which a program that only previews, or uses none of the four hand-written types, never pays.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import type { ResourceManagementClient } from "@azure/arm-resources";
import type { StorageManagementClient } from "@azure/arm-storage";
import type { Pipeline } from "@azure/core-rest-pipeline";
import type { ProviderLogger } from "@iac/sdk/provider";
import { failedOperationPolicy } from "./failed-operation-policy.js";
import { ArmTransport } from "./generic/transport.js";
import { iacRetryPolicy } from "./retry-policy.js";
import { requireSubscription, type AzureSettings } from "./settings.js";

/** The public-cloud ARM scope; the classic ACI client would otherwise ask for `<endpoint>/.default` (notes §0.2). */
const ARM_SCOPE = "https://management.azure.com/.default";

/** The three clients of one provider configuration. */
export class AzureClients {
  readonly settings: AzureSettings;
  /**
   * The logger of the provider call running in this async context (set by the provider set for
   * every call), so that the retry policy can show its waits where the call's other messages go.
   */
  readonly calls = new AsyncLocalStorage<ProviderLogger>();
  #resources?: Promise<ResourceManagementClient>;
  #storage?: Promise<StorageManagementClient>;
  #containers?: Promise<ContainerInstanceManagementClient>;
  #arm?: ArmTransport;

  constructor(settings: AzureSettings) {
    this.settings = settings;
  }

  /** Options every client shares: endpoint, CA (these clients only, never process-wide). */
  #common() {
    const s = this.settings;
    return {
      ...(s.endpoint === undefined ? {} : { endpoint: s.endpoint }),
      ...(s.ca === undefined ? {} : { tlsOptions: { ca: s.ca } }),
      userAgentOptions: { userAgentPrefix: "iac-azure/0.1.0" },
    };
  }

  /** Our retry policy in place of the SDK's, which fails a 429 without Retry-After (retry-policy.ts). */
  withRetries<C extends { pipeline: Pipeline }>(client: C): C {
    client.pipeline.removePolicy({ phase: "Retry" });
    const s = this.settings;
    client.pipeline.addPolicy(iacRetryPolicy({ maxRetries: s.maxRetries, retryDelayMs: s.retryDelayMs, maxRetryDelayMs: 30_000, log: () => this.calls.getStore() }), { phase: "Retry" });
    return client;
  }

  /**
   * The generic ARM transport (PUT/GET/PATCH/DELETE/POST by id on @azure/core-rest-pipeline, every
   * long-running-operation form, our retries), shared by the generated types, their lookups and
   * functions, and the hand-written types that have moved onto it (the resource group).
   */
  arm(): ArmTransport {
    this.#arm ??= new ArmTransport(this.settings, this.calls);
    return this.#arm;
  }

  /** The resources client (loads @azure/arm-resources on first use). */
  resources(): Promise<ResourceManagementClient> {
    const subscriptionId = requireSubscription(this.settings);
    this.#resources ??= import("@azure/arm-resources").then(({ ResourceManagementClient }) =>
      this.withRetries(new ResourceManagementClient(this.settings.credential, subscriptionId, { ...this.#common(), credentials: { scopes: [ARM_SCOPE] } })),
    );
    return this.#resources;
  }

  /** The storage client (loads @azure/arm-storage on first use). */
  storage(): Promise<StorageManagementClient> {
    const subscriptionId = requireSubscription(this.settings);
    this.#storage ??= import("@azure/arm-storage").then(({ StorageManagementClient }) => {
      const client = this.withRetries(new StorageManagementClient(this.settings.credential, subscriptionId, { ...this.#common(), credentials: { scopes: [ARM_SCOPE] } }));
      // A failed account creation ends in a 200 poll the SDK takes for success (see the policy).
      client.pipeline.addPolicy(failedOperationPolicy());
      return client;
    });
    return this.#storage;
  }

  /** The container instance client (loads @azure/arm-containerinstance on first use). */
  containers(): Promise<ContainerInstanceManagementClient> {
    const subscriptionId = requireSubscription(this.settings);
    this.#containers ??= import("@azure/arm-containerinstance").then(({ ContainerInstanceManagementClient }) =>
      this.withRetries(new ContainerInstanceManagementClient(this.settings.credential, subscriptionId, { ...this.#common(), credentialScopes: [ARM_SCOPE] })),
    );
    return this.#containers;
  }

  get subscriptionId(): string {
    return requireSubscription(this.settings);
  }

  /** Per-call options of a long-running operation: the poll interval (Retry-After still wins). */
  lroOptions(): { updateIntervalInMs?: number } {
    return this.settings.pollIntervalMs === undefined ? {} : { updateIntervalInMs: this.settings.pollIntervalMs };
  }
}
