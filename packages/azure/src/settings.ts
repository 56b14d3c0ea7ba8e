/**
 * How the provider reaches Azure: subscription, default location, ARM endpoint, credential and the
 * CA to trust, resolved from stack config (`azure:*`, overlaid by an explicit provider's inputs),
 * the environment, and — when `IAC_LOCAL_ENDPOINTS` names the local cloud's endpoints.json — the
 * local cloud (docs/decisions/0002-local-cloud-wiring.md).
 */
import { readFileSync } from "node:fs";
import type { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { ProviderError, type PropertyValue } from "@iac/sdk/provider";
import { nearest } from "./generic/validate.js";

/** A credential as the SDK clients take it (@azure/core-auth's TokenCredential, not a dependency of ours). */
export type TokenCredential = ConstructorParameters<typeof ContainerInstanceManagementClient>[0];

/** Everything the SDK clients are built from. Holds no secret beyond the credential object. */
export interface AzureSettings {
  /** Undefined until a call needs it; the error then says how to set it. */
  readonly subscriptionId?: string;
  /** Default location for resources that set none. */
  readonly location?: string;
  /** ARM base URL; the SDK's default (public Azure) when undefined. */
  readonly endpoint?: string;
  readonly credential: TokenCredential;
  /** Extra CA (PEM) trusted by these clients only: the local cloud's. */
  readonly ca?: string;
  /**
   * Interval between polls of a long-running operation, in ms. Undefined keeps the SDK's 2000 ms;
   * a poll response's Retry-After overrides it either way.
   */
  readonly pollIntervalMs?: number;
  /** Retries of throttled (429/503 with Retry-After) and transient (408, 5xx, socket) failures. */
  readonly maxRetries: number;
  /** First retry delay of the exponential backoff, in ms. */
  readonly retryDelayMs: number;
  /** True when talking to the local cloud. */
  readonly local: boolean;
}

/** The local cloud's endpoints.json (only the fields this package reads). */
interface LocalEndpoints {
  readonly arm: string;
  readonly ca: string;
  readonly subscriptionId: string;
}

/** Inputs of `resolveSettings`. */
export interface ResolveSettingsOptions {
  /** Stack config of namespace `azure`, overlaid with an explicit provider's inputs. */
  readonly config: Readonly<Record<string, PropertyValue>>;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * `DefaultAzureCredential` made on the first token request: @azure/identity takes more than a
 * second to load, which a preview that never calls Azure should not pay.
 */
export function lazyDefaultCredential(tenantId: string | undefined): TokenCredential {
  let made: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes, options) {
      made ??= import("@azure/identity").then(({ DefaultAzureCredential }) => new DefaultAzureCredential(tenantId === undefined ? {} : { tenantId }));
      return (await made).getToken(scopes, options);
    },
  };
}

/** A credential for the local cloud, which accepts any bearer token. */
export const localCredential: TokenCredential = {
  getToken: async () => ({ token: "iac-local", expiresOnTimestamp: Date.now() + 3600_000 }),
};

function str(config: Readonly<Record<string, PropertyValue>>, key: string): string | undefined {
  const v = config[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") {
    throw new ProviderError(`azure:${key} must be a string (got ${typeof v}); fix it with \`iac config set azure:${key} <value>\`.`, { code: "InvalidConfig" });
  }
  return v;
}

function num(config: Readonly<Record<string, PropertyValue>>, key: string, fallback: number): number {
  const v = config[key];
  if (v === undefined || v === null) return fallback;
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) {
    throw new ProviderError(`azure:${key} must be a non-negative number; fix it with \`iac config set azure:${key} <number>\`.`, { code: "InvalidConfig" });
  }
  return n;
}

function readLocalEndpoints(path: string): LocalEndpoints {
  let parsed: Partial<LocalEndpoints>;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<LocalEndpoints>;
  } catch (cause) {
    throw new ProviderError(`Cannot read the local cloud's endpoints from ${path} (IAC_LOCAL_ENDPOINTS): ${(cause as Error).message}. Start it with \`iac local serve\` or run with --local.`, { code: "LocalCloudUnavailable", cause });
  }
  if (!parsed.arm || !parsed.ca || !parsed.subscriptionId) {
    throw new ProviderError(`${path} (IAC_LOCAL_ENDPOINTS) has no ARM endpoint: the local cloud was started without its ARM service.`, { code: "LocalCloudUnavailable" });
  }
  return parsed as LocalEndpoints;
}

/** The settings the provider takes (stack config `azure:<key>`, or an explicit Provider's args). */
export const SETTING_KEYS = ["subscriptionId", "location", "endpoint", "tenantId", "maxRetries", "retryDelayMs", "pollIntervalMs"] as const;

/** A key the provider does not know is refused (a typo would otherwise be ignored silently), naming the nearest. */
function refuseUnknownKeys(config: Readonly<Record<string, PropertyValue>>): void {
  for (const key of Object.keys(config)) {
    if ((SETTING_KEYS as readonly string[]).includes(key)) continue;
    const near = nearest(key, SETTING_KEYS);
    throw new ProviderError(
      `azure:${key} is not a setting of the Azure provider${near.length > 0 ? `; did you mean azure:${near[0]}?` : ""} It takes ${SETTING_KEYS.join(", ")}: remove it with \`iac config rm azure:${key}\` (or from the Provider's args).`,
      { code: "InvalidConfig" },
    );
  }
}

/**
 * Resolve the settings. Precedence: explicit config, then the local cloud (when
 * IAC_LOCAL_ENDPOINTS is set), then the environment (AZURE_SUBSCRIPTION_ID).
 */
export function resolveSettings({ config, env }: ResolveSettingsOptions): AzureSettings {
  refuseUnknownKeys(config);
  const localPath = env.IAC_LOCAL_ENDPOINTS;
  const maxRetries = num(config, "maxRetries", 4);
  if (localPath) {
    const ep = readLocalEndpoints(localPath);
    return {
      subscriptionId: str(config, "subscriptionId") ?? ep.subscriptionId,
      location: str(config, "location") ?? "westeurope",
      endpoint: ep.arm,
      credential: localCredential,
      ca: readFileSync(ep.ca, "utf8"),
      // The emulator's operations take ~100 ms a step; the SDK's 2 s default would dominate.
      pollIntervalMs: num(config, "pollIntervalMs", 50),
      maxRetries,
      retryDelayMs: num(config, "retryDelayMs", 100),
      local: true,
    };
  }
  const tenantId = str(config, "tenantId") ?? env.AZURE_TENANT_ID;
  const pollIntervalMs = config.pollIntervalMs === undefined ? undefined : num(config, "pollIntervalMs", 2000);
  return {
    subscriptionId: str(config, "subscriptionId") ?? env.AZURE_SUBSCRIPTION_ID,
    location: str(config, "location"),
    endpoint: str(config, "endpoint"),
    credential: lazyDefaultCredential(tenantId),
    pollIntervalMs,
    maxRetries,
    retryDelayMs: num(config, "retryDelayMs", 1000),
    local: false,
  };
}

/** The subscription, or a ProviderError saying how to set one. */
export function requireSubscription(settings: AzureSettings): string {
  if (settings.subscriptionId === undefined) {
    throw new ProviderError(
      "No Azure subscription is configured: run `iac config set azure:subscriptionId <id>` or set AZURE_SUBSCRIPTION_ID (or use --local for the local cloud).",
      { code: "MissingSubscription" },
    );
  }
  return settings.subscriptionId;
}
