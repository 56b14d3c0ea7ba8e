/**
 * The SDK clients, built lazily from {@link AzureSettings} so that `check` and `diff` (which never
 * call the cloud) work without credentials or a subscription.
 */
import { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { ResourceManagementClient } from "@azure/arm-resources";
import { StorageManagementClient } from "@azure/arm-storage";
import { failedOperationPolicy } from "./failed-operation-policy.js";
import { requireSubscription, type AzureSettings } from "./settings.js";

/** The public-cloud ARM scope; the classic ACI client would otherwise ask for `<endpoint>/.default` (notes §0.2). */
const ARM_SCOPE = "https://management.azure.com/.default";

/** The three clients of one provider configuration. */
export class AzureClients {
  readonly settings: AzureSettings;
  #resources?: ResourceManagementClient;
  #storage?: StorageManagementClient;
  #containers?: ContainerInstanceManagementClient;

  constructor(settings: AzureSettings) {
    this.settings = settings;
  }

  /** Options every client shares: endpoint, CA (these clients only, never process-wide), bounded retries. */
  #common() {
    const s = this.settings;
    return {
      ...(s.endpoint === undefined ? {} : { endpoint: s.endpoint }),
      ...(s.ca === undefined ? {} : { tlsOptions: { ca: s.ca } }),
      // The pipeline's retry policy handles 429/503 (honouring Retry-After) and 408/5xx/socket
      // errors with exponential backoff; set explicitly so it stays on and bounded.
      retryOptions: { maxRetries: s.maxRetries, retryDelayInMs: s.retryDelayMs, maxRetryDelayInMs: 30_000 },
      userAgentOptions: { userAgentPrefix: "iac-azure/0.1.0" },
    };
  }

  get resources(): ResourceManagementClient {
    this.#resources ??= new ResourceManagementClient(this.settings.credential, requireSubscription(this.settings), {
      ...this.#common(),
      credentials: { scopes: [ARM_SCOPE] },
    });
    return this.#resources;
  }

  get storage(): StorageManagementClient {
    if (this.#storage === undefined) {
      this.#storage = new StorageManagementClient(this.settings.credential, requireSubscription(this.settings), {
        ...this.#common(),
        credentials: { scopes: [ARM_SCOPE] },
      });
      // A failed account creation ends in a 200 poll the SDK takes for success (see the policy).
      this.#storage.pipeline.addPolicy(failedOperationPolicy());
    }
    return this.#storage;
  }

  get containers(): ContainerInstanceManagementClient {
    this.#containers ??= new ContainerInstanceManagementClient(this.settings.credential, requireSubscription(this.settings), {
      ...this.#common(),
      credentialScopes: [ARM_SCOPE],
    });
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
