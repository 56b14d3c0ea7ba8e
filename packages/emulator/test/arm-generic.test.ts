/**
 * Every other Azure type, served generically from the type definitions
 * (packages/azure-spec/data): lifecycle through the real SDK runtime (@azure/arm-resources' by-id
 * operations and their long-running-operation pollers), ARM's protocol seen raw, nested resources,
 * listing, cascade deletes and ARM's errors for what the definitions do not know.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FAST, rejection, startArm, type ArmHarness } from "./arm-harness.js";

const NET = "2025-09-01";

/** GET `path` until `done` says so (the emulator's operations end after two short steps). */
async function pollUntil(h: ArmHarness, path: string, done: (r: Awaited<ReturnType<ArmHarness["raw"]>>) => boolean) {
  for (let i = 0; i < 200; i++) {
    const r = await h.raw("GET", path);
    if (done(r)) return r;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`${path} did not finish`);
}
const MSI = "2024-11-30";

describe("ARM: any resource type from the type definitions", () => {
  let h: ArmHarness;
  let rg: string;
  const sdk = () => h.resources.resources;
  before(async () => {
    h = await startArm();
    await h.resources.resourceGroups.createOrUpdate("gen", { location: "westeurope" });
    rg = `/subscriptions/${h.sub}/resourceGroups/gen`;
  });
  after(async () => {
    await h.close();
  });

  it("creates a virtual network and a subnet with the SDK's by-id operations, polling to Succeeded", async () => {
    const vnet = await sdk().createOrUpdateById(`${rg}/providers/Microsoft.Network/virtualNetworks/vnet1`, NET, { location: "westeurope", properties: { addressSpace: { addressPrefixes: ["10.0.0.0/16"] } } } as any, FAST);
    assert.equal(vnet.type, "Microsoft.Network/virtualNetworks");
    assert.equal(vnet.name, "vnet1");
    assert.equal((vnet.properties as any).provisioningState, "Succeeded");
    assert.deepEqual((vnet.properties as any).addressSpace, { addressPrefixes: ["10.0.0.0/16"] });
    const subnet = await sdk().createOrUpdateById(`${rg}/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/apps`, NET, { properties: { addressPrefix: "10.0.1.0/24" } } as any, FAST);
    assert.equal(subnet.id, `${rg}/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/apps`);
    assert.equal(subnet.type, "Microsoft.Network/virtualNetworks/subnets");
    assert.equal(subnet.name, "apps");
    const got = await sdk().getById(`${rg}/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/apps`, NET);
    assert.equal((got.properties as any).addressPrefix, "10.0.1.0/24");
    assert.equal((got.properties as any).provisioningState, "Succeeded");
  });

  it("ends a long-running PUT's Azure-AsyncOperation in Succeeded with an endTime", async () => {
    const put = await h.raw("PUT", `${rg}/providers/Microsoft.Network/networkSecurityGroups/nsg1?api-version=${NET}`, { body: { location: "westeurope" } });
    assert.equal(put.status, 201);
    const aao = new URL(put.headers["azure-asyncoperation"] as string);
    assert.match(aao.pathname, /\/providers\/Microsoft\.Network\/locations\/westeurope\/operationStatuses\//);
    const last = await pollUntil(h, aao.pathname + aao.search, (r) => r.json.status !== "InProgress");
    assert.equal(last.json.status, "Succeeded");
    assert.ok(last.json.endTime);
    const got = await h.raw("GET", `${rg}/providers/Microsoft.Network/networkSecurityGroups/nsg1?api-version=${NET}`);
    assert.equal(got.json.properties.provisioningState, "Succeeded");
  });

  it("answers a type without provisioningState synchronously (201, then 200) with no polling header", async () => {
    const id = `${rg}/providers/Microsoft.Authorization/roleAssignments/6f7e1b62-3c5a-4c0e-9f57-0b6e5d1d1a11?api-version=2022-04-01`;
    const body = { properties: { roleDefinitionId: `/subscriptions/${h.sub}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`, principalId: "4393408d-3506-4047-83cf-f31880ec3ec8" } };
    const first = await h.raw("PUT", id, { body });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.headers["azure-asyncoperation"], undefined);
    assert.equal((await h.raw("PUT", id, { body })).status, 200);
  });

  it("refuses a child whose parent does not exist: 404 ParentResourceNotFound", async () => {
    const r = await h.raw("PUT", `${rg}/providers/Microsoft.Network/virtualNetworks/ghost/subnets/s1?api-version=${NET}`, { body: { properties: { addressPrefix: "10.0.1.0/24" } } });
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, "ParentResourceNotFound");
    assert.match(r.json.error.message, /Parent resource 'ghost' not found/);
    const err = await rejection(sdk().createOrUpdateById(`${rg}/providers/Microsoft.Network/virtualNetworks/ghost/subnets/s1`, NET, { properties: { addressPrefix: "10.0.1.0/24" } } as any, FAST));
    assert.equal(err.code, "ParentResourceNotFound");
  });

  it("takes a singleton parent named default as existing with its own parent", async () => {
    await h.storage.storageAccounts.create("gen", "gensa1", { location: "westeurope", sku: { name: "Standard_LRS" }, kind: "StorageV2" }, FAST);
    const c = await h.raw("PUT", `${rg}/providers/Microsoft.Storage/storageAccounts/gensa1/blobServices/default/containers/logs?api-version=2026-04-01`, { body: { properties: {} } });
    assert.ok(c.status === 200 || c.status === 201, c.text);
    const orphan = await h.raw("PUT", `${rg}/providers/Microsoft.Storage/storageAccounts/nosuchacct/blobServices/default/containers/logs?api-version=2026-04-01`, { body: { properties: {} } });
    assert.equal(orphan.status, 404);
    assert.equal(orphan.json.error.code, "ParentResourceNotFound");
  });

  it("lists a type in a group, across the subscription, and a parent's children", async () => {
    for (const n of ["id-a", "id-b"]) await sdk().createOrUpdateById(`${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${n}`, MSI, { location: "westeurope" }, FAST);
    const inGroup = await h.raw("GET", `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities?api-version=${MSI}`);
    assert.deepEqual(inGroup.json.value.map((v: any) => v.name).sort(), ["id-a", "id-b"]);
    const inSub = await h.raw("GET", `/subscriptions/${h.sub}/providers/Microsoft.ManagedIdentity/userAssignedIdentities?api-version=${MSI}`);
    assert.ok(inSub.json.value.some((v: any) => v.name === "id-a"));
    await sdk().createOrUpdateById(`${rg}/providers/Microsoft.Network/virtualNetworks/vnet-list`, NET, { location: "westeurope", properties: { addressSpace: { addressPrefixes: ["10.1.0.0/16"] } } } as any, FAST);
    for (const s of ["a", "b"]) {
      await sdk().createOrUpdateById(`${rg}/providers/Microsoft.Network/virtualNetworks/vnet-list/subnets/${s}`, NET, { properties: { addressPrefix: `10.1.${s === "a" ? 1 : 2}.0/24` } } as any, FAST);
    }
    const subnets = await h.raw("GET", `${rg}/providers/Microsoft.Network/virtualNetworks/vnet-list/subnets?api-version=${NET}`);
    assert.deepEqual(subnets.json.value.map((v: any) => v.name).sort(), ["a", "b"]);
    const names: string[] = [];
    for await (const r of h.resources.resources.listByResourceGroup("gen")) names.push(`${r.type}/${r.name}`);
    assert.ok(names.includes("Microsoft.ManagedIdentity/userAssignedIdentities/id-a"), names.join(", "));
    assert.ok(!names.some((n) => n.includes("/subnets/")), "nested resources are not in the group's resource list");
  });

  it("patches tags and properties (JSON merge), keeping what the patch does not name", async () => {
    const id = `${rg}/providers/Microsoft.Network/virtualNetworks/vnet-patch`;
    await sdk().createOrUpdateById(id, NET, { location: "westeurope", tags: { env: "dev" }, properties: { addressSpace: { addressPrefixes: ["10.2.0.0/16"] }, enableDdosProtection: false } } as any, FAST);
    const r = await h.raw("PATCH", `${id}?api-version=${NET}`, { body: { tags: { env: "prod" }, properties: { enableDdosProtection: true } } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.tags, { env: "prod" });
    assert.equal(r.json.properties.enableDdosProtection, true);
    assert.deepEqual(r.json.properties.addressSpace, { addressPrefixes: ["10.2.0.0/16"] });
    const missing = await h.raw("PATCH", `${rg}/providers/Microsoft.Network/virtualNetworks/nope?api-version=${NET}`, { body: { tags: {} } });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, "ResourceNotFound");
  });

  it("deletes a long-running type through its Location (202 until done, then 200) and takes its children with it", async () => {
    const vnet = `${rg}/providers/Microsoft.Network/virtualNetworks/vnet-del`;
    await sdk().createOrUpdateById(vnet, NET, { location: "westeurope", properties: { addressSpace: { addressPrefixes: ["10.3.0.0/16"] } } } as any, FAST);
    await sdk().createOrUpdateById(`${vnet}/subnets/s`, NET, { properties: { addressPrefix: "10.3.1.0/24" } } as any, FAST);
    const del = await h.raw("DELETE", `${vnet}?api-version=${NET}`);
    assert.equal(del.status, 202);
    const loc = new URL(del.headers["location"] as string);
    const done = await pollUntil(h, loc.pathname + loc.search, (r) => r.status !== 202);
    assert.equal(done.status, 200);
    assert.equal(done.text, "");
    assert.equal((await h.raw("GET", `${vnet}?api-version=${NET}`)).status, 404);
    assert.equal((await h.raw("GET", `${vnet}/subnets/s?api-version=${NET}`)).json.error.code, "ParentResourceNotFound");
    assert.equal(h.arm.getResource(`${vnet}/subnets/s`), undefined);
    assert.equal((await h.raw("DELETE", `${vnet}?api-version=${NET}`)).status, 204, "a delete of what is gone is 204");
  });

  it("deletes with the SDK's poller", async () => {
    const id = `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-gone`;
    await sdk().createOrUpdateById(id, MSI, { location: "westeurope" }, FAST);
    await sdk().deleteById(id, MSI, FAST);
    const err = await rejection(sdk().getById(id, MSI));
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, "ResourceNotFound");
  });

  it("deletes a resource group with every generic resource in it, nested ones included", async () => {
    await h.resources.resourceGroups.createOrUpdate("gen-cascade", { location: "westeurope" });
    const g = `/subscriptions/${h.sub}/resourceGroups/gen-cascade`;
    await sdk().createOrUpdateById(`${g}/providers/Microsoft.Network/virtualNetworks/v`, NET, { location: "westeurope", properties: { addressSpace: { addressPrefixes: ["10.9.0.0/16"] } } } as any, FAST);
    await sdk().createOrUpdateById(`${g}/providers/Microsoft.Network/virtualNetworks/v/subnets/s`, NET, { properties: { addressPrefix: "10.9.1.0/24" } } as any, FAST);
    await sdk().createOrUpdateById(`${g}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i`, MSI, { location: "westeurope" }, FAST);
    assert.equal(h.arm.listResources().filter((r) => r.id.toLowerCase().startsWith(g.toLowerCase() + "/")).length, 3);
    await h.resources.resourceGroups.delete("gen-cascade", FAST);
    assert.deepEqual(h.arm.listResources().filter((r) => r.id.toLowerCase().startsWith(g.toLowerCase())), []);
    const back = await h.raw("GET", `${g}/providers/Microsoft.Network/virtualNetworks/v/subnets/s?api-version=${NET}`);
    assert.equal(back.status, 404);
    assert.equal(back.json.error.code, "ResourceGroupNotFound");
  });

  it("puts an extension resource on a resource that must exist, and deletes it with that resource", async () => {
    const role = (scope: string, guid: string) => `${scope}/providers/Microsoft.Authorization/roleAssignments/${guid}?api-version=2022-04-01`;
    const body = { properties: { roleDefinitionId: `/subscriptions/${h.sub}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`, principalId: "4393408d-3506-4047-83cf-f31880ec3ec8" } };
    await h.storage.storageAccounts.create("gen", "genscope1", { location: "westeurope", sku: { name: "Standard_LRS" }, kind: "StorageV2" }, FAST);
    const account = `${rg}/providers/Microsoft.Storage/storageAccounts/genscope1`;
    const made = await h.raw("PUT", role(account, "0b5c3e58-4d1e-4f6a-9a55-3d2f4c1b7e01"), { body });
    assert.equal(made.status, 201, made.text);
    assert.equal(made.json.id, `${account}/providers/Microsoft.Authorization/roleAssignments/0b5c3e58-4d1e-4f6a-9a55-3d2f4c1b7e01`);
    const missing = await h.raw("PUT", role(`${rg}/providers/Microsoft.Storage/storageAccounts/nosuchscope`, "0b5c3e58-4d1e-4f6a-9a55-3d2f4c1b7e02"), { body });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, "ResourceNotFound");
    await h.storage.storageAccounts.delete("gen", "genscope1");
    assert.equal(h.arm.getResource(`${account}/providers/Microsoft.Authorization/roleAssignments/0b5c3e58-4d1e-4f6a-9a55-3d2f4c1b7e01`), undefined);
    // The same on a container group (its delete once left extension resources behind).
    await h.aci.containerGroups.beginCreateOrUpdateAndWait("gen", "cg-scope", {
      location: "westeurope", osType: "Linux",
      containers: [{ name: "web", image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1 } } }],
    }, FAST);
    const cg = `${rg}/providers/Microsoft.ContainerInstance/containerGroups/cg-scope`;
    assert.equal((await h.raw("PUT", role(cg, "0b5c3e58-4d1e-4f6a-9a55-3d2f4c1b7e03"), { body })).status, 201);
    await h.aci.containerGroups.beginDeleteAndWait("gen", "cg-scope", FAST);
    assert.equal(h.arm.getResource(`${cg}/providers/Microsoft.Authorization/roleAssignments/0b5c3e58-4d1e-4f6a-9a55-3d2f4c1b7e03`), undefined);
  });

  it("refuses writes into a missing group with ResourceGroupNotFound", async () => {
    const r = await h.raw("PUT", `/subscriptions/${h.sub}/resourceGroups/nogroup/providers/Microsoft.ManagedIdentity/userAssignedIdentities/x?api-version=${MSI}`, { body: { location: "westeurope" } });
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, "ResourceGroupNotFound");
  });

  it("fails a long-running creation when a fault says so, and the resource shows Failed", async () => {
    const failing = await startArm({ faults: [{ service: "arm", method: "PUT", path: "/virtualNetworks/vnet-fail$", failOperation: { code: "SubnetsOverlap", message: "The address prefixes overlap." } }] });
    try {
      await failing.resources.resourceGroups.createOrUpdate("g", { location: "westeurope" });
      const id = `/subscriptions/${failing.sub}/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/vnet-fail`;
      const err = await rejection(failing.resources.resources.createOrUpdateById(id, NET, { location: "westeurope", properties: { addressSpace: { addressPrefixes: ["10.0.0.0/16"] } } } as any, FAST));
      assert.match(String(err.message), /SubnetsOverlap/);
      const got = await failing.raw("GET", `${id}?api-version=${NET}`);
      assert.equal(got.json.properties.provisioningState, "Failed");
    } finally {
      await failing.close();
    }
  });

  it("keeps generic resources across a restart of the local cloud", async () => {
    const first = await startArm();
    const dataDir = first.dataDir;
    await first.resources.resourceGroups.createOrUpdate("keep", { location: "westeurope" });
    const id = `/subscriptions/${first.sub}/resourceGroups/keep/providers/Microsoft.ManagedIdentity/userAssignedIdentities/kept`;
    const made = await first.resources.resources.createOrUpdateById(id, MSI, { location: "westeurope" }, FAST);
    await first.close({ keepData: true });
    const second = await startArm({ dataDir });
    try {
      const got = await second.resources.resources.getById(id, MSI);
      assert.equal((got.properties as any).principalId, (made.properties as any).principalId);
    } finally {
      await second.close();
    }
  });
});

