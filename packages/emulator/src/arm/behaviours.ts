/**
 * The few types whose read-only values or functions programs depend on, beyond what the type
 * definitions give: a managed cluster's credentials (a kubeconfig for the local cloud's Kubernetes
 * API), a Key Vault's `vaultUri`, a public IP's address, a registry's login server and
 * credentials, an identity's ids, the host names of apps, caches and databases (programs export
 * them as URLs and connection strings). The data planes behind those names are not emulated. Plus one rule for every type: a managed `identity` block gets
 * its principal and tenant ids. Everything else comes from the definitions alone (generic.ts).
 */
import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { kubeconfigYaml } from "../server.js";
import type { ArmContext } from "./context.js";
import { fluxConfigurationView, fluxExtensionView } from "./flux-objects.js";
import type { GenericRecord, Json } from "./model.js";
import { TENANT_ID } from "./subscriptions.js";

type Mutable = Record<string, unknown>;

export interface BehaviourContext {
  readonly ctx: ArmContext;
  readonly record: GenericRecord;
}

interface Behaviour {
  /** Values given once, at creation (kept in the record's `assigned`). */
  readonly assign?: (c: Omit<BehaviourContext, "record"> & { readonly record: Omit<GenericRecord, "assigned"> }) => Json;
  /** Read-only values added to every response (the view's `properties` is a fresh object). */
  readonly view?: (c: BehaviourContext, view: Mutable, properties: Mutable) => void;
  /** Functions with a real answer, by lower-case name. */
  readonly functions?: Readonly<Record<string, (c: BehaviourContext) => unknown>>;
}

function props(r: { readonly body: Json }): Mutable {
  const p = r.body["properties"];
  return typeof p === "object" && p !== null ? (p as Mutable) : {};
}

/** A free address of 20.61.0.0/16, stable for the id; collisions probe the next one. */
function allocateIp(ctx: ArmContext, id: string): string {
  const used = new Set(ctx.store.all().flatMap((r) => (r.kind === "generic" && typeof r.assigned["ipAddress"] === "string" ? [r.assigned["ipAddress"]] : [])));
  let n = createHash("sha256").update(id.toLowerCase()).digest().readUInt16BE(0);
  for (let i = 0; i < 65536; i++, n = (n + 1) % 65536) {
    const ip = `20.61.${n >> 8}.${n & 255}`;
    if ((n & 255) !== 0 && (n & 255) !== 255 && !used.has(ip)) return ip;
  }
  throw new Error("the local cloud has no public IP address left");
}

/**
 * A managed cluster's kubeconfig: the local cloud's own (`endpoints.kubeconfig`, so its user and
 * token are the ones the Kubernetes API serving the local cloud accepts, emulated or the real
 * cluster's), with the cluster and context named after the managed cluster as AKS names them.
 */
function clusterCredentials(name: string) {
  return ({ ctx, record }: BehaviourContext): unknown => {
    const ep = ctx.endpoints();
    let yaml: string;
    try {
      yaml = readFileSync(ep.kubeconfig, "utf8");
    } catch {
      yaml = kubeconfigYaml(ep.kubernetes, readFileSync(ep.ca, "utf8"));
    }
    yaml = yaml.replace(/^(\s*(?:-\s+)?(?:name|cluster|user|current-context):\s*)iac-local\s*$/gm, `$1${record.name}`);
    return { kubeconfigs: [{ name, value: Buffer.from(yaml, "utf8").toString("base64") }] };
  };
}

/** A stable short hash of the resource id (for names Azure makes unique with one). */
function hashOf(record: { readonly id: string }, length = 8): string {
  return createHash("sha256").update(record.id.toLowerCase()).digest("hex").slice(0, length);
}

/** Set `properties[key]` to the public DNS name Azure gives such a resource. */
function hostName(key: string, make: (r: GenericRecord) => string): Behaviour {
  return { view: ({ record }, _view, p) => void (p[key] = make(record)) };
}

