import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { example, FAST, rejection, startArm, type ArmHarness } from "./arm-harness.js";

describe("ARM resource groups through @azure/arm-resources", () => {
  let h: ArmHarness;
  before(async () => {
    h = await startArm();
  });
  after(async () => {
    await h.close();
  });

  it("creates a group (201), then updates it with a second PUT (200)", async () => {
    const first = await h.raw("PUT", `/subscriptions/${h.sub}/resourcegroups/rg-raw?api-version=2025-04-01`, { body: { location: "westeurope" } });
    assert.equal(first.status, 201);
    const second = await h.raw("PUT", `/subscriptions/${h.sub}/resourcegroups/rg-raw?api-version=2025-04-01`, { body: { location: "westeurope", tags: { a: "b" } } });
    assert.equal(second.status, 200);
    assert.deepEqual(second.json.tags, { a: "b" });
    // The id says resourceGroups in camel case even though the path said resourcegroups.
    assert.equal(second.json.id, `/subscriptions/${h.sub}/resourceGroups/rg-raw`);
  });

  it("returns the shape of the ResourceGroups_Get example", async () => {
    await h.resources.resourceGroups.createOrUpdate("rg-shape", { location: "westus2" });
    const raw = await h.raw("GET", `/subscriptions/${h.sub}/resourcegroups/rg-shape?api-version=2025-04-01`);
    const expected = example("resources/ResourceGroups_Get.json").responses["200"].body;
    assert.deepEqual(Object.keys(raw.json).sort(), Object.keys(expected).sort());
    assert.equal(raw.json.type, expected.type);
    assert.deepEqual(raw.json.properties, { provisioningState: "Succeeded" });
  });

  it("creates, reads, patches and lists groups with the SDK", async () => {
    const created = await h.resources.resourceGroups.createOrUpdate("rg-sdk", { location: "West Europe", tags: { env: "test" } });
    assert.equal(created.location, "westeurope");
    assert.equal(created.properties?.provisioningState, "Succeeded");
    const got = await h.resources.resourceGroups.get("rg-sdk");
    assert.deepEqual(got.tags, { env: "test" });
    const patched = await h.resources.resourceGroups.update("rg-sdk", { tags: { env: "prod" } });
    assert.deepEqual(patched.tags, { env: "prod" });
    assert.equal(patched.location, "westeurope");
    const names: string[] = [];
    for await (const g of h.resources.resourceGroups.list()) names.push(g.name!);
    assert.ok(names.includes("rg-sdk"));
  });

  it("matches names case-insensitively and keeps the casing of the last PUT", async () => {
    await h.resources.resourceGroups.createOrUpdate("Rg-Case", { location: "westeurope" });
    const got = await h.resources.resourceGroups.get("RG-CASE");
    assert.equal(got.name, "Rg-Case");
    await h.resources.resourceGroups.createOrUpdate("RG-case", { location: "westeurope" });
    const again = await h.resources.resourceGroups.get("rg-case");
    assert.equal(again.name, "RG-case");
    assert.equal(again.id, `/subscriptions/${h.sub}/resourceGroups/RG-case`);
  });

  it("checks existence with HEAD: true for a group, false otherwise", async () => {
    await h.resources.resourceGroups.createOrUpdate("rg-exists", { location: "westeurope" });
    assert.equal((await h.resources.resourceGroups.checkExistence("rg-exists")).body, true);
    assert.equal((await h.resources.resourceGroups.checkExistence("rg-never")).body, false);
  });

  it("answers a missing group with 404 ResourceGroupNotFound", async () => {
    const err = await rejection(h.resources.resourceGroups.get("rg-missing"));
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, "ResourceGroupNotFound");
    assert.match(err.message, /Resource group 'rg-missing' could not be found/);
  });

  it("refuses a PUT that moves an existing group with 409 InvalidResourceGroupLocation", async () => {
    await h.resources.resourceGroups.createOrUpdate("rg-loc", { location: "westeurope" });
    const err = await rejection(h.resources.resourceGroups.createOrUpdate("rg-loc", { location: "eastus" }));
    assert.equal(err.statusCode, 409);
    assert.equal(err.code, "InvalidResourceGroupLocation");
    assert.match(err.message, /already exists in location 'westeurope'/);
  });

  it("refuses invalid group names with InvalidResourceGroup", async () => {
    for (const name of ["bad name!", "ends-with-dot.", "x".repeat(91)]) {
      const err = await rejection(h.resources.resourceGroups.createOrUpdate(name, { location: "westeurope" }));
      assert.equal(err.code, "InvalidResourceGroup", name);
      assert.equal(err.statusCode, 400);
    }
  });

  it("answers DELETE of a missing group with 404 ResourceGroupNotFound (no operation started)", async () => {
    const raw = await h.raw("DELETE", `/subscriptions/${h.sub}/resourcegroups/rg-never-was?api-version=2025-04-01`);
    assert.equal(raw.status, 404);
    assert.equal(raw.json.error.code, "ResourceGroupNotFound");
    assert.equal(raw.json.error.message, "Resource group 'rg-never-was' could not be found.");
    assert.equal(raw.headers["location"], undefined);
    const err = await rejection(h.resources.resourceGroups.delete("rg-never-was", FAST));
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, "ResourceGroupNotFound");
  });

  it("refuses a location that is not an Azure region", async () => {
    const err = await rejection(h.resources.resourceGroups.createOrUpdate("rg-mars", { location: "marsnorth" }));
    assert.equal(err.code, "LocationNotAvailableForResourceGroup");
  });

  it("deletes a group as a long-running operation: 202 + Location, polls 202, then 200 with an empty body", async () => {
    // This test sees the operation while it runs: phases of 30 ms can pass unseen on a loaded machine,
    // so it gets a local cloud whose phases last a second.
    const slow = await startArm({ lroStepMs: 1000 });
    after(() => slow.close());
    const h = slow;
    await h.resources.resourceGroups.createOrUpdate("rg-raw-delete", { location: "westeurope" });
    const del = await h.raw("DELETE", `/subscriptions/${h.sub}/resourcegroups/rg-raw-delete?api-version=2025-04-01`);
    assert.equal(del.status, 202);
    assert.equal(del.text, "");
    const location = new URL(String(del.headers["location"]));
    assert.match(location.pathname, new RegExp(`^/subscriptions/${h.sub}/operationresults/`));
    assert.equal(del.headers["retry-after"], "0");
    const during = await h.raw("GET", `/subscriptions/${h.sub}/resourcegroups/rg-raw-delete?api-version=2025-04-01`);
    assert.equal(during.json.properties.provisioningState, "Deleting");
    const statuses: number[] = [];
    let last;
    for (;;) {
      last = await h.raw("GET", location.pathname + location.search);
      statuses.push(last.status);
      if (last.status !== 202) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(statuses[0], 202);
    assert.equal(last.status, 200);
    assert.equal(last.text, "");
    assert.equal(last.headers["content-length"], "0");
    assert.equal((await h.raw("GET", `/subscriptions/${h.sub}/resourcegroups/rg-raw-delete?api-version=2025-04-01`)).status, 404);
  });

  it("deletes with the SDK poller and cascades to everything inside", async () => {
    await h.resources.resourceGroups.createOrUpdate("rg-cascade", { location: "westeurope" });
    await h.storage.storageAccounts.create("rg-cascade", "cascadesa1", { location: "westeurope", kind: "StorageV2", sku: { name: "Standard_LRS" } }, FAST);
    await h.storage.fileShares.create("rg-cascade", "cascadesa1", "share1", {});
    await h.aci.containerGroups.beginCreateOrUpdateAndWait("rg-cascade", "cg1", {
      location: "westeurope",
      osType: "Linux",
      containers: [{ name: "web", image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1 } } }],
    }, FAST);
    assert.equal(h.arm.listResources().filter((r) => r.id.toLowerCase().includes("/resourcegroups/rg-cascade")).length, 4);
    await h.resources.resourceGroups.delete("rg-cascade", FAST);
    assert.equal(h.arm.listResources().filter((r) => r.id.toLowerCase().includes("/resourcegroups/rg-cascade")).length, 0);
    const err = await rejection(h.storage.storageAccounts.getProperties("rg-cascade", "cascadesa1"));
    assert.equal(err.code, "ResourceGroupNotFound");
    // The name is free again once its account is gone.
    await h.resources.resourceGroups.createOrUpdate("rg-cascade2", { location: "westeurope" });
    await h.storage.storageAccounts.create("rg-cascade2", "cascadesa1", { location: "westeurope", kind: "StorageV2", sku: { name: "Standard_LRS" } }, FAST);
  });

  it("refuses writes into a group that is being deleted with 409 ResourceGroupBeingDeleted", async () => {
    await h.resources.resourceGroups.createOrUpdate("rg-going", { location: "westeurope" });
    const del = await h.raw("DELETE", `/subscriptions/${h.sub}/resourceGroups/rg-going?api-version=2025-04-01`);
    assert.equal(del.status, 202);
    const err = await rejection(h.storage.storageAccounts.create("rg-going", "goingsa1", { location: "westeurope", kind: "StorageV2", sku: { name: "Standard_LRS" } }, FAST));
    assert.equal(err.statusCode, 409);
    assert.equal(err.code, "ResourceGroupBeingDeleted");
  });

  it("answers DELETE of a missing group with 404 ResourceGroupNotFound, as Azure does", async () => {
    const res = await h.raw("DELETE", `/subscriptions/${h.sub}/resourcegroups/rg-nothing?api-version=2025-04-01`);
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, "ResourceGroupNotFound");
  });
});
