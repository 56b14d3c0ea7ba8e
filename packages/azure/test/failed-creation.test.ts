/**
 * A failed storage account creation, as Azure reports it: the last poll answers HTTP 200 with
 * `{"status":"Failed","error":{code,message}}` and the account is rolled back
 * (Azure/azure-rest-api-specs#18844), which the SDK alone takes for success. The provider must
 * report the cloud's code and message and create nothing, both through its pipeline policy and,
 * should the envelope get through, through its check of the result.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ProviderError } from "@iac/sdk/provider";
import { AzureClients } from "../src/clients.js";
import { failedOperationOf } from "../src/failed-operation-policy.js";
import { randomSuffix } from "../src/naming.js";
import { TYPES, resolveSettings } from "../src/index.js";
import { storageAccountProvider } from "../src/storage-account-provider.js";
import { checkAndCreate, startHarness, type Harness } from "./local-cloud.js";

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

const QUOTA = { code: "StorageQuotaExceeded", message: "The subscription has reached its storage account quota." };

async function group(name: string): Promise<string> {
  const rg = await checkAndCreate(h, TYPES.resourceGroup, name, {});
  return rg.outputs.name as string;
}

async function accountsIn(rg: string): Promise<string[]> {
  const names: string[] = [];
  for await (const a of h.sdk.storage.storageAccounts.listByResourceGroup(rg)) names.push(a.name!);
  return names;
}

describe("a failed storage account creation", () => {
  it("is a ProviderError with the cloud's code and message, and leaves no account", async () => {
    const rg = await group("rg-fail-policy");
    const p = h.provider(TYPES.storageAccount);
    const ctx = h.ctx(TYPES.storageAccount, "quota");
    const checked = await p.check({ resourceGroupName: rg, sku: { name: "Standard_LRS" }, kind: "StorageV2" }, undefined, ctx);
    h.cloud.faults.add({ service: "arm", method: "PUT", path: "/storageAccounts/", failOperation: QUOTA, times: 1 });
    await assert.rejects(p.create(checked.inputs, ctx), (e: unknown) => {
      assert.ok(e instanceof ProviderError);
      assert.equal(e.code, "StorageQuotaExceeded");
      assert.match(e.message, /^Creating storage account "quota[a-z0-9]{8}" in resource group "rg-fail-policy-[a-z0-9]{8}" failed: StorageQuotaExceeded: The subscription has reached its storage account quota\./);
      return true;
    });
    assert.deepEqual(await accountsIn(rg), []);
  });

  it("is detected from the result even without the pipeline policy: the account is looked up and found gone", async () => {
    const rg = await group("rg-fail-verify");
    // The provider over clients whose storage pipeline lacks the policy, i.e. the SDK as it is.
    const clients = new AzureClients(resolveSettings({ config: { maxRetries: 1, retryDelayMs: 10 }, env: { IAC_LOCAL_ENDPOINTS: h.endpointsPath } }));
    const removed = (await clients.storage()).pipeline.removePolicy({ name: "iacFailedOperationPolicy" });
    assert.equal(removed.length, 1);
    const p = storageAccountProvider({ clients, random: randomSuffix });
    const ctx = h.ctx(TYPES.storageAccount, "rolledback");
    const checked = await p.check({ resourceGroupName: rg, sku: { name: "Standard_LRS" }, kind: "StorageV2" }, undefined, ctx);
    h.cloud.faults.add({ service: "arm", method: "PUT", path: "/storageAccounts/", failOperation: QUOTA, times: 1 });
    // The bare SDK would resolve here with an account that has no id: the provider must not.
    await assert.rejects(p.create(checked.inputs, ctx), (e: unknown) => {
      assert.ok(e instanceof ProviderError);
      assert.equal(e.code, "StorageAccountCreationFailed");
      assert.match(e.message, /Creating storage account "rolledback[a-z0-9]{8}".*does not exist.*Nothing was created/);
      return true;
    });
    assert.deepEqual(await accountsIn(rg), []);
  });

  it("does not mistake a successful creation for a failure", async () => {
    const rg = await group("rg-fail-none");
    const created = await checkAndCreate(h, TYPES.storageAccount, "fine", { resourceGroupName: rg, sku: { name: "Standard_LRS" }, kind: "StorageV2" });
    assert.equal(created.outputs.provisioningState, "Succeeded");
    assert.deepEqual(await accountsIn(rg), [created.inputs.accountName]);
  });
});

describe("failedOperationOf (the envelope's shape)", () => {
  const cases: readonly { readonly body: unknown; readonly expected: ReturnType<typeof failedOperationOf> }[] = [
    { body: { status: "Failed", error: QUOTA }, expected: QUOTA },
    { body: { status: "failed", error: { code: "X" } }, expected: { code: "X", message: "the operation ended in status Failed" } },
    { body: { status: "Failed" }, expected: { code: "OperationFailed", message: "the operation ended in status Failed" } },
    { body: { status: "Succeeded" }, expected: undefined },
    { body: { id: "/subscriptions/s/x", properties: {}, status: "Failed" }, expected: undefined },
    { body: { name: "acct", properties: { provisioningState: "Succeeded" } }, expected: undefined },
    { body: [], expected: undefined },
    { body: null, expected: undefined },
  ];
  for (const { body, expected } of cases) {
    it(`reads ${JSON.stringify(body)} as ${expected === undefined ? "no failure" : expected.code}`, () => {
      assert.deepEqual(failedOperationOf(body), expected);
    });
  }
});
