/**
 * The providers against the local cloud, through the real SDK clients: create each kind, read it
 * back through ARM, update in place, defaults and write-only secrets not reported as drift, a
 * resource deleted outside iac reads as gone, delete twice, failed operations and throttling.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ProviderError, type PropertyMap } from "@iac/sdk/provider";
import { iacProviders, TYPES } from "../src/index.js";
import { checkAndCreate, startHarness, type Harness } from "./local-cloud.js";

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

const RG = TYPES.resourceGroup;
const SA = TYPES.storageAccount;
const FS = TYPES.fileShare;
const CG = TYPES.containerGroup;

async function group(name: string): Promise<string> {
  const rg = await checkAndCreate(h, RG, name, {});
  return rg.outputs.name as string;
}

function containerGroupInputs(rg: string, volume: { account: string; share: string; key: string }): PropertyMap {
  return {
    resourceGroupName: rg,
    osType: "Linux",
    containers: [
      {
        name: "web",
        image: "ghcr.io/example/web:1",
        ports: [{ port: 80 }, { port: 443 }],
        resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
        environmentVariables: [
          { name: "MODE", value: "prod" },
          { name: "TOKEN", secureValue: "very-secret-token" },
        ],
        volumeMounts: [{ name: "certs", mountPath: "/.local/share/certmagic" }],
      },
      { name: "redis", image: "redis:7", resources: { requests: { cpu: 0.5, memoryInGB: 0.5 } }, ports: [{ port: 6379 }] },
    ],
    ipAddress: { type: "Public", ports: [{ port: 80, protocol: "TCP" }, { port: 443, protocol: "TCP" }], dnsNameLabel: `app-${Math.random().toString(36).slice(2, 10)}` },
    volumes: [{ name: "certs", azureFile: { shareName: volume.share, storageAccountName: volume.account, storageAccountKey: volume.key } }],
  };
}

describe("resource group", () => {
  it("creates a group that ARM then holds, with the ARM id as the engine id", async () => {
    const created = await checkAndCreate(h, RG, "rg-create", { tags: { app: "test" } });
    const name = created.inputs.resourceGroupName as string;
    assert.match(name, /^rg-create-[a-z0-9]{8}$/);
    assert.equal(created.id, `/subscriptions/${h.cloud.endpoints.subscriptionId}/resourceGroups/${name}`);
    const live = await h.sdk.resources.resourceGroups.get(name);
    assert.equal(live.location, "westeurope");
    assert.deepEqual(live.tags, { app: "test" });
  });

  it("updates tags in place and reads them back without drift", async () => {
    const p = h.provider(RG);
    const ctx = h.ctx(RG, "rg-tags");
    const created = await checkAndCreate(h, RG, "rg-tags", { tags: { a: "1" } });
    const news = { ...created.inputs, tags: { a: "2", b: "3" } };
    const d = await p.diff!(created.id, { inputs: created.inputs, outputs: created.outputs }, news, ctx);
    assert.deepEqual(d.replaces, []);
    const updated = await p.update(created.id, { inputs: created.inputs, outputs: created.outputs }, news, ctx);
    assert.deepEqual(updated.outputs.tags, { a: "2", b: "3" });
    const read = await p.read(created.id, { inputs: news, outputs: updated.outputs }, ctx);
    assert.deepEqual(read?.inputs, news);
    assert.deepEqual((await h.sdk.resources.resourceGroups.get(created.inputs.resourceGroupName as string)).tags, { a: "2", b: "3" });
  });

  it("reports a tag added outside iac as drift", async () => {
    const p = h.provider(RG);
    const ctx = h.ctx(RG, "rg-drift");
    const created = await checkAndCreate(h, RG, "rg-drift", { tags: { a: "1" } });
    const name = created.inputs.resourceGroupName as string;
    await h.sdk.resources.resourceGroups.update(name, { tags: { a: "1", intruder: "x" } });
    const read = await p.read(created.id, { inputs: created.inputs, outputs: created.outputs }, ctx);
    const d = await p.diff!(created.id, { inputs: read!.inputs, outputs: read!.outputs }, created.inputs, ctx);
    assert.deepEqual(d.detailed.map((x) => [x.path, x.kind]), [["tags.intruder", "delete"]]);
  });

  it("refuses to create over an existing group and finds it instead", async () => {
    const p = h.provider(RG);
    const ctx = h.ctx(RG, "rg-exists");
    const created = await checkAndCreate(h, RG, "rg-exists", {});
    await assert.rejects(p.create(created.inputs, ctx), (e: ProviderError) => e.code === "Conflict" && /already exists/.test(e.message));
    const found = await p.find!(created.inputs, ctx);
    assert.equal(found?.id, created.id);
    assert.equal(await p.find!({ ...created.inputs, resourceGroupName: "never-created-rg" }, ctx), undefined);
  });

  it("deletes a group, then reads it as gone, and deletes it again without error", async () => {
    const p = h.provider(RG);
    const ctx = h.ctx(RG, "rg-delete");
    const created = await checkAndCreate(h, RG, "rg-delete", {});
    const state = { inputs: created.inputs, outputs: created.outputs };
    await p.delete(created.id, state, ctx);
    assert.equal((await h.sdk.resources.resourceGroups.checkExistence(created.inputs.resourceGroupName as string)).body, false);
    assert.equal(await p.read(created.id, state, ctx), undefined);
    await p.delete(created.id, state, ctx);
  });
});

describe("storage account and file share", () => {
  it("creates an account with a generated name; primaryKey is key1 and is a secret output", async () => {
    const rg = await group("rg-sa");
    const p = h.provider(SA);
    assert.deepEqual(p.secretOutputs, ["primaryKey"]);
    const created = await checkAndCreate(h, SA, "web-data", { resourceGroupName: rg, sku: { name: "Standard_LRS" }, kind: "StorageV2" });
    const name = created.inputs.accountName as string;
    assert.match(name, /^webdata[a-z0-9]{8}$/);
    const keys = await h.sdk.storage.storageAccounts.listKeys(rg, name);
    assert.equal(created.outputs.primaryKey, keys.keys![0]!.value);
    assert.match(String((created.outputs.primaryEndpoints as PropertyMap).file), new RegExp(`^https://${name}\\.file\\.`));
    assert.equal((await h.sdk.storage.storageAccounts.getProperties(rg, name)).provisioningState, "Succeeded");
    assert.ok(h.logs.every((l) => !l.includes(String(created.outputs.primaryKey))), "the key never appears in logs");
  });

  it("does not report server-filled defaults as drift, and updates the access tier in place", async () => {
    const rg = await group("rg-sa-update");
    const p = h.provider(SA);
    const ctx = h.ctx(SA, "acct");
    const created = await checkAndCreate(h, SA, "acct", { resourceGroupName: rg, location: "West Europe", sku: { name: "Standard_LRS" }, kind: "StorageV2" });
    const read = await p.read(created.id, { inputs: created.inputs, outputs: created.outputs }, ctx);
    assert.deepEqual(read?.inputs, created.inputs, "the live account, cut to what the user set, equals the inputs");
    const news = { ...created.inputs, accessTier: "Cool", sku: { name: "Standard_GRS" } };
    const d = await p.diff!(created.id, read!, news, ctx);
    assert.deepEqual([d.changes, d.replaces], [true, []]);
    await p.update(created.id, read!, news, ctx);
    const live = await h.sdk.storage.storageAccounts.getProperties(rg, created.inputs.accountName as string);
    assert.equal(live.accessTier, "Cool");
    assert.equal(live.sku?.name, "Standard_GRS");
  });

  it("creates, updates and deletes a share, and reads it as gone once deleted outside iac", async () => {
    const rg = await group("rg-share");
    const account = await checkAndCreate(h, SA, "shares", { resourceGroupName: rg, sku: { name: "Standard_LRS" }, kind: "StorageV2" });
    const accountName = account.inputs.accountName as string;
    const p = h.provider(FS);
    const ctx = h.ctx(FS, "certs");
    const created = await checkAndCreate(h, FS, "certs", { resourceGroupName: rg, accountName, shareQuota: 5 });
    const shareName = created.inputs.shareName as string;
    assert.match(shareName, /^certs-[a-z0-9]{8}$/);
    assert.equal((await h.sdk.storage.fileShares.get(rg, accountName, shareName)).shareQuota, 5);
    const read = await p.read(created.id, { inputs: created.inputs, outputs: created.outputs }, ctx);
    assert.deepEqual(read?.inputs, created.inputs);
    const news = { ...created.inputs, shareQuota: 10, metadata: { owner: "web" } };
    const updated = await p.update(created.id, read!, news, ctx);
    assert.equal(updated.outputs.shareQuota, 10);
    assert.deepEqual((await h.sdk.storage.fileShares.get(rg, accountName, shareName)).metadata, { owner: "web" });
    await h.sdk.storage.fileShares.delete(rg, accountName, shareName);
    assert.equal(await p.read(created.id, { inputs: news, outputs: updated.outputs }, ctx), undefined);
    await p.delete(created.id, { inputs: news, outputs: updated.outputs }, ctx);
  });

  it("deletes an account twice without error", async () => {
    const rg = await group("rg-sa-delete");
    const p = h.provider(SA);
    const ctx = h.ctx(SA, "gone");
    const created = await checkAndCreate(h, SA, "gone", { resourceGroupName: rg, sku: { name: "Standard_LRS" }, kind: "StorageV2" });
    const state = { inputs: created.inputs, outputs: created.outputs };
    await p.delete(created.id, state, ctx);
    await p.delete(created.id, state, ctx);
    assert.equal(await p.read(created.id, state, ctx), undefined);
  });

  it("reports a failed creation with the cloud's code and leaves no account", async () => {
    const rg = await group("rg-sa-fail");
    const p = h.provider(SA);
    const ctx = h.ctx(SA, "failing");
    const checked = await p.check({ resourceGroupName: rg, sku: { name: "Standard_LRS" }, kind: "StorageV2" }, undefined, ctx);
    h.cloud.faults.add({ service: "arm", method: "PUT", path: "/storageAccounts/", failOperation: { code: "StorageQuotaExceeded", message: "The subscription has reached its storage account quota." }, times: 1 });
    await assert.rejects(p.create(checked.inputs, ctx), (e: ProviderError) => {
      assert.equal(e.code, "StorageQuotaExceeded");
      assert.match(e.message, /reached its storage account quota/);
      return true;
    });
    const names: string[] = [];
    for await (const a of h.sdk.storage.storageAccounts.listByResourceGroup(rg)) names.push(a.name!);
    assert.deepEqual(names, []);
  });
});

describe("container group", () => {
  async function prerequisites(prefix: string) {
    const rg = await group(`rg-${prefix}`);
    const account = await checkAndCreate(h, SA, `${prefix}sa`, { resourceGroupName: rg, sku: { name: "Standard_LRS" }, kind: "StorageV2" });
    const share = await checkAndCreate(h, FS, `${prefix}-share`, { resourceGroupName: rg, accountName: account.inputs.accountName as string });
    return { rg, volume: { account: account.inputs.accountName as string, share: share.inputs.shareName as string, key: account.outputs.primaryKey as string } };
  }

  it("creates a group with two containers, ports 80 and 443, a share mounted and a DNS label", async () => {
    const { rg, volume } = await prerequisites("cg");
    const inputs = containerGroupInputs(rg, volume);
    const created = await checkAndCreate(h, CG, "realtime", inputs);
    const name = created.inputs.containerGroupName as string;
    assert.match(name, /^realtime-[a-z0-9]{8}$/);
    const label = (inputs.ipAddress as PropertyMap).dnsNameLabel as string;
    assert.ok(String(created.outputs.fqdn).startsWith(`${label}.`), `fqdn ${created.outputs.fqdn} starts with the label`);
    const live = await h.sdk.containers.containerGroups.get(rg, name);
    // The IP address is an object as ARM (and Pulumi) shape it, not the bare address.
    const ip = created.outputs.ipAddress as PropertyMap;
    assert.match(String(ip.ip), /^\d+\.\d+\.\d+\.\d+$/);
    assert.deepEqual({ ...ip, ports: (ip.ports as PropertyMap[]).map((p) => p.port) }, { ip: live.ipAddress?.ip, fqdn: created.outputs.fqdn, ports: [80, 443], type: "Public", dnsNameLabel: label });
    assert.equal(live.provisioningState, "Succeeded");
    assert.deepEqual(live.containers.map((c) => c.name), ["web", "redis"]);
    assert.deepEqual(live.ipAddress?.ports.map((p) => p.port), [80, 443]);
    assert.equal(live.volumes?.[0]?.azureFile?.storageAccountKey, undefined, "ARM never returns the key");
    assert.ok(!JSON.stringify(created.outputs).includes(volume.key), "outputs hold no key");
    assert.ok(!JSON.stringify(created.outputs).includes("very-secret-token"), "outputs hold no secure value");
  });

  it("keeps write-only secrets on read, so they are not drift, and re-sends them on a tags update", async () => {
    const { rg, volume } = await prerequisites("cgsec");
    const p = h.provider(CG);
    const ctx = h.ctx(CG, "app");
    const created = await checkAndCreate(h, CG, "app", containerGroupInputs(rg, volume));
    const read = await p.read(created.id, { inputs: created.inputs, outputs: created.outputs }, ctx);
    assert.deepEqual(read?.inputs, created.inputs);
    const noChange = await p.diff!(created.id, read!, created.inputs, ctx);
    assert.equal(noChange.changes, false);
    const news = { ...created.inputs, tags: { env: "dev" } };
    const d = await p.diff!(created.id, read!, news, ctx);
    assert.deepEqual([d.changes, d.replaces], [true, []]);
    await p.update(created.id, read!, news, ctx);
    // The emulator checks the azureFile key against the account's keys on every PUT: the update
    // succeeding proves the key was re-sent.
    assert.deepEqual((await h.sdk.containers.containerGroups.get(rg, created.inputs.containerGroupName as string)).tags, { env: "dev" });
  });

  it("sends private registry credentials, and keeps the password the service never returns", async () => {
    const { rg, volume } = await prerequisites("cgreg");
    const p = h.provider(CG);
    const ctx = h.ctx(CG, "private");
    const creds = [{ server: "myregistry.azurecr.io", username: "pull", password: "registry-pass-1" }];
    const created = await checkAndCreate(h, CG, "private", { ...containerGroupInputs(rg, volume), imageRegistryCredentials: creds });
    const live = await h.sdk.containers.containerGroups.get(rg, created.inputs.containerGroupName as string);
    assert.deepEqual(live.imageRegistryCredentials?.map((c) => [c.server, c.username, c.password]), [["myregistry.azurecr.io", "pull", undefined]]);
    const read = await p.read(created.id, { inputs: created.inputs, outputs: created.outputs }, ctx);
    assert.deepEqual(read?.inputs.imageRegistryCredentials, creds);
    assert.equal((await p.diff!(created.id, read!, created.inputs, ctx)).changes, false);
  });

  it("reports a failed deployment with the cloud's code and removes the failed group", async () => {
    const { rg, volume } = await prerequisites("cgfail");
    const p = h.provider(CG);
    const ctx = h.ctx(CG, "broken");
    const checked = await p.check(containerGroupInputs(rg, volume), undefined, ctx);
    h.cloud.faults.add({ service: "arm", method: "PUT", path: "/containerGroups/", failOperation: { code: "InaccessibleImage", message: "The image 'ghcr.io/example/web:1' in container group is not accessible." }, times: 1 });
    await assert.rejects(p.create(checked.inputs, ctx), (e: ProviderError) => {
      assert.equal(e.code, "InaccessibleImage");
      assert.match(e.message, /not accessible/);
      return true;
    });
    const name = checked.inputs.containerGroupName as string;
    await assert.rejects(h.sdk.containers.containerGroups.get(rg, name), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  it("reports a share that cannot mount (a wrong key) as a failed create with ACI's event code, and removes the group", async () => {
    const { rg, volume } = await prerequisites("cgmount");
    const p = h.provider(CG);
    const ctx = h.ctx(CG, "mount");
    // A key of the right shape that is not one of the account's: ACI accepts the PUT, the deployment fails.
    const wrongKey = Buffer.from("not-this-account-key-".repeat(3)).toString("base64");
    const checked = await p.check(containerGroupInputs(rg, { ...volume, key: wrongKey }), undefined, ctx);
    assert.deepEqual(checked.failures, []);
    await assert.rejects(p.create(checked.inputs, ctx), (e: ProviderError) => {
      assert.equal(e.code, "FailedMountAzureFileVolume");
      assert.match(e.message, /Failed to mount Azure File Volume 'certs'.*Permission denied.*key1 or key2/);
      assert.ok(!e.message.includes(wrongKey), "the key is never in the message");
      return true;
    });
    const name = checked.inputs.containerGroupName as string;
    await assert.rejects(h.sdk.containers.containerGroups.get(rg, name), (e: { statusCode?: number }) => e.statusCode === 404);
    assert.ok(!h.logs.some((l) => l.includes(wrongKey)), "the key is never logged");
  });

  it("replaces on a cpu change because the cloud refuses it in place", async () => {
    const { rg, volume } = await prerequisites("cgcpu");
    const p = h.provider(CG);
    const ctx = h.ctx(CG, "cpu");
    const created = await checkAndCreate(h, CG, "cpu", containerGroupInputs(rg, volume));
    const containers = structuredClone(created.inputs.containers) as { resources: { requests: { cpu: number } } }[];
    containers[0]!.resources.requests.cpu = 2;
    const news = { ...created.inputs, containers } as PropertyMap;
    const d = await p.diff!(created.id, { inputs: created.inputs, outputs: created.outputs }, news, ctx);
    assert.deepEqual(d.replaces, ["containers"]);
    assert.equal(d.detailed[0]?.path, "containers[0].resources.requests.cpu");
    // What an in-place update would meet: the service's refusal.
    await assert.rejects(p.update(created.id, { inputs: created.inputs, outputs: created.outputs }, news, ctx), (e: ProviderError) => e.code === "Conflict" && /must delete it first/.test(e.message));
  });

  it("reads a group deleted outside iac as gone and deletes it twice without error", async () => {
    const { rg, volume } = await prerequisites("cggone");
    const p = h.provider(CG);
    const ctx = h.ctx(CG, "gone");
    const created = await checkAndCreate(h, CG, "gone", containerGroupInputs(rg, volume));
    await h.sdk.containers.containerGroups.beginDeleteAndWait(rg, created.inputs.containerGroupName as string, { updateIntervalInMs: 20 });
    const state = { inputs: created.inputs, outputs: created.outputs };
    assert.equal(await p.read(created.id, state, ctx), undefined);
    await p.delete(created.id, state, ctx);
    await p.delete(created.id, state, ctx);
  });
});

describe("iacProviders", () => {
  it("configures itself for the local cloud from IAC_LOCAL_ENDPOINTS and serves the four types", async () => {
    const previous = process.env.IAC_LOCAL_ENDPOINTS;
    process.env.IAC_LOCAL_ENDPOINTS = h.endpointsPath;
    try {
      const set = await iacProviders.configure({}, { projectDir: process.cwd(), stack: "test", log: h.ctx(RG, "x").log });
      assert.equal(iacProviders.package, "azure");
      for (const type of Object.values(TYPES)) assert.ok(set.provider(type), type);
      // Every other type of the definitions is the generic provider's; a token they do not know has none.
      assert.ok(set.provider("azure:compute:VirtualMachine"));
      assert.equal(set.provider("azure:compute:NoSuchMachine"), undefined);
      assert.equal(set.provider("aws:ec2:Instance"), undefined);
      const created = await set.provider(RG)!.create({ resourceGroupName: "via-module", location: "westeurope" }, h.ctx(RG, "via-module"));
      assert.equal((await h.sdk.resources.resourceGroups.get("via-module")).id, created.id);
    } finally {
      if (previous === undefined) delete process.env.IAC_LOCAL_ENDPOINTS;
      else process.env.IAC_LOCAL_ENDPOINTS = previous;
    }
  });
});

describe("throttling and transient failures", () => {
  it("retries a 429 with Retry-After and a 500 until the call succeeds", async () => {
    const created = await checkAndCreate(h, RG, "rg-throttle", {});
    const p = h.provider(RG);
    h.cloud.faults.add({ service: "arm", method: "GET", path: "/resourcegroups/rg-throttle", status: 429, retryAfterSeconds: 0, times: 2 });
    h.cloud.faults.add({ service: "arm", method: "GET", path: "/resourcegroups/rg-throttle", status: 500, times: 1 });
    const read = await p.read(created.id, { inputs: created.inputs, outputs: created.outputs }, h.ctx(RG, "rg-throttle"));
    assert.equal(read?.outputs.name, created.inputs.resourceGroupName);
    assert.deepEqual(h.cloud.faults.rules().filter((r) => r.path?.includes("rg-throttle")), [], "every injected fault was hit");
  });

  it("gives up after the bounded retries with a Throttled error", async () => {
    const created = await checkAndCreate(h, RG, "rg-throttle-forever", {});
    const p = h.provider(RG);
    h.cloud.faults.add({ service: "arm", method: "GET", path: "/resourcegroups/rg-throttle-forever", status: 429, retryAfterSeconds: 0, times: 10 });
    try {
      await assert.rejects(p.read(created.id, { inputs: created.inputs, outputs: created.outputs }, h.ctx(RG, "rg-throttle-forever")), (e: ProviderError) => e.code === "Throttled");
      const left = h.cloud.faults.rules().find((r) => r.path?.includes("rg-throttle-forever"));
      assert.equal(left?.times, 10 - 4, "one try and three retries");
    } finally {
      h.cloud.faults.clear();
    }
  });
});
