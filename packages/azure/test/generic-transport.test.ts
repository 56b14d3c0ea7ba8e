/**
 * The generic ARM transport against the local cloud, on the endpoints of the four emulated types,
 * which between them use every long-running-operation form: a synchronous PUT (resource group),
 * 202 + Location with the resource invisible until done and the 200 + Failed trap (storage
 * account), 201 + Azure-AsyncOperation (container group), 202 + Location for a delete (resource
 * group), POST actions (listKeys), and ARM's error envelope.
 */
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { after, before, beforeEach, describe, it } from "node:test";
import { armServiceFactory } from "@iac/emulator";
import type { ProviderLogger } from "@iac/sdk/provider";
import { toProviderError } from "../src/errors.js";
import { ArmCallError, ArmTransport } from "../src/generic/transport.js";
import { resolveSettings } from "../src/index.js";
import { startHarness, type Harness } from "./local-cloud.js";

let h: Harness;
let arm: ArmTransport;
let sub: string;
const logs: string[] = [];
const calls = new AsyncLocalStorage<ProviderLogger>();
const log: ProviderLogger = { debug: (m) => void logs.push(m), info: (m) => void logs.push(m), warn: (m) => void logs.push(m) };

before(async () => {
  h = await startHarness({ arm: armServiceFactory({ lroStepMs: 150 }) });
  arm = new ArmTransport(resolveSettings({ config: { maxRetries: 3, retryDelayMs: 10 }, env: { IAC_LOCAL_ENDPOINTS: h.endpointsPath } }), calls);
  sub = h.cloud.endpoints.subscriptionId;
});
after(async () => {
  await h?.close();
});
beforeEach(() => {
  h.cloud.faults.clear();
  logs.length = 0;
});

const RG_API = "2025-04-01";
const SA_API = "2026-09-01";
const ACI_API = "2023-05-01";
const rgId = (rg: string) => `/subscriptions/${sub}/resourceGroups/${rg}`;
const saId = (rg: string, name: string) => `${rgId(rg)}/providers/Microsoft.Storage/storageAccounts/${name}`;
const cgId = (rg: string, name: string) => `${rgId(rg)}/providers/Microsoft.ContainerInstance/containerGroups/${name}`;

async function group(rg: string): Promise<void> {
  await arm.put(rgId(rg), RG_API, { location: "westeurope" });
}

