/**
 * The generic ARM provider behind every generated type, through the azure provider set, against
 * the local cloud's generic ARM: check from the metadata, create, read without drift, update in
 * place, replace for the reasons the metadata and the curated table give, delete, find, secrets,
 * and the `arm` invoker of lookups and resource functions. What the cloud holds is checked
 * through the ARM REST API (the transport the test builds itself).
 */
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { after, before, describe, it } from "node:test";
import type { PropertyMap, ProviderLogger } from "@iac/sdk/provider";
import { ArmTransport } from "../src/generic/transport.js";
import { resolveSettings, TYPES } from "../src/index.js";
import type { ArmInvoker } from "../src/provider-module.js";
import { checkAndCreate, startHarness, type Harness } from "./local-cloud.js";

let h: Harness;
let rest: ArmTransport;
let rg: string;
const VNET = "azure:network:VirtualNetwork";
const SUBNET = "azure:network:Subnet";
const VAULT = "azure:keyvault:Vault";
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

before(async () => {
  h = await startHarness();
  rest = new ArmTransport(resolveSettings({ config: {}, env: { IAC_LOCAL_ENDPOINTS: h.endpointsPath } }), new AsyncLocalStorage<ProviderLogger>());
  rg = (await checkAndCreate(h, TYPES.resourceGroup, "generic", {})).outputs.name as string;
});
after(async () => {
  await h?.close();
});

const vnetArgs = () => ({ resourceGroupName: rg, addressSpace: { addressPrefixes: ["10.0.0.0/16"] }, tags: { env: "dev" } });

