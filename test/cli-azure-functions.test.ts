/**
 * The generated modules' resource functions, lookups and secrets through `iac` on the local
 * cloud: a storage account's keys come back from `listStorageAccountKeys` as a secret (never in
 * plaintext in the stack's state or outputs), `getVirtualNetwork` reads a network the program
 * manages and says undefined for one that does not exist, and a Key Vault secret's value written
 * as a literal (which the definitions do not mark sensitive; the data does) never reaches `.iac/`. Needs the generic provider's transport
 * (branch wt-azure) and the local cloud's generic types and functions (branch wt-emu): it passes
 * once the three branches are merged, and fails on wt-spec alone.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { TestProject, show } from "./cli-fixture.js";

const program = `
import { ResourceGroup, StorageAccount } from "@iac/azure";
import { listStorageAccountKeys } from "@iac/azure/storage";
import { VirtualNetwork, getVirtualNetwork } from "@iac/azure/network";
const rg = new ResourceGroup("rg", {});
const account = new StorageAccount("data", { resourceGroupName: rg.name, sku: { name: "Standard_LRS" }, kind: "StorageV2" });
const keys = listStorageAccountKeys({ resourceGroupName: rg.name, storageAccountName: account.name });
const vnet = new VirtualNetwork("vnet", { resourceGroupName: rg.name, addressSpace: { addressPrefixes: ["10.0.0.0/16"] } });
const read = getVirtualNetwork({ resourceGroupName: rg.name, virtualNetworkName: vnet.virtualNetworkName });
const missing = getVirtualNetwork({ resourceGroupName: rg.name, virtualNetworkName: "no-such-network" });
export const firstKey = keys.apply((k) => k.keys?.[0]?.value);
export const keyCount = keys.apply((k) => k.keys?.length ?? 0);
export const prefixes = read.apply((v) => v?.addressSpace?.addressPrefixes);
export const readId = read.apply((v) => v?.id);
export const vnetId = vnet.id;
export const missingIsUndefined = missing.apply((v) => v === undefined);
`;

let project: TestProject;
before(async () => {
  project = await TestProject.create({ files: { "index.ts": program } });
});
after(async () => {
  await project.remove();
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

test("a function's keys are a secret output and a lookup reads a managed network", async () => {
  const up = await project.run(["up", "--local", "--yes"]);
  assert.equal(up.code, 0, show(up));
  const plain = JSON.parse((await project.run(["stack", "output", "--json"])).stdout) as Record<string, unknown>;
  // Everything computed from the keys is secret too.
  assert.equal(plain.firstKey, "[secret]");
  assert.equal(plain.keyCount, "[secret]");
  assert.deepEqual(plain.prefixes, ["10.0.0.0/16"]);
  assert.equal(String(plain.readId).toLowerCase(), String(plain.vnetId).toLowerCase());
  assert.equal(plain.missingIsUndefined, true);
  const shown = JSON.parse((await project.run(["stack", "output", "--json", "--show-secrets"])).stdout) as Record<string, unknown>;
  assert.equal(shown.keyCount, 2);
  const secretKey = shown.firstKey;
  assert.equal(typeof secretKey, "string");
  assert.ok(String(secretKey).length >= 20);
  for (const file of await filesUnder(join(project.dir, ".iac"))) {
    if (file.includes(`${join(".iac", "local")}`)) continue;
    assert.ok(!(await readFile(file, "utf8")).includes(String(secretKey)), `${file} holds the storage key in plaintext`);
  }
  const destroy = await project.run(["destroy", "--local", "--yes"]);
  assert.equal(destroy.code, 0, show(destroy));
});

test("a Key Vault secret's literal value never reaches .iac/, and a second preview finds no change", async () => {
  const literal = "hunter2-literal-in-a-program";
  const kv = await TestProject.create({
    files: {
      "index.ts": `
import { ResourceGroup } from "@iac/azure";
import { Vault, Secret } from "@iac/azure/keyvault";
const rg = new ResourceGroup("rg", {});
const kv = new Vault("kv", { resourceGroupName: rg.name, tenantId: "00000000-0000-0000-0000-000000000000", sku: { family: "A", name: "standard" } });
new Secret("s", { resourceGroupName: rg.name, vaultName: kv.vaultName, value: "${literal}" });
`,
    },
  });
  try {
    const up = await kv.run(["up", "--local", "--yes"]);
    assert.equal(up.code, 0, show(up));
    for (const file of await filesUnder(join(kv.dir, ".iac"))) {
      if (file.includes(join(".iac", "local"))) continue;
      assert.ok(!(await readFile(file, "utf8")).includes(literal), `${file} holds the secret's value in plaintext`);
    }
    const noop = await kv.run(["preview", "--local", "--expect-no-changes"]);
    assert.equal(noop.code, 0, show(noop));
  } finally {
    await kv.remove();
  }
});