describe("ARM: a generic long-running operation while it runs", () => {
  // Steps of ten seconds: the states in between are seen without any race against the clock.
  let h: ArmHarness;
  let rg: string;
  before(async () => {
    h = await startArm({ lroStepMs: 10_000 });
    await h.resources.resourceGroups.createOrUpdate("slow", { location: "westeurope" });
    rg = `/subscriptions/${h.sub}/resourceGroups/slow`;
  });
  after(async () => {
    await h.close();
  });

  it("shows Creating, InProgress on the Azure-AsyncOperation URL, then Updating on a second PUT", async () => {
    const id = `${rg}/providers/Microsoft.Network/networkSecurityGroups/nsg?api-version=${NET}`;
    const put = await h.raw("PUT", id, { body: { location: "westeurope" } });
    assert.equal(put.status, 201);
    assert.equal(put.json.properties.provisioningState, "Creating");
    assert.equal(put.headers["retry-after"], "0");
    const aao = new URL(put.headers["azure-asyncoperation"] as string);
    const status = await h.raw("GET", aao.pathname + aao.search);
    assert.equal(status.status, 200);
    assert.equal(status.json.status, "InProgress");
    assert.equal(status.json.endTime, undefined);
    assert.equal((await h.raw("GET", id)).json.properties.provisioningState, "Creating");
    const again = await h.raw("PUT", id, { body: { location: "westeurope", tags: { a: "b" } } });
    assert.equal(again.status, 200);
    assert.equal(again.json.properties.provisioningState, "Updating");
  });

  it("shows Deleting while a delete runs, its Location answers 202, and writes are refused meanwhile", async () => {
    const id = `${rg}/providers/Microsoft.Network/networkSecurityGroups/nsg-del?api-version=${NET}`;
    await h.raw("PUT", id, { body: { location: "westeurope" } });
    const del = await h.raw("DELETE", id);
    assert.equal(del.status, 202);
    assert.ok(del.headers["azure-asyncoperation"]);
    assert.equal((await h.raw("GET", id)).json.properties.provisioningState, "Deleting");
    const loc = new URL(del.headers["location"] as string);
    assert.equal((await h.raw("GET", loc.pathname + loc.search)).status, 202);
    const put = await h.raw("PUT", id, { body: { location: "westeurope" } });
    assert.equal(put.status, 409);
    assert.equal(put.json.error.code, "AnotherOperationInProgress");
    const second = await h.raw("DELETE", id);
    assert.equal(second.headers["location"], del.headers["location"], "a second DELETE answers the running operation");
  });
});