describe("the generic ARM provider", () => {
  it("serves every writable generated token and nothing else", () => {
    assert.ok(h.providers.provider(VNET));
    assert.ok(h.providers.provider("azure:containerservice:ManagedCluster"));
    assert.equal(h.providers.provider("azure:network:NoSuchThing"), undefined);
    assert.equal(h.providers.provider("azure:nosuchmodule:Thing"), undefined);
    // The hand-written four keep their providers.
    assert.equal(h.providers.provider(TYPES.storageAccount), h.providers.provider(TYPES.storageAccount));
    assert.ok(!("secretInputs" in h.providers.provider(TYPES.storageAccount)!) || (h.providers.provider(TYPES.storageAccount) as { secretInputs?: string[] }).secretInputs?.length === 0);
  });

  it("check autonames by the type's rules, defaults the location, and refuses typos before any call", async () => {
    const p = h.provider(VNET);
    const ok = await p.check(vnetArgs(), undefined, h.ctx(VNET, "vnet"));
    assert.deepEqual(ok.failures, []);
    assert.match(ok.inputs.virtualNetworkName as string, /^vnet-[a-z0-9]{8}$/);
    assert.equal(ok.inputs.location, "westeurope");
    const again = await p.check(vnetArgs(), ok.inputs, h.ctx(VNET, "vnet"));
    assert.equal(again.inputs.virtualNetworkName, ok.inputs.virtualNetworkName, "the name is kept across checks");
    const bad = await p.check({ ...vnetArgs(), adressSpace: {} }, undefined, h.ctx(VNET, "vnet"));
    assert.deepEqual(bad.failures.map((f) => f.property), ["adressSpace"]);
  });

  it("names a role assignment, a workbook or a Cosmos DB role definition with a random GUID kept across checks, and refuses a name that is not one", async () => {
    const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const RA = "azure:authorization:RoleAssignment";
    const ra = { scope: `/subscriptions/s/resourceGroups/${rg}`, roleDefinitionId: "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6", principalId: TENANT };
    const first = await h.provider(RA).check(ra, undefined, h.ctx(RA, "reader"));
    assert.deepEqual(first.failures, []);
    assert.match(first.inputs.roleAssignmentName as string, GUID);
    const again = await h.provider(RA).check(ra, first.inputs, h.ctx(RA, "reader"));
    assert.equal(again.inputs.roleAssignmentName, first.inputs.roleAssignmentName, "the GUID is kept in state, not drawn again");
    const named = await h.provider(RA).check({ ...ra, roleAssignmentName: "reader-1" }, undefined, h.ctx(RA, "reader"));
    assert.deepEqual(named.failures.map((f) => f.property), ["roleAssignmentName"]);
    assert.match(named.failures[0]!.reason, /must be a GUID.*leave roleAssignmentName out/);
    for (const [type, own, args] of [
      ["azure:insights:Workbook", "workbookName", { resourceGroupName: rg }],
      ["azure:documentdb:SqlRoleDefinition", "sqlRoleDefinitionName", { resourceGroupName: rg, databaseAccountName: "acct" }],
    ] as const) {
      const checked = await h.provider(type).check(args, undefined, h.ctx(type, "x"));
      assert.match(String(checked.inputs[own]), GUID, `${type}: ${JSON.stringify(checked.inputs)}`);
    }
  });

  it("creates, reads without drift, updates in place, and deletes a virtual network", async () => {
    const p = h.provider(VNET);
    const ctx = h.ctx(VNET, "life");
    const created = await checkAndCreate(h, VNET, "life", vnetArgs());
    const name = created.inputs.virtualNetworkName as string;
    const id = `/subscriptions/${h.cloud.endpoints.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${name}`;
    assert.equal(created.id, id);
    assert.deepEqual(created.outputs.addressSpace, { addressPrefixes: ["10.0.0.0/16"] });
    assert.equal(created.outputs.provisioningState, "Succeeded", "read-only properties are outputs");
    assert.equal(created.outputs.virtualNetworkName, name);

    const live = (await rest.get(id, "2025-09-01")) as { properties: { addressSpace: unknown } };
    assert.deepEqual(live.properties.addressSpace, { addressPrefixes: ["10.0.0.0/16"] });

    const read = await p.read(id, { inputs: created.inputs, outputs: created.outputs }, ctx);
    assert.ok(read);
    const noDrift = await p.diff!(id, { inputs: created.inputs, outputs: created.outputs }, read.inputs, ctx);
    assert.equal(noDrift.changes, false, JSON.stringify(noDrift.detailed));

    const news = { ...created.inputs, addressSpace: { addressPrefixes: ["10.0.0.0/16", "10.1.0.0/16"] } };
    const d = await p.diff!(id, { inputs: created.inputs, outputs: created.outputs }, news, ctx);
    assert.equal(d.changes, true);
    assert.deepEqual(d.replaces, []);
    const updated = await p.update(id, { inputs: created.inputs, outputs: created.outputs }, news, ctx);
    assert.deepEqual(updated.outputs.addressSpace, { addressPrefixes: ["10.0.0.0/16", "10.1.0.0/16"] });
    assert.deepEqual(((await rest.get(id, "2025-09-01")) as { properties: { addressSpace: unknown } }).properties.addressSpace, { addressPrefixes: ["10.0.0.0/16", "10.1.0.0/16"] });

    const moved = await p.diff!(id, { inputs: news, outputs: updated.outputs }, { ...news, location: "northeurope" }, ctx);
    assert.deepEqual(moved.replaces, ["location"]);
    assert.match(moved.detailed[0]!.reason!, /cannot move to another location/);
    const sameSpelling = await p.diff!(id, { inputs: news, outputs: updated.outputs }, { ...news, location: "West Europe" }, ctx);
    assert.equal(sameSpelling.changes, false);

    await p.delete(id, { inputs: news, outputs: updated.outputs }, ctx);
    assert.equal(await rest.get(id, "2025-09-01"), undefined);
    assert.equal(await p.read(id, { inputs: news, outputs: updated.outputs }, ctx), undefined);
    await p.delete(id, { inputs: news, outputs: updated.outputs }, ctx);
  });

  it("creates a child (a subnet) under its parent and replaces it when the parent changes", async () => {
    const vnet = await checkAndCreate(h, VNET, "parent", vnetArgs());
    const subnet = await checkAndCreate(h, SUBNET, "apps", { resourceGroupName: rg, virtualNetworkName: vnet.inputs.virtualNetworkName as string, addressPrefix: "10.0.1.0/24" });
    assert.match(subnet.id, /\/virtualNetworks\/parent-[a-z0-9]{8}\/subnets\/apps-[a-z0-9]{8}$/);
    assert.equal(subnet.outputs.addressPrefix, "10.0.1.0/24");
    const d = await h.provider(SUBNET).diff!(subnet.id, { inputs: subnet.inputs, outputs: subnet.outputs }, { ...subnet.inputs, virtualNetworkName: "other" }, h.ctx(SUBNET, "apps"));
    assert.deepEqual(d.replaces, ["virtualNetworkName"]);
    assert.match(d.detailed[0]!.reason!, /name args of a Subnet/);
  });

  it("fills the name args the definitions fix (a blob container's blobServices/default)", async () => {
    const account = await checkAndCreate(h, TYPES.storageAccount, "blobs", { resourceGroupName: rg, sku: { name: "Standard_LRS" }, kind: "StorageV2" });
    const container = await checkAndCreate(h, "azure:storage:BlobContainer", "images", { resourceGroupName: rg, storageAccountName: account.inputs.accountName as string, publicAccess: "none" });
    assert.equal(container.inputs.blobServiceName, "default");
    assert.equal(container.inputs.publicAccess, "None", "the enum is sent in the service's spelling");
    assert.match(container.id, /\/storageAccounts\/blobs[a-z0-9]{8}\/blobServices\/default\/containers\/images-[a-z0-9]{8}$/);
    assert.ok(await rest.get(container.id, "2026-04-01"));
  });

  it("refuses to create over an existing resource, naming the import id", async () => {
    const created = await checkAndCreate(h, VNET, "taken", vnetArgs());
    await assert.rejects(h.provider(VNET).create(created.inputs, h.ctx(VNET, "taken")), (e: { code?: string; message: string }) => e.code === "Conflict" && e.message.includes(`{ import: "${created.id}" }`));
  });

  it("replaces for a curated create-only property, with its reason", async () => {
    const p = h.provider("azure:containerservice:ManagedCluster");
    const olds: PropertyMap = { resourceGroupName: rg, managedClusterName: "aks", location: "westeurope", dnsPrefix: "a" };
    const d = await p.diff!("id", { inputs: olds, outputs: {} }, { ...olds, dnsPrefix: "b", kubernetesVersion: "1.31" }, h.ctx("azure:containerservice:ManagedCluster", "aks"));
    assert.deepEqual(d.replaces, ["dnsPrefix"]);
    assert.deepEqual(
      d.detailed.map((x) => [x.path, x.replace, x.reason]),
      [
        ["dnsPrefix", true, "an AKS cluster's DNS prefix is set at creation"],
        ["kubernetesVersion", false, undefined],
      ],
    );
  });

  it("finds a resource an interrupted create made, and answers absent for one it did not", async () => {
    const p = h.provider(VAULT);
    const checked = await p.check({ resourceGroupName: rg, tenantId: TENANT, sku: { family: "A", name: "standard" } }, undefined, h.ctx(VAULT, "kv"));
    assert.deepEqual(checked.failures, []);
    assert.equal(await p.find!(checked.inputs, h.ctx(VAULT, "kv")), undefined);
    const id = `/subscriptions/${h.cloud.endpoints.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.KeyVault/vaults/${checked.inputs.vaultName as string}`;
    await rest.put(id, "2026-02-01", { location: "westeurope", properties: { tenantId: TENANT, sku: { family: "A", name: "standard" } } });
    const found = await p.find!(checked.inputs, h.ctx(VAULT, "kv"));
    assert.equal(found?.id, id);
    assert.equal(typeof found?.outputs.vaultUri, "string");
  });

  it("keeps a write-only secret the service never returns: read shows no drift, and the value stays in the inputs", async () => {
    const SQL = "azure:sql:Server";
    const created = await checkAndCreate(h, SQL, "db", { resourceGroupName: rg, administratorLogin: "iacadmin", administratorLoginPassword: "S3cret-Passw0rd!" });
    assert.equal(created.outputs.administratorLoginPassword, undefined, "the service never returns it");
    const live = (await rest.get(created.id, "2025-01-01")) as { properties: Record<string, unknown> } | undefined;
    assert.equal(live?.properties.administratorLoginPassword, undefined);
    const read = await h.provider(SQL).read(created.id, { inputs: created.inputs, outputs: created.outputs }, h.ctx(SQL, "db"));
    assert.equal(read?.inputs.administratorLoginPassword, "S3cret-Passw0rd!");
    const d = await h.provider(SQL).diff!(created.id, { inputs: created.inputs, outputs: created.outputs }, read!.inputs, h.ctx(SQL, "db"));
    assert.equal(d.changes, false, JSON.stringify(d.detailed));
  });

  it("reads a user-assigned identity map back without drift: what the service adds inside an entry (principalId, clientId) is not the program's", async () => {
    const ID = "azure:managedidentity:UserAssignedIdentity";
    const REGISTRY = "azure:containerregistry:Registry";
    const identity = await checkAndCreate(h, ID, "runner", { resourceGroupName: rg });
    const identityId = identity.id;
    const created = await checkAndCreate(h, REGISTRY, "images", { resourceGroupName: rg, sku: { name: "Basic" }, identity: { type: "UserAssigned", userAssignedIdentities: { [identityId]: {} } } });
    const live = (await rest.get(created.id, "2025-11-01")) as { identity: { userAssignedIdentities: Record<string, Record<string, unknown>> } };
    assert.ok(Object.values(live.identity.userAssignedIdentities)[0]!.principalId, "the local cloud fills in the identity's principalId");
    const read = await h.provider(REGISTRY).read(created.id, { inputs: created.inputs, outputs: created.outputs }, h.ctx(REGISTRY, "images"));
    assert.deepEqual(read?.inputs.identity, { type: "UserAssigned", userAssignedIdentities: { [identityId]: {} } });
    const d = await h.provider(REGISTRY).diff!(created.id, { inputs: created.inputs, outputs: created.outputs }, read!.inputs, h.ctx(REGISTRY, "images"));
    assert.equal(d.changes, false, JSON.stringify(d.detailed));
  });

  it("declares the definitions' sensitive properties as secretInputs", () => {
    const sql = h.providers.provider("azure:sql:Server") as { secretInputs?: string[] };
    assert.ok(sql.secretInputs?.includes("administratorLoginPassword"), JSON.stringify(sql.secretInputs));
    const app = h.providers.provider("azure:app:ContainerApp") as { secretInputs?: string[] };
    assert.ok(app.secretInputs?.includes("configuration.secrets[*].value"), JSON.stringify(app.secretInputs));
  });

  it("gives lookups and functions GET and POST through the provider set's arm invoker", async () => {
    const arm = (h.providers as unknown as { arm: ArmInvoker }).arm;
    assert.equal(arm.subscriptionId, h.cloud.endpoints.subscriptionId);
    const account = await checkAndCreate(h, TYPES.storageAccount, "fn", { resourceGroupName: rg, sku: { name: "Standard_LRS" }, kind: "StorageV2" });
    const keys = (await arm.post({ id: account.id, action: "listKeys", apiVersion: "2026-04-01" })) as { keys: { value: string }[] };
    assert.equal(keys.keys[0]!.value, account.outputs.primaryKey);
    assert.equal(((await arm.get({ id: account.id, apiVersion: "2026-04-01" })) as { name: string }).name, account.inputs.accountName);
    assert.equal(await arm.get({ id: `${account.id}x`, apiVersion: "2026-04-01" }), undefined);
  });
});
