/**
 * The lookups and key list of the four hand-written types, exported by `@iac/azure` under the
 * generated modules' names (issue 12, item 3), against the local cloud: what exists is read without
 * being managed, what does not is undefined, and the keys are a secret Output.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { inspectOutput } from "@iac/sdk";
import { setMonitor, type Monitor } from "@iac/sdk/runtime";
import { getContainerGroup, getFileShare, getResourceGroup, getStorageAccount, getStorageAccountOutput, listStorageAccountKeys, TYPES } from "../src/index.js";
import { checkAndCreate, startHarness, type Harness } from "./local-cloud.js";

let h: Harness;
let rg: string;
let account: string;
let primaryKey: string;
let share: string;
const previousEndpoints = process.env.IAC_LOCAL_ENDPOINTS;

before(async () => {
  h = await startHarness();
  // The lookups configure their own provider set from the stack config and the environment, as in a program.
  process.env.IAC_LOCAL_ENDPOINTS = h.endpointsPath;
  const monitor: Monitor = { project: "p", stack: "s", preview: false, config: {}, projectDir: "/tmp", reserve() {}, registerResource: () => Promise.reject(new Error("no resources here")), registerOutputs() {}, reportError() {} };
  setMonitor(monitor);
  rg = (await checkAndCreate(h, TYPES.resourceGroup, "lookups", {})).outputs.name as string;
  const sa = await checkAndCreate(h, TYPES.storageAccount, "lookups", { resourceGroupName: rg, sku: { name: "Standard_LRS" }, kind: "StorageV2" });
  account = sa.outputs.name as string;
  primaryKey = sa.outputs.primaryKey as string;
  share = (await checkAndCreate(h, TYPES.fileShare, "certs", { resourceGroupName: rg, accountName: account, shareQuota: 5 })).outputs.name as string;
});
after(async () => {
  setMonitor(undefined);
  if (previousEndpoints === undefined) delete process.env.IAC_LOCAL_ENDPOINTS;
  else process.env.IAC_LOCAL_ENDPOINTS = previousEndpoints;
  await h?.close();
});

describe("lookups and list functions of the hand-written types", () => {
  it("reads a resource group, a storage account (by accountName or storageAccountName) and a file share without managing them", async () => {
    const group = (await inspectOutput(getResourceGroup({ resourceGroupName: rg }))).value;
    assert.equal(group?.name, rg);
    assert.equal(group?.location, "westeurope");
    const byAccountName = (await inspectOutput(getStorageAccount({ resourceGroupName: rg, accountName: account }))).value;
    assert.equal(byAccountName?.name, account);
    assert.equal(byAccountName?.kind, "StorageV2");
    assert.match(String(byAccountName?.primaryEndpoints?.blob), new RegExp(`^https://${account}\\.blob\\.`));
    const byGeneratedName = (await inspectOutput(getStorageAccountOutput({ resourceGroupName: rg, storageAccountName: account }))).value;
    assert.equal(byGeneratedName?.id, byAccountName?.id);
    const fileShare = (await inspectOutput(getFileShare({ resourceGroupName: rg, accountName: account, shareName: share }))).value;
    assert.equal(fileShare?.shareQuota, 5);
  });

  it("answers undefined for what does not exist", async () => {
    // getContainerGroup sends the api-version of the type definitions (2026-07-01).
    assert.equal((await inspectOutput(getContainerGroup({ resourceGroupName: rg, containerGroupName: "no-such-group" }))).value, undefined);
    assert.equal((await inspectOutput(getResourceGroup({ resourceGroupName: "no-such-group" }))).value, undefined);
  });

  it("reads a container group", async () => {
    const created = await checkAndCreate(h, TYPES.containerGroup, "lookups", {
      resourceGroupName: rg,
      osType: "Linux",
      containers: [{ name: "web", image: "nginx:1.27", resources: { requests: { cpu: 1, memoryInGB: 1 } } }],
    });
    const group = (await inspectOutput(getContainerGroup({ resourceGroupName: rg, containerGroupName: created.outputs.name as string }))).value;
    assert.equal(group?.name, created.outputs.name);
    assert.equal(group?.containers?.[0]?.properties?.image, "nginx:1.27");
    assert.equal(group?.containers?.[0]?.properties?.instanceView?.currentState?.state, "Running");
  });

  it("lists a storage account's keys as a secret Output", async () => {
    const keys = await inspectOutput(listStorageAccountKeys({ resourceGroupName: rg, accountName: account }));
    assert.equal(keys.secret, true);
    assert.equal(keys.value?.keys?.find((k) => k.keyName === "key1")?.value, primaryKey);
  });
});
