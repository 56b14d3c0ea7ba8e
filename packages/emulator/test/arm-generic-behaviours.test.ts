/**
 * The few generic types with real behaviour (a managed cluster's credentials reach the local
 * cloud's Kubernetes API, a public IP gets an address, a registry its login server and
 * credentials, identities their ids) and resource functions answered from their output type,
 * called through the SDK runtime's REST client (@azure-rest/core-client).
 */
import { getClient } from "@azure-rest/core-client";
import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fakeCredential, FAST, startArm, type ArmHarness } from "./arm-harness.js";

const NET = "2025-09-01";
const AKS = "2026-05-01";
const ACR = "2025-11-01";
const MSI = "2024-11-30";

describe("ARM: generic types with emulated behaviour", () => {
  let h: ArmHarness;
  let rg: string;
  let rest: ReturnType<typeof getClient>;
  const create = (path: string, version: string, body: Record<string, unknown>) => h.resources.resources.createOrUpdateById(`${rg}/${path}`, version, body as any, FAST) as Promise<any>;
  const post = async (path: string, version: string) => {
    const r = await rest.path(`${rg}/${path}` as never).post({ queryParameters: { "api-version": version } } as never);
    assert.equal(r.status, "200", JSON.stringify(r.body));
    return r.body as any;
  };
  before(async () => {
    h = await startArm({ kubernetes: true });
    await h.resources.resourceGroups.createOrUpdate("beh", { location: "westeurope" });
    rg = `/subscriptions/${h.sub}/resourceGroups/beh`;
    rest = getClient(h.cloud.endpoints.arm, fakeCredential, {
      credentials: { scopes: ["https://management.azure.com/.default"] },
      tlsOptions: { ca: readFileSync(h.cloud.endpoints.ca) },
    } as never);
  });
  after(async () => {
    await h.close();
  });

  it("gives a managed cluster a kubeconfig for the local cloud's Kubernetes API (listClusterUserCredential)", async () => {
    const aks = await create("providers/Microsoft.ContainerService/managedClusters/aks1", AKS, {
      location: "westeurope",
      identity: { type: "SystemAssigned" },
      properties: { dnsPrefix: "aks1", agentPoolProfiles: [{ name: "system", count: 1, vmSize: "Standard_D2s_v5", mode: "System" }] },
    });
    assert.equal(aks.properties.provisioningState, "Succeeded");
    assert.match(aks.properties.fqdn, /^aks1-[0-9a-f]{8}\.hcp\.westeurope\.azmk8s\.io$/);
    assert.match(aks.identity.principalId, /^[0-9a-f-]{36}$/);
    const creds = await post("providers/Microsoft.ContainerService/managedClusters/aks1/listClusterUserCredential", AKS);
    assert.equal(creds.kubeconfigs[0].name, "clusterUser");
    const kc = new k8s.KubeConfig();
    kc.loadFromString(Buffer.from(creds.kubeconfigs[0].value, "base64").toString("utf8"));
    assert.equal(kc.getCurrentCluster()?.server, h.cloud.endpoints.kubernetes);
    assert.equal(kc.getCurrentContext(), "aks1", "the context is named after the cluster, as AKS names it");
    // The local cloud's own credentials (the real cluster's token on `--kubernetes=real`), not a made-up one.
    const own = new k8s.KubeConfig();
    own.loadFromFile(h.cloud.endpoints.kubeconfig);
    assert.equal(kc.getCurrentUser()?.token, own.getCurrentUser()?.token);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: "from-aks-credentials" } } });
    const list = await core.listNamespace();
    assert.ok(list.items.some((n) => n.metadata?.name === "from-aks-credentials"));
  });

  it("gives a static public IP an address, distinct per address and stable across reads", async () => {
    const body = { location: "westeurope", sku: { name: "Standard" }, properties: { publicIPAllocationMethod: "Static" } };
    const a = await create("providers/Microsoft.Network/publicIPAddresses/ip-a", NET, body);
    const b = await create("providers/Microsoft.Network/publicIPAddresses/ip-b", NET, body);
    assert.match(a.properties.ipAddress, /^\d+\.\d+\.\d+\.\d+$/);
    assert.notEqual(a.properties.ipAddress, b.properties.ipAddress);
    const again = await h.resources.resources.getById(`${rg}/providers/Microsoft.Network/publicIPAddresses/ip-a`, NET);
    assert.equal((again.properties as any).ipAddress, a.properties.ipAddress);
    const dynamic = await create("providers/Microsoft.Network/publicIPAddresses/ip-dyn", NET, { location: "westeurope", properties: { publicIPAllocationMethod: "Dynamic" } });
    assert.equal(dynamic.properties.ipAddress, undefined, "a dynamic Basic address gets an IP only once attached");
  });

  it("gives a user-assigned identity its ids, and resources that use it see them", async () => {
    const id = await create("providers/Microsoft.ManagedIdentity/userAssignedIdentities/app-id", MSI, { location: "westeurope" });
    assert.match(id.properties.principalId, /^[0-9a-f-]{36}$/);
    assert.match(id.properties.clientId, /^[0-9a-f-]{36}$/);
    assert.equal(id.properties.tenantId, "00000000-0000-4000-8000-00000000a11c");
    const again = await h.resources.resources.getById(`${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/app-id`, MSI);
    assert.equal((again.properties as any).principalId, id.properties.principalId);
    const acr = await create("providers/Microsoft.ContainerRegistry/registries/acrwithid", ACR, {
      location: "westeurope",
      sku: { name: "Basic" },
      identity: { type: "UserAssigned", userAssignedIdentities: { [id.id]: {} } },
    });
    assert.deepEqual(acr.identity.userAssignedIdentities[id.id], { principalId: id.properties.principalId, clientId: id.properties.clientId });
  });

  it("gives a registry its login server and credentials that are stable and never stored", async () => {
    const acr = await create("providers/Microsoft.ContainerRegistry/registries/acrcreds", ACR, { location: "westeurope", sku: { name: "Basic" }, properties: { adminUserEnabled: true } });
    assert.equal(acr.properties.loginServer, "acrcreds.azurecr.io");
    const first = await post("providers/Microsoft.ContainerRegistry/registries/acrcreds/listCredentials", ACR);
    const second = await post("providers/Microsoft.ContainerRegistry/registries/acrcreds/listCredentials", ACR);
    assert.equal(first.username, "acrcreds");
    assert.equal(first.passwords.length, 2);
    assert.deepEqual(first, second);
    assert.notEqual(first.passwords[0].value, first.passwords[1].value);
    await h.close({ keepData: true });
    assert.ok(!readFileSync(join(h.dataDir, "arm", "arm.json"), "utf8").includes(first.passwords[0].value));
    h = await startArm({ dataDir: h.dataDir, kubernetes: true });
    rest = getClient(h.cloud.endpoints.arm, fakeCredential, { credentials: { scopes: ["https://management.azure.com/.default"] }, tlsOptions: { ca: readFileSync(h.cloud.endpoints.ca) } } as never);
    const afterRestart = await post("providers/Microsoft.ContainerRegistry/registries/acrcreds/listCredentials", ACR);
    assert.deepEqual(afterRestart, first);
  });

  it("gives a container app the address of its environment's domain, and the environment a static IP", async () => {
    const env = await create("providers/Microsoft.App/managedEnvironments/env1", "2026-01-01", { location: "westeurope", properties: {} });
    assert.match(env.properties.defaultDomain, /^[0-9a-f]{12}\.westeurope\.azurecontainerapps\.io$/);
    assert.match(env.properties.staticIp, /^20\.61\./);
    const app = await create("providers/Microsoft.App/containerApps/web", "2026-01-01", {
      location: "westeurope",
      properties: {
        managedEnvironmentId: env.id,
        configuration: { ingress: { external: true, targetPort: 80 } },
        template: { containers: [{ name: "web", image: "nginx" }] },
      },
    });
    assert.equal(app.properties.configuration.ingress.fqdn, `web.${env.properties.defaultDomain}`);
    assert.deepEqual(app.properties.outboundIpAddresses, [env.properties.staticIp]);
  });

  // Host names programs turn into URLs and connection strings (the services behind them are not emulated).
  const hostNames: { path: string; version: string; body: Record<string, unknown>; key: string; value: RegExp }[] = [
    { path: "providers/Microsoft.Web/sites/site-h", version: "2025-03-01", body: { location: "westeurope", properties: {} }, key: "defaultHostName", value: /^site-h\.azurewebsites\.net$/ },
    { path: "providers/Microsoft.OperationalInsights/workspaces/logs-h", version: "", body: { location: "westeurope", properties: {} }, key: "customerId", value: /^[0-9a-f-]{36}$/ },
    { path: "providers/Microsoft.Cache/redis/cache-h", version: "", body: { location: "westeurope", properties: { sku: { name: "Basic", family: "C", capacity: 0 } } }, key: "hostName", value: /^cache-h\.redis\.cache\.windows\.net$/ },
    { path: "providers/Microsoft.Sql/servers/sql-h", version: "", body: { location: "westeurope", properties: {} }, key: "fullyQualifiedDomainName", value: /^sql-h\.database\.windows\.net$/ },
    { path: "providers/Microsoft.Network/dnsZones/example.com", version: "", body: { location: "global" }, key: "nameServers", value: /^ns1-0\d\.azure-dns\.com\.,ns2-0\d\.azure-dns\.net\./ },
    { path: "providers/Microsoft.ServiceBus/namespaces/bus-ns1", version: "", body: { location: "westeurope" }, key: "serviceBusEndpoint", value: /^https:\/\/bus-ns1\.servicebus\.windows\.net:443\/$/ },
  ];
  for (const t of hostNames) {
    it(`gives ${t.path.split("/").slice(1, 3).join("/")} its ${t.key}`, async () => {
      const ns = t.path.split("/")[1]!;
      const version = t.version || (await h.resources.providers.get(ns)).resourceTypes!.find((x) => x.resourceType === t.path.split("/")[2])!.apiVersions![0]!;
      const made = await create(t.path, version, t.body);
      assert.match(String(made.properties[t.key]), t.value);
    });
  }

  it("answers a resource function without emulated behaviour with a value of its output type, secrets derived", async () => {
    await create("providers/Microsoft.EventHub/namespaces/ehns-keys", "2026-01-01", { location: "westeurope" });
    await create("providers/Microsoft.EventHub/namespaces/ehns-keys/authorizationRules/send", "2026-01-01", { properties: { rights: ["Send"] } });
    const keys = await post("providers/Microsoft.EventHub/namespaces/ehns-keys/authorizationRules/send/listKeys", "2026-01-01");
    for (const k of ["primaryKey", "secondaryKey", "primaryConnectionString", "secondaryConnectionString"]) assert.equal(typeof keys[k], "string", k);
    assert.notEqual(keys.primaryKey, keys.secondaryKey);
    assert.deepEqual(await post("providers/Microsoft.EventHub/namespaces/ehns-keys/authorizationRules/send/listKeys", "2026-01-01"), keys);
  });

  it("refuses a resource function of a resource that does not exist", async () => {
    const r = await h.raw("POST", `${rg}/providers/Microsoft.ContainerService/managedClusters/nope/listClusterUserCredential?api-version=${AKS}`);
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, "ResourceNotFound");
  });
});
