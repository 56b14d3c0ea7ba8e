import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { FAST, startArm, type ArmHarness } from "./arm-harness.js";

const open: ArmHarness[] = [];
after(async () => {
  for (const h of open.reverse()) await h.close();
});

/** Every file under `dir`, as text. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .map((f) => readFileSync(f, "latin1"));
}

test("storage account keys are never written to the local cloud's files, stay the same across a restart, and change when regenerated", async () => {
  const h1 = await startArm();
  await h1.resources.resourceGroups.createOrUpdate("rg-keys", { location: "westeurope" });
  await h1.storage.storageAccounts.create("rg-keys", "keysacct1", { location: "westeurope", kind: "StorageV2", sku: { name: "Standard_LRS" } }, FAST);
  const keys = (await h1.storage.storageAccounts.listKeys("rg-keys", "keysacct1")).keys!;
  assert.equal(keys.length, 2);
  const [key1, key2] = keys.map((k) => k.value!);
  assert.equal(key1!.length, 88);
  assert.notEqual(key1, key2);
  await h1.close({ keepData: true });
  for (const text of filesUnder(h1.dataDir)) {
    assert.ok(!text.includes(key1!) && !text.includes(key2!), "a storage key was found in the local cloud's files");
  }

  const h2 = await startArm({ dataDir: h1.dataDir });
  open.push(h2);
  const again = (await h2.storage.storageAccounts.listKeys("rg-keys", "keysacct1")).keys!.map((k) => k.value);
  assert.deepEqual(again, [key1, key2]);
  const regenerated = (await h2.storage.storageAccounts.regenerateKey("rg-keys", "keysacct1", { keyName: "key1" })).keys!.map((k) => k.value);
  assert.notEqual(regenerated[0], key1);
  assert.equal(regenerated[1], key2);
});