const BEHAVIOURS: Readonly<Record<string, Behaviour>> = {
  "microsoft.containerservice/managedclusters": {
    assign: ({ record }) => ({ fqdnHash: createHash("sha256").update(record.id.toLowerCase()).digest("hex").slice(0, 8) }),
    view: ({ record }, _view, p) => {
      const prefix = typeof p["dnsPrefix"] === "string" ? p["dnsPrefix"] : record.name;
      p["fqdn"] = `${prefix}-${String(record.assigned["fqdnHash"])}.hcp.${record.location}.azmk8s.io`;
      p["azurePortalFQDN"] = `${prefix}-${String(record.assigned["fqdnHash"])}.portal.hcp.${record.location}.azmk8s.io`;
      p["kubernetesVersion"] ??= "1.33";
      p["currentKubernetesVersion"] = p["kubernetesVersion"];
      p["nodeResourceGroup"] ??= `MC_${record.resourceGroup}_${record.name}_${record.location}`;
      p["powerState"] = { code: "Running" };
    },
    functions: {
      listclusterusercredential: clusterCredentials("clusterUser"),
      listclusteradmincredential: clusterCredentials("clusterAdmin"),
      listclustermonitoringusercredential: clusterCredentials("clusterMonitoringUser"),
    },
  },
  // AKS's managed Flux: what the extension manager and the fluxconfig agent report (flux-agent.ts).
  "microsoft.kubernetesconfiguration/extensions": { view: ({ record }, _view, p) => fluxExtensionView(record, p) },
  "microsoft.kubernetesconfiguration/fluxconfigurations": { view: ({ record }, _view, p) => fluxConfigurationView(record, p) },
  "microsoft.network/dnszones": {
    // Azure DNS hands each zone four name servers from numbered pools (ns1-0X.azure-dns.com. ...).
    view: ({ record }, _view, p) => {
      const n = (parseInt(hashOf(record, 2), 16) % 9) + 1;
      p["nameServers"] = [`ns1-0${n}.azure-dns.com.`, `ns2-0${n}.azure-dns.net.`, `ns3-0${n}.azure-dns.org.`, `ns4-0${n}.azure-dns.info.`];
      p["zoneType"] ??= "Public";
    },
  },
  "microsoft.keyvault/vaults": {
    // The data plane is not emulated; the URI has the real form so programs can pass it on.
    view: ({ record }, _view, p) => {
      p["vaultUri"] = `https://${record.name.toLowerCase()}.vault.azure.net/`;
    },
  },
  "microsoft.network/publicipaddresses": {
    assign: ({ ctx, record }) => {
      const p = props(record);
      const sku = record.body["sku"] as { name?: string } | undefined;
      // A Dynamic Basic address gets an IP only once attached (not emulated); Static or Standard at once.
      const allocated = String(p["publicIPAllocationMethod"] ?? "").toLowerCase() === "static" || String(sku?.name ?? "").toLowerCase() === "standard";
      return allocated ? { ipAddress: allocateIp(ctx, record.id) } : {};
    },
    view: ({ record }, _view, p) => {
      if (typeof record.assigned["ipAddress"] === "string") p["ipAddress"] = record.assigned["ipAddress"];
    },
  },
  "microsoft.containerregistry/registries": {
    view: ({ record }, _view, p) => {
      p["loginServer"] = `${record.name.toLowerCase()}.azurecr.io`;
      p["creationDate"] = record.createdAt;
    },
    functions: {
      listcredentials: ({ ctx, record }) => ({
        username: record.name,
        passwords: ["password", "password2"].map((name) => ({ name, value: ctx.keys.derive(record.id, `acr-${name}`, "").slice(0, 52) })),
      }),
    },
  },
  "microsoft.app/managedenvironments": {
    assign: ({ ctx, record }) => ({ staticIp: allocateIp(ctx, `${record.id}|environment`) }),
    view: ({ record }, _view, p) => {
      p["defaultDomain"] = `${hashOf(record, 12)}.${record.location}.azurecontainerapps.io`;
      p["staticIp"] = record.assigned["staticIp"];
    },
  },
  "microsoft.app/containerapps": {
    // The app's address lives under its environment's domain: `{app}.{defaultDomain}`.
    view: ({ ctx, record }, _view, p) => {
      const envId = String(p["managedEnvironmentId"] ?? p["environmentId"] ?? "");
      const env = ctx.store.get(envId);
      const domain = env?.kind === "generic" ? `${hashOf(env, 12)}.${env.location}.azurecontainerapps.io` : `${hashOf(record, 12)}.${record.location}.azurecontainerapps.io`;
      const configuration = (p["configuration"] ?? {}) as Record<string, unknown>;
      const ingress = configuration["ingress"] as Record<string, unknown> | undefined;
      if (ingress !== undefined) {
        const internal = ingress["external"] === true ? "" : ".internal";
        p["configuration"] = { ...configuration, ingress: { ...ingress, fqdn: `${record.name}${internal}.${domain}` } };
      }
      p["latestRevisionName"] = `${record.name}--${hashOf({ id: `${record.id}|${record.etag}` }, 7)}`;
      p["latestRevisionFqdn"] = `${String(p["latestRevisionName"])}.${domain}`;
      p["outboundIpAddresses"] = env?.kind === "generic" && typeof env.assigned["staticIp"] === "string" ? [env.assigned["staticIp"]] : [];
    },
  },
  "microsoft.web/sites": {
    view: ({ record }, _view, p) => {
      p["defaultHostName"] = `${record.name.toLowerCase()}.azurewebsites.net`;
      p["hostNames"] = [p["defaultHostName"]];
      p["state"] ??= "Running";
    },
  },
  "microsoft.operationalinsights/workspaces": {
    assign: () => ({ customerId: randomUUID() }),
    view: ({ record }, _view, p) => {
      p["customerId"] = record.assigned["customerId"];
    },
  },
  "microsoft.cache/redis": {
    view: ({ record }, _view, p) => {
      p["hostName"] = `${record.name.toLowerCase()}.redis.cache.windows.net`;
      p["port"] = 6379;
      p["sslPort"] = 6380;
    },
  },
  "microsoft.documentdb/databaseaccounts": hostName("documentEndpoint", (r) => `https://${r.name.toLowerCase()}.documents.azure.com:443/`),
  "microsoft.sql/servers": hostName("fullyQualifiedDomainName", (r) => `${r.name.toLowerCase()}.database.windows.net`),
  "microsoft.dbforpostgresql/flexibleservers": hostName("fullyQualifiedDomainName", (r) => `${r.name.toLowerCase()}.postgres.database.azure.com`),
  "microsoft.dbformysql/flexibleservers": hostName("fullyQualifiedDomainName", (r) => `${r.name.toLowerCase()}.mysql.database.azure.com`),
  "microsoft.servicebus/namespaces": hostName("serviceBusEndpoint", (r) => `https://${r.name.toLowerCase()}.servicebus.windows.net:443/`),
  "microsoft.eventhub/namespaces": hostName("serviceBusEndpoint", (r) => `https://${r.name.toLowerCase()}.servicebus.windows.net:443/`),
  "microsoft.managedidentity/userassignedidentities": {
    assign: () => ({ principalId: randomUUID(), clientId: randomUUID() }),
    view: ({ record }, _view, p) => {
      p["principalId"] = record.assigned["principalId"];
      p["clientId"] = record.assigned["clientId"];
      p["tenantId"] = TENANT_ID;
    },
  },
};

