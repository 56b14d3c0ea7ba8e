/**
 * `find` resolves a create that a crash interrupted by what the cloud can really tell (issue 8,
 * item 2): a storage account the cloud is still making is invisible to GET and to listings, so
 * `find` must wait for it (and adopt it) rather than answer "absent", which would make the engine
 * create a second, autonamed account. Against the local cloud with slow long-running operations.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { armServiceFactory } from "@iac/emulator";
import { ProviderError } from "@iac/sdk/provider";
import { TYPES } from "../src/index.js";
import { checkAndCreate, startHarness, type Harness } from "./local-cloud.js";

/** Each step of an operation takes this long: a storage account creation (two steps) ~1.2 s. */
const STEP_MS = 600;

let h: Harness;
before(async () => {
  h = await startHarness({ arm: armServiceFactory({ lroStepMs: STEP_MS }) });
});
after(async () => {
  await h?.close();
});

async function group(name: string): Promise<string> {
  const rg = await checkAndCreate(h, TYPES.resourceGroup, name, {});
  return rg.outputs.name as string;
}

async function accountsIn(rg: string): Promise<string[]> {
  const names: string[] = [];
  for await (const a of h.sdk.storage.storageAccounts.listByResourceGroup(rg)) names.push(a.name!);
  return names;
}

/** Checked inputs of a storage account, and the PUT the killed run had sent (the cloud now making it). */
async function accountBeingCreated(rg: string, name: string) {
  const p = h.provider(TYPES.storageAccount);
  const checked = await p.check({ resourceGroupName: rg, sku: { name: "Standard_LRS" }, kind: "StorageV2" }, undefined, h.ctx(TYPES.storageAccount, name));
  const accountName = checked.inputs.accountName as string;
  // The test's own client starts the creation and never waits for it: the run that sent it is gone.
  await h.sdk.storage.storageAccounts.beginCreate(rg, accountName, { sku: { name: "Standard_LRS" }, kind: "StorageV2", location: "westeurope" });
  return { p, inputs: checked.inputs, accountName };
}

describe("find after an interrupted storage account creation", () => {
  it("waits while the cloud is still making the account, then adopts it: no second account", async () => {
    const rg = await group("rg-find-wait");
    const { p, inputs, accountName } = await accountBeingCreated(rg, "inflight");
    // The trap: right now the account is invisible to GET and to the listing.
    await assert.rejects(h.sdk.storage.storageAccounts.getProperties(rg, accountName), (e: { statusCode?: number }) => e.statusCode === 404);
    assert.deepEqual(await accountsIn(rg), []);

    const found = await p.find!(inputs, h.ctx(TYPES.storageAccount, "inflight"));
    assert.ok(found, "find must not answer absent while the account is being created");
    assert.equal(found.id, `/subscriptions/${h.cloud.endpoints.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Storage/storageAccounts/${accountName}`);
    assert.equal(found.outputs.provisioningState, "Succeeded");
    assert.equal(typeof found.outputs.primaryKey, "string");
    assert.deepEqual(await accountsIn(rg), [accountName]);
    assert.ok(h.logs.some((m) => m.includes(`waiting for the cloud to finish the interrupted create of storage account "${accountName}"`)), "the wait is shown");
  });

  it("throws CreateInFlight, never absent, when the creation outlasts the create timeout", async () => {
    const rg = await group("rg-find-timeout");
    const { p, inputs, accountName } = await accountBeingCreated(rg, "slow");
    await assert.rejects(p.find!(inputs, h.ctx(TYPES.storageAccount, "slow", { create: 100 })), (e: unknown) => {
      assert.ok(e instanceof ProviderError);
      assert.equal(e.code, "CreateInFlight");
      assert.match(e.message, new RegExp(`interrupted create of storage account "${accountName}" in resource group "${rg}" cannot be resolved yet`));
      return true;
    });
  });

  it("answers absent at once when the name is free (the PUT never reached the cloud)", async () => {
    const rg = await group("rg-find-none");
    const p = h.provider(TYPES.storageAccount);
    const checked = await p.check({ resourceGroupName: rg, sku: { name: "Standard_LRS" }, kind: "StorageV2" }, undefined, h.ctx(TYPES.storageAccount, "never"));
    assert.equal(await p.find!(checked.inputs, h.ctx(TYPES.storageAccount, "never", { create: 60_000 })), undefined);
  });

  it("answers absent when Azure rolled the failed creation back", async () => {
    const rg = await group("rg-find-rolledback");
    h.cloud.faults.add({ service: "arm", method: "PUT", path: "/storageAccounts/", failOperation: { code: "StorageQuotaExceeded", message: "quota" }, times: 1 });
    const { p, inputs } = await accountBeingCreated(rg, "failed");
    assert.equal(await p.find!(inputs, h.ctx(TYPES.storageAccount, "failed")), undefined);
    assert.deepEqual(await accountsIn(rg), []);
  });
});

describe("find after an interrupted container group creation", () => {
  it("waits for the group's deployment to end and adopts it with its address", async () => {
    const rg = await group("rg-find-cg");
    const p = h.provider(TYPES.containerGroup);
    const checked = await p.check(
      {
        resourceGroupName: rg,
        osType: "Linux",
        containers: [{ name: "web", image: "nginx", ports: [{ port: 80 }], resources: { requests: { cpu: 1, memoryInGB: 1 } } }],
        ipAddress: { type: "Public", ports: [{ port: 80, protocol: "TCP" }] },
      },
      undefined,
      h.ctx(TYPES.containerGroup, "web"),
    );
    assert.deepEqual(checked.failures, []);
    const name = checked.inputs.containerGroupName as string;
    await h.sdk.containers.containerGroups.beginCreateOrUpdate(rg, name, {
      location: "westeurope",
      osType: "Linux",
      containers: [{ name: "web", image: "nginx", ports: [{ port: 80 }], resources: { requests: { cpu: 1, memoryInGB: 1 } } }],
      ipAddress: { type: "Public", ports: [{ port: 80, protocol: "TCP" }] },
    });
    assert.notEqual((await h.sdk.containers.containerGroups.get(rg, name)).provisioningState, "Succeeded", "the group is still deploying");
    const found = await p.find!(checked.inputs, h.ctx(TYPES.containerGroup, "web"));
    assert.ok(found);
    assert.equal(found.outputs.provisioningState, "Succeeded");
    assert.match(String((found.outputs.ipAddress as { ip?: string }).ip), /^\d+\.\d+\.\d+\.\d+$/);
  });
});
