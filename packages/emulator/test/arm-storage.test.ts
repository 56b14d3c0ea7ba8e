import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { example, FAST, rejection, startArm, type ArmHarness } from "./arm-harness.js";

const V2 = { location: "westeurope", kind: "StorageV2", sku: { name: "Standard_LRS" } } as const;

describe("ARM storage accounts and file shares through @azure/arm-storage", () => {
  let h: ArmHarness;
  before(async () => {
    h = await startArm();
    await h.resources.resourceGroups.createOrUpdate("rg-st", { location: "westeurope" });
    await h.resources.resourceGroups.createOrUpdate("rg-st2", { location: "westeurope" });
  });
  after(async () => {
    await h.close();
  });

  it("creates an account as an LRO: 202 + Location, invisible while running, then 200 with the account", async () => {
    // This test sees the operation while it runs: phases of 30 ms can pass unseen on a loaded machine,
    // so it gets a local cloud whose phases last a second.
    const slow = await startArm({ lroStepMs: 1000 });
    after(() => slow.close());
    await slow.resources.resourceGroups.createOrUpdate("rg-st", { location: "westeurope" });
    const h = slow;
    const put = await h.raw("PUT", `/subscriptions/${h.sub}/resourceGroups/rg-st/providers/Microsoft.Storage/storageAccounts/rawacct1?api-version=2026-09-01`, { body: V2 });
    assert.equal(put.status, 202);
    assert.equal(put.text, "");
    const location = new URL(String(put.headers["location"]));
    assert.match(location.pathname, new RegExp(`^/subscriptions/${h.sub}/providers/Microsoft.Storage/locations/westeurope/asyncoperations/`));
    assert.equal(location.searchParams.get("monitor"), "true");
    assert.ok(put.headers["retry-after"] !== undefined);
    const hidden = await h.raw("GET", `/subscriptions/${h.sub}/resourceGroups/rg-st/providers/Microsoft.Storage/storageAccounts/rawacct1?api-version=2026-09-01`);
    assert.equal(hidden.status, 404);
    assert.equal(hidden.json.error.code, "StorageAccountNotFound");
    const first = await h.raw("GET", location.pathname + location.search);
    assert.equal(first.status, 202);
    let last = first;
    while (last.status === 202) {
      await new Promise((r) => setTimeout(r, 10));
      last = await h.raw("GET", location.pathname + location.search);
    }
    assert.equal(last.status, 200);
    assert.equal(last.json.name, "rawacct1");
    assert.equal(last.json.properties.provisioningState, "Succeeded");
  });

  it("creates with the SDK poller and fills the server defaults", async () => {
    const a = await h.storage.storageAccounts.create("rg-st", "sdkacct1", { ...V2, sku: { name: "Standard_RAGRS" }, tags: { a: "1" } }, FAST);
    assert.equal(a.provisioningState, "Succeeded");
    assert.equal(a.sku?.tier, "Standard");
    assert.equal(a.primaryLocation, "westeurope");
    assert.equal(a.statusOfPrimary, "available");
    assert.equal(a.secondaryLocation, "northeurope");
    assert.ok(a.creationTime instanceof Date);
    assert.equal(a.primaryEndpoints?.blob, "https://sdkacct1.blob.core.windows.net/");
    assert.equal(a.primaryEndpoints?.file, "https://sdkacct1.file.core.windows.net/");
    assert.equal(a.primaryEndpoints?.dfs, "https://sdkacct1.dfs.core.windows.net/");
    assert.equal(a.secondaryEndpoints?.blob, "https://sdkacct1-secondary.blob.core.windows.net/");
    assert.equal(a.encryption?.keySource, "Microsoft.Storage");
    assert.equal(a.encryption?.services?.blob?.enabled, true);
    assert.equal(a.enableHttpsTrafficOnly, true);
    assert.equal(a.accessTier, "Hot");
    assert.deepEqual(a.tags, { a: "1" });
  });

  it("has every property key of the StorageAccountCreate example the request asks for", async () => {
    const ex = example("storage/StorageAccountCreate.json");
    const params = ex.parameters.parameters;
    // Our account is in a real region, without edge zone.
    const { extendedLocation: _e, ...rest } = params;
    const put = await h.raw("PUT", `/subscriptions/${h.sub}/resourceGroups/rg-st/providers/Microsoft.Storage/storageAccounts/exacct1?api-version=2025-08-01`, { body: rest });
    assert.equal(put.status, 202);
    await new Promise((r) => setTimeout(r, 80));
    const got = await h.raw("GET", `/subscriptions/${h.sub}/resourceGroups/rg-st/providers/Microsoft.Storage/storageAccounts/exacct1?api-version=2025-08-01`);
    assert.equal(got.status, 200);
    const expected = ex.responses["200"].body;
    const missingTop = Object.keys(expected).filter((k) => k !== "extendedLocation" && !(k in got.json));
    assert.deepEqual(missingTop, []);
    const missingProps = Object.keys(expected.properties).filter((k) => !(k in got.json.properties));
    assert.deepEqual(missingProps, []);
    // Kind "Storage" (general purpose v1) has no dfs or web endpoint; the routing preference publishes both routes.
    assert.deepEqual(Object.keys(got.json.properties.primaryEndpoints).sort(), ["blob", "file", "internetEndpoints", "microsoftEndpoints", "queue", "table"]);
    assert.equal(got.json.properties.primaryEndpoints.internetEndpoints.blob, "https://exacct1-internetrouting.blob.core.windows.net/");
  });

  it("re-PUT of an existing account is a synchronous 200 that updates it", async () => {
    await h.storage.storageAccounts.create("rg-st", "reputacct", V2, FAST);
    const again = await h.raw("PUT", `/subscriptions/${h.sub}/resourceGroups/rg-st/providers/Microsoft.Storage/storageAccounts/reputacct?api-version=2026-09-01`, { body: { ...V2, tags: { v: "2" } } });
    assert.equal(again.status, 200);
    assert.deepEqual(again.json.tags, { v: "2" });
  });

  it("updates with PATCH and keeps what was not sent", async () => {
    await h.storage.storageAccounts.create("rg-st", "patchacct", { ...V2, minimumTlsVersion: "TLS1_2", tags: { a: "1" } }, FAST);
    const u = await h.storage.storageAccounts.update("rg-st", "patchacct", { sku: { name: "Standard_GRS" }, tags: { b: "2" }, allowBlobPublicAccess: false });
    assert.equal(u.sku?.name, "Standard_GRS");
    assert.deepEqual(u.tags, { b: "2" });
    assert.equal(u.minimumTlsVersion, "TLS1_2");
    const got = await h.storage.storageAccounts.getProperties("rg-st", "patchacct");
    assert.equal(got.sku?.name, "Standard_GRS");
  });

  it("lists two 88-character keys and regenerates one of them", async () => {
    await h.storage.storageAccounts.create("rg-st", "keysacct", V2, FAST);
    const { keys } = await h.storage.storageAccounts.listKeys("rg-st", "keysacct");
    assert.deepEqual(keys?.map((k) => k.keyName), ["key1", "key2"]);
    for (const k of keys!) assert.match(k.value!, /^[A-Za-z0-9+/]{86}==$/);
    const after = await h.storage.storageAccounts.regenerateKey("rg-st", "keysacct", { keyName: "key1" });
    assert.notEqual(after.keys![0]!.value, keys![0]!.value);
    assert.equal(after.keys![1]!.value, keys![1]!.value);
    const again = await h.storage.storageAccounts.listKeys("rg-st", "keysacct");
    assert.equal(again.keys![0]!.value, after.keys![0]!.value);
  });

  it("refuses invalid account names with 400 AccountNameInvalid", async () => {
    for (const name of ["ab", "Upper1", "with-dash", "a".repeat(25)]) {
      const err = await rejection(h.storage.storageAccounts.create("rg-st", name, V2, FAST));
      assert.equal(err.statusCode, 400, name);
      assert.equal(err.code, "AccountNameInvalid", name);
    }
  });

  it("treats names as global: taken in another subscription, or in another group of this one", async () => {
    await h.storage.storageAccounts.create("rg-st", "globalacct", V2, FAST);
    const inOtherGroup = await rejection(h.storage.storageAccounts.create("rg-st2", "globalacct", V2, FAST));
    assert.equal(inOtherGroup.statusCode, 409);
    assert.equal(inOtherGroup.code, "StorageAccountInAnotherResourceGroup");
    const other = h.clientsFor("11111111-2222-4333-8444-555555555555");
    await other.resources.resourceGroups.createOrUpdate("rg-other", { location: "westeurope" });
    const taken = await rejection(other.storage.storageAccounts.create("rg-other", "globalacct", V2, FAST));
    assert.equal(taken.statusCode, 409);
    assert.equal(taken.code, "StorageAccountAlreadyTaken");
    const availability = await other.storage.storageAccounts.checkNameAvailability({ name: "globalacct", type: "Microsoft.Storage/storageAccounts" });
    assert.equal(availability.nameAvailable, false);
    assert.equal(availability.reason, "AlreadyExists");
  });

  it("answers a missing account with the RP's 404 StorageAccountNotFound (ARM's ResourceNotFound for listKeys), a missing group with ResourceGroupNotFound", async () => {
    const err = await rejection(h.storage.storageAccounts.getProperties("rg-st", "nosuchacct"));
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, "StorageAccountNotFound");
    assert.equal(err.message, "The storage account nosuchacct was not found.");
    const patch = await rejection(h.storage.storageAccounts.update("rg-st", "nosuchacct", { tags: { a: "b" } }));
    assert.equal(patch.code, "StorageAccountNotFound");
    const keys = await rejection(h.storage.storageAccounts.listKeys("rg-st", "nosuchacct"));
    assert.equal(keys.statusCode, 404);
    assert.equal(keys.code, "ResourceNotFound");
    const noGroup = await rejection(h.storage.storageAccounts.getProperties("rg-nope", "nosuchacct"));
    assert.equal(noGroup.code, "ResourceGroupNotFound");
  });

  it("deletes an account (200) and answers 204 when there is nothing to delete; the SDK succeeds both times", async () => {
    await h.storage.storageAccounts.create("rg-st", "delacct", V2, FAST);
    await h.storage.storageAccounts.delete("rg-st", "delacct");
    await h.storage.storageAccounts.delete("rg-st", "delacct");
    const raw = await h.raw("DELETE", `/subscriptions/${h.sub}/resourceGroups/rg-st/providers/Microsoft.Storage/storageAccounts/delacct?api-version=2026-09-01`);
    assert.equal(raw.status, 204);
    assert.equal((await rejection(h.storage.storageAccounts.getProperties("rg-st", "delacct"))).statusCode, 404);
  });

  describe("file shares", () => {
    before(async () => {
      await h.storage.storageAccounts.create("rg-st", "shareacct", V2, FAST);
    });

    it("creates (201) then replaces (200) a share, filling defaults", async () => {
      const path = `/subscriptions/${h.sub}/resourceGroups/rg-st/providers/Microsoft.Storage/storageAccounts/shareacct/fileServices/default/shares/rawshare?api-version=2026-09-01`;
      const created = await h.raw("PUT", path, { body: {} });
      assert.equal(created.status, 201);
      const replaced = await h.raw("PUT", path, { body: { properties: { shareQuota: 100 } } });
      assert.equal(replaced.status, 200);
      assert.equal(replaced.json.properties.shareQuota, 100);
      const s = await h.storage.fileShares.get("rg-st", "shareacct", "rawshare");
      assert.equal(s.enabledProtocols, "SMB");
      assert.equal(s.accessTier, "TransactionOptimized");
      assert.ok(s.lastModifiedTime instanceof Date);
      assert.match(s.etag!, /^"0x[0-9A-F]+"$/);
      const expected = example("storage/FileSharesGet.json").responses["200"].body;
      const raw = await h.raw("GET", path);
      assert.deepEqual(Object.keys(expected).filter((k) => !(k in raw.json)), []);
      assert.deepEqual(Object.keys(expected.properties).filter((k) => !(k in raw.json.properties)), []);
    });

    it("patches only what is sent, and answers a missing share with 404 ShareNotFound", async () => {
      await h.storage.fileShares.create("rg-st", "shareacct", "patchshare", { shareQuota: 50, metadata: { a: "1" } });
      const p = await h.storage.fileShares.update("rg-st", "shareacct", "patchshare", { metadata: { type: "image" } });
      assert.equal(p.shareQuota, 50);
      assert.deepEqual(p.metadata, { type: "image" });
      const err = await rejection(h.storage.fileShares.update("rg-st", "shareacct", "noshare", { shareQuota: 5 }));
      assert.equal(err.statusCode, 404);
      assert.equal(err.code, "ShareNotFound");
      const got = await rejection(h.storage.fileShares.get("rg-st", "shareacct", "noshare"));
      assert.equal(got.code, "ShareNotFound");
      // The data plane's words, then RequestId and Time lines, as the storage RP passes them through.
      assert.match(got.message, /^The specified share does not exist\.\nRequestId:[0-9a-f-]{36}\nTime:\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    });

    it("keeps enabledProtocols immutable", async () => {
      await h.storage.fileShares.create("rg-st", "shareacct", "nfsshare", { enabledProtocols: "SMB" });
      const changed = await rejection(h.storage.fileShares.create("rg-st", "shareacct", "nfsshare", { enabledProtocols: "NFS" }));
      assert.equal(changed.statusCode, 400);
    });

    it("refuses invalid share names with Azure's 400 InvalidResourceName", async () => {
      for (const name of ["Bad--Name", "ab", "-edge", "two--hyphens"]) {
        const err = await rejection(h.storage.fileShares.create("rg-st", "shareacct", name, {}));
        assert.equal(err.statusCode, 400, name);
        assert.equal(err.code, "InvalidResourceName", name);
        assert.match(err.message, /^The specifed resource name contains invalid characters\.\nRequestId:/, name);
      }
    });

    it("refuses a quota out of range with Azure's 400 InvalidHeaderValue, and takes the bounds", async () => {
      for (const shareQuota of [0, 5121]) {
        const err = await rejection(h.storage.fileShares.create("rg-st", "shareacct", "bigshare", { shareQuota }));
        assert.equal(err.statusCode, 400, String(shareQuota));
        assert.equal(err.code, "InvalidHeaderValue", String(shareQuota));
        assert.match(err.message, /^The value for one of the HTTP headers is not in the correct format\.\nRequestId:/);
      }
      assert.equal((await h.storage.fileShares.create("rg-st", "shareacct", "maxshare", { shareQuota: 5120 })).name, "maxshare");
      assert.equal((await h.storage.fileShares.create("rg-st", "shareacct", "minshare", { shareQuota: 1 })).name, "minshare");
    });

    it("starts premium (FileStorage) shares at 100 GiB and lets them reach 102400", async () => {
      await h.storage.storageAccounts.create("rg-st", "premiumacct", { location: "westeurope", kind: "FileStorage", sku: { name: "Premium_LRS" } }, FAST);
      const small = await rejection(h.storage.fileShares.create("rg-st", "premiumacct", "small", { shareQuota: 99 }));
      assert.equal(small.code, "InvalidHeaderValue");
      assert.equal((await h.storage.fileShares.create("rg-st", "premiumacct", "hundred", { shareQuota: 100 })).name, "hundred");
      assert.equal((await h.storage.fileShares.create("rg-st", "premiumacct", "huge", { shareQuota: 102400 })).name, "huge");
    });

    it("needs its parent account: 404 ParentResourceNotFound with ARM's message", async () => {
      const err = await rejection(h.storage.fileShares.create("rg-st", "noacct", "s1", {}));
      assert.equal(err.statusCode, 404);
      assert.equal(err.code, "ParentResourceNotFound");
      assert.equal(err.message, "Can not perform requested operation on nested resource. Parent resource 'noacct' not found.");
    });

    it("deletes a share (200), then succeeds again on the missing share (204)", async () => {
      await h.storage.fileShares.create("rg-st", "shareacct", "delshare", {});
      await h.storage.fileShares.delete("rg-st", "shareacct", "delshare");
      const raw = await h.raw("DELETE", `/subscriptions/${h.sub}/resourceGroups/rg-st/providers/Microsoft.Storage/storageAccounts/shareacct/fileServices/default/shares/delshare?api-version=2026-09-01`);
      assert.equal(raw.status, 204);
      await h.storage.fileShares.delete("rg-st", "shareacct", "delshare");
      const gone = await rejection(h.storage.fileShares.get("rg-st", "shareacct", "delshare"));
      assert.equal(gone.statusCode, 404);
    });
  });
});
