/**
 * The factory's request side, against the real metadata and a recording ArmInvoker: the ids
 * lookups and functions address, their api-versions, bodies, the secrecy of credential results,
 * and the outputs a GET body is laid out into.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { azureSpec, loadModule, resourceByToken } from "@iac/azure-spec";
import { callFunction, fillId, functionIsSecret, outputNames, readResource, type ArmInvoker } from "../src/generic/define.js";

function recorder(answer: unknown): { arm: ArmInvoker; calls: unknown[] } {
  const calls: unknown[] = [];
  return {
    calls,
    arm: {
      subscriptionId: "sub-1",
      async get(request) {
        calls.push({ method: "GET", ...request });
        return answer;
      },
      async post(request) {
        calls.push({ method: "POST", ...request });
        return answer;
      },
    },
  };
}

it("calls a resource function by POST on the owner's id with its api-version, fixed parent names filled in", async () => {
  const storage = loadModule("storage");
  const fn = azureSpec.functionByExport("storage", "listStorageAccountKeys")!;
  const { arm, calls } = recorder({ keys: [{ keyName: "key1", value: "secret" }] });
  const result = await callFunction(storage, fn, { resourceGroupName: "rg", storageAccountName: "acct" }, arm);
  assert.deepEqual(result, { keys: [{ keyName: "key1", value: "secret" }] });
  assert.deepEqual(calls, [
    { method: "POST", id: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct", action: "listKeys", apiVersion: fn.apiVersion },
  ]);
  assert.equal(functionIsSecret(storage, fn), true);
});

it("sends a function's input properties as its body, and refuses args it does not take", async () => {
  const storage = loadModule("storage");
  const fn = azureSpec.functionByExport("storage", "regenerateStorageAccountKey")!;
  const { arm, calls } = recorder({});
  await callFunction(storage, fn, { resourceGroupName: "rg", storageAccountName: "acct", keyName: "key1" }, arm);
  assert.deepEqual((calls[0] as { body?: unknown }).body, { keyName: "key1" });
  await assert.rejects(callFunction(storage, fn, { resourceGroupName: "rg", storageAccountName: "acct", keyNmae: "key1" }, arm), (e: Error & { code?: string }) => e.code === "UnknownArgs" && /keyNmae/.test(e.message) && /keyName/.test(e.message));
  await assert.rejects(callFunction(storage, fn, { storageAccountName: "acct" }, arm), (e: Error & { code?: string }) => e.code === "MissingArgs" && /resourceGroupName/.test(e.message));
});

it("reads an existing resource by GET and lays the body out as the class's outputs", async () => {
  const vnet = resourceByToken("azure:network:VirtualNetwork")!;
  const body = { id: "/subscriptions/sub-1/x", name: "v", type: "Microsoft.Network/virtualNetworks", location: "westeurope", properties: { addressSpace: { addressPrefixes: ["10.0.0.0/16"] }, provisioningState: "Succeeded" } };
  const { arm, calls } = recorder(body);
  const state = await readResource(vnet, { resourceGroupName: "rg", virtualNetworkName: "v" }, arm);
  assert.deepEqual(calls, [{ method: "GET", id: "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", apiVersion: vnet.apiVersion }]);
  assert.equal(state?.location, "westeurope");
  assert.deepEqual(state?.addressSpace, { addressPrefixes: ["10.0.0.0/16"] });
  assert.equal(state?.provisioningState, "Succeeded");
  assert.equal(state?.virtualNetworkName, "v");
  assert.equal(state?.id, "/subscriptions/sub-1/x");
  assert.equal(await readResource(vnet, { resourceGroupName: "rg", virtualNetworkName: "gone" }, recorder(undefined).arm), undefined);
});

it("keeps a scope id whole and escapes names in ids", () => {
  assert.equal(
    fillId("{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}", { scope: "/subscriptions/s/resourceGroups/rg/", roleAssignmentName: "a b" }, "s"),
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments/a%20b",
  );
});

it("lists every returned property as an output, read-only ones included and write-only ones left out", () => {
  const names = outputNames(resourceByToken("azure:keyvault:Vault")!);
  for (const n of ["vaultName", "resourceGroupName", "name", "type", "location", "tags", "tenantId", "sku", "vaultUri", "provisioningState", "properties"]) assert.ok(names.includes(n), n);
  assert.ok(!names.includes("id") && !names.includes("urn"));
});
