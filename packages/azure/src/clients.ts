/**
 * The SDK clients, built lazily from {@link AzureSettings} so that `check` and `diff` (which never
 * call the cloud) work without credentials or a subscription.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { ResourceManagementClient } from "@azure/arm-resources";
import { StorageManagementClient } from "@azure/arm-storage";
import type { Pipeline } from "@azure/core-rest-pipeline";
import type { ProviderLogger } from "@iac/sdk/provider";
import { failedOperationPolicy } from "./failed-operation-policy.js";
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
  #resources?: ResourceManagementClient;
  #storage?: StorageManagementClient;
  #containers?: ContainerInstanceManagementClient;

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

  get resources(): ResourceManagementClient {
    this.#resources ??= this.withRetries(
      new ResourceManagementClient(this.settings.credential, requireSubscription(this.settings), {
        ...this.#common(),
        credentials: { scopes: [ARM_SCOPE] },
      }),
    );
    return this.#resources;
  }

  get storage(): StorageManagementClient {
    if (this.#storage === undefined) {
      this.#storage = this.withRetries(
        new StorageManagementClient(this.settings.credential, requireSubscription(this.settings), {
          ...this.#common(),
          credentials: { scopes: [ARM_SCOPE] },
        }),
      );
      // A failed account creation ends in a 200 poll the SDK takes for success (see the policy).
      this.#storage.pipeline.addPolicy(failedOperationPolicy());
    }
    return this.#storage;
  }

  get containers(): ContainerInstanceManagementClient {
    this.#containers ??= this.withRetries(
      new ContainerInstanceManagementClient(this.settings.credential, requireSubscription(this.settings), {
        ...this.#common(),
        credentialScopes: [ARM_SCOPE],
      }),
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
