import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { FAST, rejection, startArm, type ArmHarness } from "./arm-harness.js";

const V2 = { location: "westeurope", kind: "StorageV2", sku: { name: "Standard_LRS" } } as const;

describe("ARM failed operations (faults) and persistence", () => {
  const open: ArmHarness[] = [];
  after(async () => {
    for (const h of open) await h.close().catch(() => {});
  });

  it("fails a storage creation as Azure does: the last poll is 200 with status Failed and the error, and no account is left", async () => {
    const h = await startArm({
      faults: [{ service: "arm", method: "PUT", path: "/storageAccounts/failacct", failOperation: { code: "StorageQuotaExceeded", message: "The subscription has reached its storage account quota." }, times: 2 }],
    });
    open.push(h);
    await h.resources.resourceGroups.createOrUpdate("rg-f", { location: "westeurope" });
    const put = await h.raw("PUT", `/subscriptions/${h.sub}/resourceGroups/rg-f/providers/Microsoft.Storage/storageAccounts/failacct1?api-version=2026-09-01`, { body: V2 });
    assert.equal(put.status, 202);
    const location = new URL(String(put.headers["location"]));
    let last = await h.raw("GET", location.pathname + location.search);
    while (last.status === 202) {
      await new Promise((r) => setTimeout(r, 10));
      last = await h.raw("GET", location.pathname + location.search);
    }
    // Azure/azure-rest-api-specs#18844: HTTP 200, the failure only in the body.
    assert.equal(last.status, 200);
    assert.deepEqual(last.json, { status: "Failed", error: { code: "StorageQuotaExceeded", message: "The subscription has reached its storage account quota." } });
    const gone = await h.raw("GET", `/subscriptions/${h.sub}/resourceGroups/rg-f/providers/Microsoft.Storage/storageAccounts/failacct1?api-version=2026-09-01`);
    assert.equal(gone.status, 404);
    assert.equal(gone.json.error.code, "StorageAccountNotFound");

    // So the SDK's poller (ResourceLocation mode: the HTTP status decides) reports success with an
    // account that has none of its fields, exactly the trap a client must detect.
    const sdk = await h.storage.storageAccounts.create("rg-f", "failacct2", V2, FAST);
    assert.equal(sdk.id, undefined);
    assert.equal(sdk.provisioningState, undefined);
    assert.equal((await rejection(h.storage.storageAccounts.getProperties("rg-f", "failacct2"))).statusCode, 404);

    // The fault was used up: the next creation succeeds.
    const ok = await h.storage.storageAccounts.create("rg-f", "failacct3", V2, FAST);
    assert.equal(ok.provisioningState, "Succeeded");
  });

  it("fails a container group operation: status Failed with the error, group left in provisioningState Failed", async () => {
    const h = await startArm({
      faults: [{ service: "arm", method: "PUT", path: "/containerGroups/fail-cg$", failOperation: { code: "InaccessibleImage", message: "The image 'nginx:nope' in container group 'fail-cg' is not accessible." } }],
    });
    open.push(h);
    await h.resources.resourceGroups.createOrUpdate("rg-f", { location: "westeurope" });
    const err = await rejection(
      h.aci.containerGroups.beginCreateOrUpdateAndWait("rg-f", "fail-cg", {
        location: "westeurope",
        osType: "Linux",
        containers: [{ name: "c", image: "nginx:nope", resources: { requests: { cpu: 1, memoryInGB: 1 } } }],
      }, FAST),
    );
    assert.match(err.message, /InaccessibleImage/);
    const g = await h.aci.containerGroups.get("rg-f", "fail-cg");
    assert.equal(g.provisioningState, "Failed");
  });

  it("keeps resources, keys and shares across a restart", async () => {
    const h1 = await startArm();
    await h1.resources.resourceGroups.createOrUpdate("rg-p", { location: "westeurope", tags: { keep: "yes" } });
    await h1.storage.storageAccounts.create("rg-p", "persistacct", V2, FAST);
    await h1.storage.fileShares.create("rg-p", "persistacct", "share1", { shareQuota: 10 });
    const keys = await h1.storage.storageAccounts.listKeys("rg-p", "persistacct");
    await h1.close({ keepData: true });
    assert.ok(existsSync(`${h1.dataDir}/arm/arm.json`));
    assert.equal((JSON.parse(readFileSync(`${h1.dataDir}/arm/arm.json`, "utf8")) as { version: number }).version, 1);

    const h2 = await startArm({ dataDir: h1.dataDir });
    open.push(h2);
    assert.deepEqual((await h2.resources.resourceGroups.get("rg-p")).tags, { keep: "yes" });
    const again = await h2.storage.storageAccounts.listKeys("rg-p", "persistacct");
    assert.deepEqual(again.keys?.map((k) => k.value), keys.keys?.map((k) => k.value));
    assert.equal((await h2.storage.fileShares.get("rg-p", "persistacct", "share1")).shareQuota, 10);
  });

  it("finishes an operation that was running when the emulator stopped", async () => {
    const h1 = await startArm({ lroStepMs: 150 });
    await h1.resources.resourceGroups.createOrUpdate("rg-mid", { location: "westeurope" });
    const put = await h1.raw("PUT", `/subscriptions/${h1.sub}/resourceGroups/rg-mid/providers/Microsoft.Storage/storageAccounts/midacct?api-version=2026-09-01`, { body: V2 });
    assert.equal(put.status, 202);
    await h1.close({ keepData: true });

    const h2 = await startArm({ dataDir: h1.dataDir, lroStepMs: 150 });
    open.push(h2);
    const location = new URL(String(put.headers["location"]));
    let poll = await h2.raw("GET", location.pathname + location.search);
    while (poll.status === 202) {
      await new Promise((r) => setTimeout(r, 20));
      poll = await h2.raw("GET", location.pathname + location.search);
    }
    assert.equal(poll.status, 200);
    assert.equal((await h2.storage.storageAccounts.getProperties("rg-mid", "midacct")).provisioningState, "Succeeded");
  });

  it("offers listResources() and getResource() to tests and the CLI", async () => {
    const h = await startArm();
    open.push(h);
    await h.resources.resourceGroups.createOrUpdate("rg-api", { location: "westeurope" });
    await h.storage.storageAccounts.create("rg-api", "apiacct", V2, FAST);
    const list = h.arm.listResources();
    assert.deepEqual(list.map((r) => [r.type, r.name, r.provisioningState]).sort(), [
      ["Microsoft.Resources/resourceGroups", "rg-api", "Succeeded"],
      ["Microsoft.Storage/storageAccounts", "apiacct", "Succeeded"],
    ]);
    const account = h.arm.getResource(`/subscriptions/${h.sub}/resourcegroups/RG-API/providers/microsoft.storage/storageaccounts/APIACCT`);
    assert.equal((account as { name: string }).name, "apiacct");
    assert.equal(h.arm.getResource(`/subscriptions/${h.sub}/resourceGroups/rg-api/providers/Microsoft.Storage/storageAccounts/nothere`), undefined);
  });
});
