/**
 * How a storage account looks on the wire: what the caller set plus the server-filled defaults and
 * read-only fields the real service adds (notes §1.2, recorded 200 bodies; examples
 * StorageAccountCreate.json / StorageAccountGetProperties.json for the shape).
 */
import { pairedLocation } from "./locations.js";
import type { Json, StorageAccountRecord } from "./model.js";

export const STORAGE_ACCOUNT_TYPE = "Microsoft.Storage/storageAccounts";

/** Read-only properties: ignored when a caller sends them back. */
export const STORAGE_READ_ONLY: readonly string[] = [
  "provisioningState", "primaryEndpoints", "primaryLocation", "statusOfPrimary", "secondaryEndpoints",
  "secondaryLocation", "statusOfSecondary", "creationTime", "keyCreationTime", "lastGeoFailoverTime",
  "privateEndpointConnections", "geoReplicationStats", "blobRestoreStatus", "accountMigrationInProgress",
  "isSkuConversionBlocked",
];

type Service = "blob" | "dfs" | "web" | "queue" | "table" | "file";

/**
 * Which endpoints an account kind has. General-purpose v1 (`Storage`) has no static website (web)
 * and no Data Lake Storage (dfs): both are v2 features. The examples StorageAccountCreate.json and
 * StorageAccountGetProperties.json show web and dfs for a kind `Storage` account anyway; taken as a
 * documentation slip (arm-examples.test.ts lists it as a gap).
 */
function servicesOf(kind: string): readonly Service[] {
  switch (kind) {
    case "Storage":
      return ["blob", "queue", "table", "file"];
    case "BlobStorage":
      return ["dfs", "blob", "table"];
    case "BlockBlobStorage":
      return ["dfs", "web", "blob"];
    case "FileStorage":
      return ["file"];
    default:
      return ["dfs", "web", "blob", "queue", "table", "file"];
  }
}

/** `https://<name>.blob.core.windows.net/` and friends, as Azure builds them. */
export function endpointsOf(name: string, kind: string, suffix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of servicesOf(kind)) out[s] = `https://${name}${suffix}.${s}.core.windows.net/`;
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Merge `over` into `base`, objects recursively, everything else replaced. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

function encryptionOf(user: unknown, since: string): Record<string, unknown> {
  const defaults = {
    services: { file: { keyType: "Account", enabled: true }, blob: { keyType: "Account", enabled: true } },
    keySource: "Microsoft.Storage",
  };
  const merged = deepMerge(defaults, isObject(user) ? user : {});
  const services = isObject(merged["services"]) ? merged["services"] : {};
  const withTimes: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(services)) {
    withTimes[name] = isObject(s) && s["enabled"] !== false ? { ...s, lastEnabledTime: since } : s;
  }
  return { ...merged, services: withTimes };
}

/**
 * Routing endpoints: with `routingPreference.publishMicrosoftEndpoints` / `publishInternetEndpoints`
 * the account's endpoints carry `microsoftEndpoints` (every service, `<name>-microsoftrouting`) and
 * `internetEndpoints` (blob, file, web, dfs: `<name>-internetrouting`), as StorageAccountCreate.json
 * shows them.
 */
function routingEndpoints(name: string, kind: string, user: Record<string, unknown>): Record<string, unknown> {
  const pref = isObject(user["routingPreference"]) ? user["routingPreference"] : {};
  const out: Record<string, unknown> = {};
  if (pref["publishMicrosoftEndpoints"] === true) out["microsoftEndpoints"] = endpointsOf(name, kind, "-microsoftrouting");
  if (pref["publishInternetEndpoints"] === true) {
    const all = endpointsOf(name, kind, "-internetrouting");
    out["internetEndpoints"] = Object.fromEntries(Object.entries(all).filter(([s]) => s !== "queue" && s !== "table"));
  }
  return out;
}

/** The account as GET returns it. */
export function storageAccountView(r: StorageAccountRecord): Json {
  const sku = r.sku.name;
  const geo = /GRS|GZRS/i.test(sku);
  const readAccess = /^(Standard|Premium)V?2?_RA/i.test(sku);
  const secondary = geo ? pairedLocation(r.location) : undefined;
  const user = r.properties;
  const tierDefault = r.accountKind === "StorageV2" || r.accountKind === "BlobStorage" ? { accessTier: "Hot" } : {};
  const properties: Record<string, unknown> = {
    keyCreationTime: { key1: r.keys[0].creationTime, key2: r.keys[1].creationTime },
    privateEndpointConnections: [],
    // Not verified (notes §1.2): 2022 recordings show TLS1_0 and public access allowed; newer accounts
    // are said to default to TLS 1.2 and no public blob access, but no source pins the api-version.
    minimumTlsVersion: "TLS1_2",
    allowBlobPublicAccess: false,
    supportsHttpsTrafficOnly: true,
    ...tierDefault,
    ...user,
    networkAcls: deepMerge({ bypass: "AzureServices", virtualNetworkRules: [], ipRules: [], defaultAction: "Allow" }, isObject(user["networkAcls"]) ? user["networkAcls"] : {}),
    encryption: encryptionOf(user["encryption"], r.creationTime),
    provisioningState: "Succeeded",
    primaryEndpoints: { ...endpointsOf(r.name, r.accountKind), ...routingEndpoints(r.name, r.accountKind, user) },
    primaryLocation: r.location,
    statusOfPrimary: "available",
    ...(secondary === undefined ? {} : { secondaryLocation: secondary, statusOfSecondary: "available" }),
    ...(readAccess ? { secondaryEndpoints: endpointsOf(r.name, r.accountKind, "-secondary") } : {}),
    creationTime: r.creationTime,
    // Read-only flags StorageAccountGetProperties.json shows; the local cloud migrates nothing.
    isSkuConversionBlocked: false,
    accountMigrationInProgress: false,
  };
  return {
    sku: { name: sku, tier: sku.startsWith("Premium") ? "Premium" : "Standard" },
    kind: r.accountKind,
    id: r.id,
    name: r.name,
    type: STORAGE_ACCOUNT_TYPE,
    location: r.location,
    tags: r.tags ?? {},
    ...r.extra,
    properties,
  };
}
