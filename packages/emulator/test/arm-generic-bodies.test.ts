/**
 * Request bodies of generic types checked against the type definitions as ARM's resource providers
 * check them, secrets never returned nor stored, and PUT bodies of Microsoft's REST examples
 * (fixtures/azure-rest-examples.json) accepted with their documented status.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { FAST, rejection, startArm, type ArmHarness } from "./arm-harness.js";

const NET = "2025-09-01";
const KV = "2026-02-01";
const ACR = "2025-11-01";
const TENANT = "00000000-0000-4000-8000-00000000a11c";

/** api-version of the type definitions per namespace (the examples carry older ones). */
const VERSIONS: Record<string, string> = {
  "Microsoft.Network": NET,
  "Microsoft.ManagedIdentity": "2024-11-30",
  "Microsoft.ContainerRegistry": ACR,
  "Microsoft.KeyVault": KV,
};

describe("ARM: generic request bodies checked against the type definitions", () => {
  let h: ArmHarness;
  let rg: string;
  const put = (path: string, version: string, body: unknown) => h.raw("PUT", `${rg}/${path}?api-version=${version}`, { body });
  before(async () => {
    h = await startArm();
    await h.resources.resourceGroups.createOrUpdate("bodies", { location: "westeurope" });
    rg = `/subscriptions/${h.sub}/resourceGroups/bodies`;
  });
  after(async () => {
    await h.close();
  });

  it("refuses a missing required property with 400 InvalidRequestContent naming it", async () => {
    const r = await put("providers/Microsoft.KeyVault/vaults/kv-missing", KV, { location: "westeurope", properties: { sku: { family: "A", name: "standard" } } });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, "InvalidRequestContent");
    assert.equal(r.json.error.target, "properties.tenantId");
    assert.match(r.json.error.message, /Required property 'properties\.tenantId' is missing/);
    assert.deepEqual(r.json.error.details.map((d: any) => d.code), ["MissingRequiredProperty"]);
  });

  it("refuses a value of the wrong JSON type, naming the property and the expected type", async () => {
    const r = await put("providers/Microsoft.Network/virtualNetworks/v-type", NET, { location: "westeurope", properties: { addressSpace: { addressPrefixes: "10.0.0.0/16" } } });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, "InvalidRequestContent");
    assert.equal(r.json.error.target, "properties.addressSpace.addressPrefixes");
    assert.match(r.json.error.message, /must be an array, not string/);
  });

  it("refuses a value outside an enum with InvalidRequestPropertyValue listing the allowed values", async () => {
    const r = await put("providers/Microsoft.KeyVault/vaults/kv-enum", KV, { location: "westeurope", properties: { tenantId: TENANT, sku: { family: "A", name: "platinum" } } });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, "InvalidRequestPropertyValue");
    assert.equal(r.json.error.target, "properties.sku.name");
    assert.match(r.json.error.message, /'platinum' is not allowed .* Allowed values: 'standard', 'premium'/);
  });

  it("refuses a string that does not match the definitions' pattern", async () => {
    const r = await put("providers/Microsoft.KeyVault/vaults/kv-pattern", KV, { location: "westeurope", properties: { tenantId: "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", sku: { family: "A", name: "standard" } } });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.target, "properties.tenantId");
    assert.match(r.json.error.message, /does not match the pattern/);
  });

  it("refuses an integer out of its range", async () => {
    await put("providers/Microsoft.ContainerRegistry/registries/acrrange", ACR, { location: "westeurope", sku: { name: "Basic" } });
    // Tasks are served at their own api-version (one namespace, several versions).
    const r = await put("providers/Microsoft.ContainerRegistry/registries/acrrange/tasks/task1", "2019-04-01", {
      location: "westeurope",
      properties: { platform: { os: "Linux" }, step: { type: "Docker", dockerFilePath: "Dockerfile" }, timeout: 10 },
    });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.target, "properties.timeout");
    assert.match(r.json.error.message, /The value 10 of property 'properties\.timeout' is out of range: it must be between 300 and 28800/);
  });

  it("takes a fractional number where the definitions say int (they carry swagger's number as int)", async () => {
    await put("providers/Microsoft.App/managedEnvironments/env-num", "2026-01-01", { location: "westeurope", properties: {} });
    const r = await put("providers/Microsoft.App/containerApps/app-num", "2026-01-01", {
      location: "westeurope",
      properties: {
        managedEnvironmentId: `${rg}/providers/Microsoft.App/managedEnvironments/env-num`,
        template: { containers: [{ name: "web", image: "nginx", resources: { cpu: 0.5, memory: "1Gi" } }] },
      },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.properties.template.containers[0].resources.cpu, 0.5);
    const text = await put("providers/Microsoft.App/containerApps/app-num2", "2026-01-01", {
      location: "westeurope",
      properties: { template: { containers: [{ name: "web", image: "nginx", resources: { cpu: "0.5" } }] } },
    });
    assert.equal(text.status, 400);
    assert.equal(text.json.error.target, "properties.template.containers[0].resources.cpu");
  });

  it("lists every refused property in details, and the SDK surfaces the code", async () => {
    const body = { location: "westeurope", properties: { tenantId: 42, sku: { family: "A", name: "gold" }, enableSoftDelete: "yes" } };
    const r = await put("providers/Microsoft.KeyVault/vaults/kv-many", KV, body);
    assert.deepEqual(r.json.error.details.map((d: any) => d.target).sort(), ["properties.enableSoftDelete", "properties.sku.name", "properties.tenantId"]);
    const err = await rejection(h.resources.resources.createOrUpdateById(`${rg}/providers/Microsoft.KeyVault/vaults/kv-many`, KV, body as any, FAST));
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, "InvalidRequestContent");
  });

  it("refuses a name against the type's own name rules", async () => {
    const r = await put("providers/Microsoft.ContainerRegistry/registries/ab", ACR, { location: "westeurope", sku: { name: "Basic" } });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, "InvalidResourceName");
    assert.match(r.json.error.message, /5 to 50 characters/);
  });

  it("ignores read-only and unknown properties, and keeps enums in the definitions' spelling", async () => {
    const r = await put("providers/Microsoft.KeyVault/vaults/kv-clean", KV, {
      location: "westeurope",
      properties: { tenantId: TENANT, sku: { family: "A", name: "PREMIUM" }, provisioningState: "Failed", vaultUri: "https://elsewhere.example/", notAProperty: 1 },
      alsoUnknown: true,
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.properties.sku.name, "premium");
    assert.equal(r.json.properties.vaultUri, "https://kv-clean.vault.azure.net/");
    assert.notEqual(r.json.properties.provisioningState, "Failed");
    assert.equal(r.json.properties.notAProperty, undefined);
    assert.equal(r.json.alsoUnknown, undefined);
  });

  it("accepts a PATCH without required properties but checks the types of what it sends", async () => {
    await put("providers/Microsoft.KeyVault/vaults/kv-patch", KV, { location: "westeurope", properties: { tenantId: TENANT, sku: { family: "A", name: "standard" } } });
    const ok = await h.raw("PATCH", `${rg}/providers/Microsoft.KeyVault/vaults/kv-patch?api-version=${KV}`, { body: { tags: { team: "a" } } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.properties.tenantId, TENANT);
    const bad = await h.raw("PATCH", `${rg}/providers/Microsoft.KeyVault/vaults/kv-patch?api-version=${KV}`, { body: { properties: { enabledForDeployment: "true" } } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.target, "properties.enabledForDeployment");
  });

  it("tells apart the types whose body depends on their name by the name in the URL (sites/basicPublishingCredentialsPolicies)", async () => {
    const web = "2025-03-01";
    await put("providers/Microsoft.Web/serverfarms/plan1", web, { location: "westeurope", sku: { name: "B1" } });
    await put("providers/Microsoft.Web/sites/app1", web, { location: "westeurope", properties: { serverFarmId: `${rg}/providers/Microsoft.Web/serverfarms/plan1` } });
    const ftp = await put("providers/Microsoft.Web/sites/app1/basicPublishingCredentialsPolicies/ftp", web, { properties: { allow: false } });
    assert.equal(ftp.status, 201, ftp.text);
    assert.equal(ftp.json.name, "ftp");
    assert.equal(ftp.json.properties.allow, false);
    const other = await put("providers/Microsoft.Web/sites/app1/basicPublishingCredentialsPolicies/nope", web, { properties: { allow: false } });
    assert.equal(other.status, 400);
    assert.match(other.json.error.message, /Allowed values: 'ftp', 'scm'/);
  });

  it("never returns nor stores sensitive and write-only properties", async () => {
    const acr = await h.resources.resources.createOrUpdateById(`${rg}/providers/Microsoft.ContainerRegistry/registries/acrsecrets`, ACR, { location: "westeurope", sku: { name: "Basic" } } as any, FAST);
    assert.equal(acr.name, "acrsecrets");
    const hook = await h.raw("PUT", `${rg}/providers/Microsoft.ContainerRegistry/registries/acrsecrets/webhooks/hook1?api-version=${ACR}`, {
      body: { location: "westeurope", properties: { serviceUri: "https://hooks.example.com/in?token=s3cr3t-in-uri", actions: ["push"], customHeaders: { Authorization: "Bearer s3cr3t-in-header" } } },
    });
    assert.equal(hook.status, 201, hook.text);
    const got = await h.raw("GET", `${rg}/providers/Microsoft.ContainerRegistry/registries/acrsecrets/webhooks/hook1?api-version=${ACR}`);
    assert.deepEqual(got.json.properties.actions, ["push"]);
    assert.equal(got.json.properties.serviceUri, undefined);
    assert.equal(got.json.properties.customHeaders, undefined);
    await h.close({ keepData: true });
    const persisted = readFileSync(join(h.dataDir, "arm", "arm.json"), "utf8");
    assert.doesNotMatch(persisted, /s3cr3t/);
    h = await startArm({ dataDir: h.dataDir });
  });

  it("never returns nor stores a VM extension's protectedSettings, which the type data marks sensitive beyond the definitions", async () => {
    const COMPUTE = "2026-04-01";
    const vm = await put("providers/Microsoft.Compute/virtualMachines/vmsecrets", COMPUTE, { location: "westeurope", properties: { hardwareProfile: { vmSize: "Standard_B1s" } } });
    assert.ok(vm.status === 200 || vm.status === 201, vm.text);
    const ext = await put("providers/Microsoft.Compute/virtualMachines/vmsecrets/extensions/script", COMPUTE, {
      location: "westeurope",
      properties: { publisher: "Microsoft.Azure.Extensions", type: "CustomScript", typeHandlerVersion: "2.1", settings: { commandToExecute: "echo public" }, protectedSettings: { storageAccountKey: "s3cr3t-protected" } },
    });
    assert.ok(ext.status === 200 || ext.status === 201, ext.text);
    assert.equal(ext.json.properties.protectedSettings, undefined, "the PUT's answer holds no protected setting");
    const got = await h.raw("GET", `${rg}/providers/Microsoft.Compute/virtualMachines/vmsecrets/extensions/script?api-version=${COMPUTE}`);
    assert.deepEqual(got.json.properties.settings, { commandToExecute: "echo public" });
    assert.equal(got.json.properties.protectedSettings, undefined);
    await h.close({ keepData: true });
    assert.doesNotMatch(readFileSync(join(h.dataDir, "arm", "arm.json"), "utf8"), /s3cr3t-protected/);
    h = await startArm({ dataDir: h.dataDir });
  });
});

describe("ARM: PUT bodies of Microsoft's REST examples", () => {
  const fixture = JSON.parse(readFileSync(new URL("./fixtures/azure-rest-examples.json", import.meta.url), "utf8")) as {
    examples: { file: string; path: string; body: unknown; statuses: number[]; responseKeys: string[]; responsePropertiesKeys: string[] }[];
  };
  let h: ArmHarness;
  let rg: string;
  before(async () => {
    h = await startArm();
    await h.resources.resourceGroups.createOrUpdate("examples", { location: "eastus" });
    rg = `/subscriptions/${h.sub}/resourceGroups/examples`;
  });
  after(async () => {
    await h.close();
  });

  for (const ex of fixture.examples) {
    const name = ex.file.split("/").pop();
    it(`accepts ${name} with a documented status and answers with the documented keys it can know`, async () => {
      const ns = ex.path.split("/")[1]!;
      const r = await h.raw("PUT", `${rg}/${ex.path}?api-version=${VERSIONS[ns]}`, { body: ex.body });
      assert.ok(ex.statuses.includes(r.status), `${r.status}: ${r.text}`);
      // What the emulator answers is a subset of what the example documents (it fills no
      // service defaults such as subnets: [] or publicIPAddressVersion).
      for (const k of Object.keys(r.json)) {
        if (k === "etag" || k === "identity") continue;
        assert.ok(ex.responseKeys.includes(k) || k === "type" || k === "location", `unexpected top-level key ${k}`);
      }
      for (const k of Object.keys(r.json.properties ?? {})) assert.ok(ex.responsePropertiesKeys.includes(k), `unexpected properties key ${k}`);
      const again = await h.raw("PUT", `${rg}/${ex.path}?api-version=${VERSIONS[ns]}`, { body: ex.body });
      assert.equal(again.status, 200);
    });
  }
});