describe("the generic ARM transport", () => {
  it("PUTs, GETs and PATCHes a resource group (synchronous), and reads 404 as absent", async () => {
    const body = (await arm.put(rgId("t-rg"), RG_API, { location: "westeurope", tags: { a: "1" } })) as { id: string; tags: Record<string, string> };
    assert.equal(body.id, rgId("t-rg"));
    assert.deepEqual(((await arm.get(rgId("t-rg"), RG_API)) as { tags: unknown }).tags, { a: "1" });
    await arm.patch(rgId("t-rg"), RG_API, { tags: { b: "2" } });
    assert.deepEqual(((await h.sdk.resources.resourceGroups.get("t-rg")).tags), { b: "2" });
    assert.equal(await arm.get(rgId("t-missing"), RG_API), undefined);
  });

  it("follows 202 + Location to the storage account's end, and sends bodies as built (zones, placement kept)", async () => {
    await group("t-sa");
    const body = (await arm.put(saId("t-sa", "tsaaccount1"), SA_API, { location: "westeurope", sku: { name: "Standard_LRS" }, kind: "StorageV2", zones: ["1"], properties: { minimumTlsVersion: "TLS1_2" } })) as {
      id: string;
      zones?: string[];
      properties: { provisioningState: string; minimumTlsVersion: string };
    };
    assert.equal(body.id, saId("t-sa", "tsaaccount1"));
    assert.equal(body.properties.provisioningState, "Succeeded");
    assert.equal(body.properties.minimumTlsVersion, "TLS1_2");
    assert.deepEqual(body.zones, ["1"]);
    assert.equal((await h.sdk.storage.storageAccounts.getProperties("t-sa", "tsaaccount1")).name, "tsaaccount1");
  });

  it("reports a failed storage creation (the 200 + Failed trap) with the cloud's code and message", async () => {
    await group("t-sa-fail");
    h.cloud.faults.add({ service: "arm", method: "PUT", path: "/storageAccounts/", failOperation: { code: "StorageQuotaExceeded", message: "The subscription has reached its storage account quota." }, times: 1 });
    await assert.rejects(arm.put(saId("t-sa-fail", "tsafail1"), SA_API, { location: "westeurope", sku: { name: "Standard_LRS" }, kind: "StorageV2" }), (e: unknown) => {
      assert.ok(e instanceof ArmCallError);
      assert.equal(e.code, "StorageQuotaExceeded");
      assert.equal(e.message, "The subscription has reached its storage account quota.");
      return true;
    });
  });

  it("follows 201 + Azure-AsyncOperation to a Succeeded container group, and reports a Failed one", async () => {
    await group("t-cg");
    const spec = { location: "westeurope", properties: { osType: "Linux", containers: [{ name: "web", properties: { image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1 } } } }] } };
    const body = (await arm.put(cgId("t-cg", "web"), ACI_API, spec)) as { properties: { provisioningState: string } };
    assert.equal(body.properties.provisioningState, "Succeeded");
    h.cloud.faults.add({ service: "arm", method: "PUT", path: "/containerGroups/", failOperation: { code: "InaccessibleImage", message: "The image 'nginx' in container group 'bad' is not accessible." }, times: 1 });
    await assert.rejects(arm.put(cgId("t-cg", "bad"), ACI_API, spec), (e: unknown) => e instanceof ArmCallError && e.code === "InaccessibleImage" && /not accessible/.test(e.message));
  });

  it("POSTs an action (listKeys) and returns its answer", async () => {
    await group("t-keys");
    await arm.put(saId("t-keys", "tkeysaccount"), SA_API, { location: "westeurope", sku: { name: "Standard_LRS" }, kind: "StorageV2" });
    const keys = (await arm.post(saId("t-keys", "tkeysaccount"), "listKeys", SA_API, undefined)) as { keys: { keyName: string; value: string }[] };
    assert.deepEqual(keys.keys.map((k) => k.keyName), ["key1", "key2"]);
    assert.ok(keys.keys[0]!.value.length > 20);
  });

  it("DELETEs through 202 + Location until the group and its contents are gone; deleting again is success", async () => {
    await group("t-del");
    await arm.put(saId("t-del", "tdelaccount"), SA_API, { location: "westeurope", sku: { name: "Standard_LRS" }, kind: "StorageV2" });
    await arm.delete(rgId("t-del"), RG_API);
    assert.equal(await arm.get(rgId("t-del"), RG_API), undefined);
    assert.equal(await arm.get(saId("t-del", "tdelaccount"), SA_API), undefined);
    await arm.delete(rgId("t-del"), RG_API);
    await arm.delete(saId("t-del", "tdelaccount"), SA_API);
  });

  it("turns ARM's error envelope into the cloud's code, message and status", async () => {
    await group("t-err");
    await assert.rejects(arm.put(saId("t-err", "Bad_Name"), SA_API, { location: "westeurope", sku: { name: "Standard_LRS" }, kind: "StorageV2" }), (e: unknown) => {
      assert.ok(e instanceof ArmCallError);
      assert.equal(e.statusCode, 400);
      assert.equal(e.code, "AccountNameInvalid");
      const p = toProviderError(e, 'Creating storage account "Bad_Name"');
      assert.equal(p.code, "AccountNameInvalid");
      assert.match(p.message, /^Creating storage account "Bad_Name" failed: AccountNameInvalid: .*\(HTTP 400\)/);
      return true;
    });
  });

  it("retries a 429 without Retry-After, logging through the call's context", async () => {
    h.cloud.faults.add({ service: "arm", method: "PUT", path: "/resourcegroups/t-429$", status: 429, times: 1 });
    await calls.run(log, () => arm.put(rgId("t-429"), RG_API, { location: "westeurope" }));
    assert.ok(logs.some((m) => /HTTP 429\) without Retry-After; retrying/.test(m)), JSON.stringify(logs));
  });

  it("stops polling when the call's signal aborts", async () => {
    await group("t-abort");
    const slow = new ArmTransport(resolveSettings({ config: { maxRetries: 0, pollIntervalMs: 20 }, env: { IAC_LOCAL_ENDPOINTS: h.endpointsPath } }), calls);
    await assert.rejects(
      slow.put(saId("t-abort", "tabortaccount"), SA_API, { location: "westeurope", sku: { name: "Standard_LRS" }, kind: "StorageV2" }, { signal: AbortSignal.timeout(60) }),
      (e: unknown) => (e as Error).name === "AbortError",
    );
  });
});