describe("ARM: what the type definitions do not know", () => {
  let h: ArmHarness;
  let rg: string;
  before(async () => {
    h = await startArm();
    await h.resources.resourceGroups.createOrUpdate("unknown", { location: "westeurope" });
    rg = `/subscriptions/${h.sub}/resourceGroups/unknown`;
  });
  after(async () => {
    await h.close();
  });

  it("answers an unknown namespace with InvalidResourceNamespace", async () => {
    const r = await h.raw("PUT", `${rg}/providers/Microsoft.Nowhere/things/x?api-version=2025-01-01`, { body: { location: "westeurope" } });
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, "InvalidResourceNamespace");
    assert.match(r.json.error.message, /'Microsoft\.Nowhere'/);
  });

  it("answers an unknown type of a known namespace with InvalidResourceType, as ARM words it", async () => {
    const r = await h.raw("GET", `${rg}/providers/Microsoft.Network/virtualNetworkz/x?api-version=${NET}`);
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, "InvalidResourceType");
    assert.equal(r.json.error.message, `The resource type 'virtualNetworkz' could not be found in the namespace 'Microsoft.Network' for api version '${NET}'.`);
  });

  it("answers an api-version the definitions do not know with NoRegisteredProviderFound, listing the known ones", async () => {
    const r = await h.raw("PUT", `${rg}/providers/Microsoft.Network/virtualNetworks/v?api-version=2015-01-01`, { body: { location: "westeurope" } });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, "NoRegisteredProviderFound");
    assert.match(r.json.error.message, /location 'westeurope' and API version '2015-01-01' for type 'virtualNetworks'\. The supported api-versions are '2025-09-01'/);
  });

  it("refuses a type at a scope it cannot live at", async () => {
    const r = await h.raw("PUT", `/subscriptions/${h.sub}/providers/Microsoft.Network/virtualNetworks/v?api-version=${NET}`, { body: { location: "westeurope" } });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, "InvalidResourceType");
    assert.match(r.json.error.message, /resource group scope/);
  });

  it("answers an action that is not a resource function of the type with InvalidResourceType naming the functions", async () => {
    await h.resources.resources.createOrUpdateById(`${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i`, MSI, { location: "westeurope" }, FAST);
    const r = await h.raw("POST", `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i/explode?api-version=${MSI}`);
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, "InvalidResourceType");
  });

  it("lists the namespaces of the definitions as registered providers", async () => {
    const p = await h.resources.providers.get("Microsoft.KeyVault");
    assert.equal(p.registrationState, "Registered");
    const vaults = p.resourceTypes?.find((t) => t.resourceType === "vaults");
    assert.deepEqual(vaults?.apiVersions, ["2026-02-01"]);
  });
});
