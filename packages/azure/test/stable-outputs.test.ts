/**
 * Each provider's `stableOutputs` (what preview shows unchanged for a resource to be updated)
 * holds against the local cloud: after every in-place update the diff allows, each listed output
 * has the value it had before. And an input that feeds a listed output of the same name cannot
 * change in place: a new or unknown value replaces, so the old value is never shown for it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { UNKNOWN, type PropertyMap, type PropertyValue } from "@iac/sdk/provider";
import { TYPES } from "../src/index.js";
import { checkAndCreate, startHarness, type Harness } from "./local-cloud.js";

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

/** The value at a dotted path (`primaryEndpoints.blob`). */
function valueAt(map: PropertyMap, path: string): PropertyValue | undefined {
  let cur: PropertyValue | undefined = map;
  for (const key of path.split(".")) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/**
 * Creates `type` from `inputs`, applies each change in turn as an in-place update (the diff must
 * not replace), and checks every stable output after each one. Returns what was checked.
 */
async function assertStableThroughUpdates(type: string, name: string, inputs: PropertyMap, changes: readonly PropertyMap[]): Promise<string[]> {
  const p = h.provider(type);
  const ctx = h.ctx(type, name);
  const stable = p.stableOutputs ?? [];
  assert.ok(stable.length > 0, `${type} declares stableOutputs`);
  const created = await checkAndCreate(h, type, name, inputs);
  let state = { inputs: created.inputs, outputs: created.outputs };
  const present = stable.filter((path) => valueAt(created.outputs, path) !== undefined);
  for (const change of changes) {
    const news = { ...state.inputs, ...change };
    const d = await p.diff!(created.id, state, news, ctx);
    assert.deepEqual([d.changes, d.replaces], [true, []], `${JSON.stringify(change)} updates ${type} in place`);
    const updated = await p.update(created.id, state, news, ctx);
    for (const path of present) {
      assert.deepEqual(valueAt(updated.outputs, path), valueAt(created.outputs, path), `${type} output ${path} after ${JSON.stringify(change)}`);
    }
    state = { inputs: news, outputs: updated.outputs };
  }
  return present;
}

/** Every stable top-level output that is also an input replaces when that input changes or is unknown. */
async function assertStableInputsReplace(type: string, name: string, inputs: PropertyMap, otherValues: Readonly<Record<string, PropertyValue>>): Promise<void> {
  const p = h.provider(type);
  const ctx = h.ctx(type, name);
  const checked = (await p.check(inputs, undefined, ctx)).inputs;
  const olds = { inputs: checked, outputs: {} };
  const echoed = (p.stableOutputs ?? []).filter((k) => !k.includes(".") && k in checked);
  assert.deepEqual(echoed.sort(), Object.keys(otherValues).sort(), `the stable outputs of ${type} that are inputs`);
  for (const k of echoed) {
    for (const value of [otherValues[k]!, UNKNOWN]) {
      const d = await p.diff!("id", olds, { ...checked, [k]: value }, ctx);
      assert.ok(d.replaces.includes(k), `${type}: ${k} = ${JSON.stringify(value)} replaces`);
    }
  }
}

async function group(name: string): Promise<string> {
  const rg = await checkAndCreate(h, TYPES.resourceGroup, name, {});
  return rg.outputs.name as string;
}

describe("stableOutputs", () => {
  it("resource group: id, name and location survive tag updates, and its name and location replace", async () => {
    const kept = await assertStableThroughUpdates(TYPES.resourceGroup, "rg-stable", { tags: { a: "1" } }, [{ tags: { a: "2" } }, { tags: {} }]);
    assert.deepEqual(kept, ["id", "name", "resourceGroupName", "location"]);
    await assertStableInputsReplace(TYPES.resourceGroup, "rg-stable", {}, { resourceGroupName: "other-rg", location: "northeurope" });
  });

  it("storage account: identity, tier, endpoints and key survive a PATCH of sku, tier, TLS and tags", async () => {
    const rg = await group("rg-sa-stable");
    const kept = await assertStableThroughUpdates(TYPES.storageAccount, "stable", { resourceGroupName: rg, sku: { name: "Standard_LRS" }, kind: "StorageV2" }, [
      { tags: { env: "dev" } },
      { sku: { name: "Standard_GRS" }, accessTier: "Cool", minimumTlsVersion: "TLS1_2" },
    ]);
    assert.ok(kept.includes("primaryKey") && kept.includes("primaryEndpoints.blob") && kept.includes("id"), kept.join(", "));
    await assertStableInputsReplace(TYPES.storageAccount, "stable", { resourceGroupName: rg, sku: { name: "Standard_LRS" }, kind: "StorageV2" }, {
      resourceGroupName: "other-rg",
      location: "northeurope",
    });
  });

  it("storage account: the upgrade from Storage to StorageV2 keeps the endpoints the account had", async () => {
    const rg = await group("rg-sa-upgrade");
    const kept = await assertStableThroughUpdates(TYPES.storageAccount, "upgrade", { resourceGroupName: rg, sku: { name: "Standard_LRS" }, kind: "Storage" }, [{ kind: "StorageV2" }]);
    assert.ok(kept.includes("primaryEndpoints.blob"), kept.join(", "));
  });

  it("file share: identity and protocols survive quota and metadata updates", async () => {
    const rg = await group("rg-fs-stable");
    const account = await checkAndCreate(h, TYPES.storageAccount, "fsstable", { resourceGroupName: rg, sku: { name: "Standard_LRS" }, kind: "StorageV2" });
    const inputs = { resourceGroupName: rg, accountName: account.inputs.accountName as string, shareQuota: 5 };
    await assertStableThroughUpdates(TYPES.fileShare, "share", inputs, [{ shareQuota: 10 }, { metadata: { owner: "web" } }]);
    await assertStableInputsReplace(TYPES.fileShare, "share", { ...inputs, enabledProtocols: "SMB" }, { resourceGroupName: "other-rg", accountName: "otheraccount", enabledProtocols: "NFS" });
  });

  it("container group: id, name, FQDN and IP address survive a tags update", async () => {
    const rg = await group("rg-cg-stable");
    const inputs: PropertyMap = {
      resourceGroupName: rg,
      osType: "Linux",
      restartPolicy: "Always",
      containers: [{ name: "web", image: "nginx:1.27", ports: [{ port: 80 }], resources: { requests: { cpu: 1, memoryInGB: 1 } } }],
      ipAddress: { type: "Public", ports: [{ port: 80, protocol: "TCP" }], dnsNameLabel: `stable-${Math.random().toString(36).slice(2, 10)}` },
    };
    const kept = await assertStableThroughUpdates(TYPES.containerGroup, "app", inputs, [{ tags: { env: "dev" } }]);
    for (const k of ["id", "name", "fqdn", "ipAddress"]) assert.ok(kept.includes(k), `${k} in ${kept.join(", ")}`);
    await assertStableInputsReplace(TYPES.containerGroup, "app", inputs, {
      resourceGroupName: "other-rg",
      location: "northeurope",
      osType: "Windows",
      restartPolicy: "Never",
      // The input is the address's settings, the output the address itself: the old address stays
      // right through an update (any change to the settings replaces).
      ipAddress: { type: "Public", ports: [{ port: 8080, protocol: "TCP" }] },
    });
  });
});