/** The behaviour of a type, if it has one. */
function behaviourOf(armType: string): Behaviour | undefined {
  return BEHAVIOURS[armType.toLowerCase()];
}

/** Values to keep for the resource's lifetime (at creation). */
export function assignedAtCreate(ctx: ArmContext, record: Omit<GenericRecord, "assigned">): Json {
  return behaviourOf(record.type)?.assign?.({ ctx, record }) ?? {};
}

function uuidFrom(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function systemIdentity(body: Json): boolean {
  const identity = body["identity"] as { type?: unknown } | undefined;
  return typeof identity?.type === "string" && identity.type.toLowerCase().includes("systemassigned");
}

/** Add what the local cloud computes to a response. */
export function decorateView(c: BehaviourContext, view: Mutable): void {
  const p = { ...((view["properties"] as Mutable | undefined) ?? {}) };
  behaviourOf(c.record.type)?.view?.(c, view, p);
  if (Object.keys(p).length > 0 || view["properties"] !== undefined) view["properties"] = p;
  const identity = view["identity"] as Mutable | undefined;
  if (identity !== undefined && typeof identity === "object") {
    const out: Mutable = { ...identity };
    if (systemIdentity(c.record.body)) {
      // Derived from the id: stable for the resource's life, different for each resource.
      out["principalId"] = uuidFrom(`${c.record.id.toLowerCase()}|systemAssigned`);
      out["tenantId"] = TENANT_ID;
    }
    const users = identity["userAssignedIdentities"];
    if (typeof users === "object" && users !== null) {
      out["userAssignedIdentities"] = Object.fromEntries(
        Object.keys(users).map((uid) => {
          const u = c.ctx.store.get(uid);
          const a = u?.kind === "generic" ? u.assigned : {};
          return [uid, { principalId: a["principalId"] ?? null, clientId: a["clientId"] ?? null }];
        }),
      );
    }
    view["identity"] = out;
  }
}

/** A function with emulated behaviour, or undefined (the caller answers from the output type). */
export function behaviourFunction(armType: string, name: string): ((c: BehaviourContext) => unknown) | undefined {
  return behaviourOf(armType)?.functions?.[name.toLowerCase()];
}
