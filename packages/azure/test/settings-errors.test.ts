import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ProviderError } from "@iac/sdk/provider";
import { parseArmId } from "../src/arm-id.js";
import { AzureClients } from "../src/clients.js";
import { cloudFailure, toProviderError } from "../src/errors.js";
import { resolveSettings } from "../src/settings.js";

const dir = mkdtempSync(join(tmpdir(), "iac-azure-settings-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function localEndpoints(): string {
  const ca = join(dir, "ca.pem");
  writeFileSync(ca, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  const path = join(dir, "endpoints.json");
  writeFileSync(path, JSON.stringify({ arm: "https://127.0.0.1:4501", kubernetes: "", git: "", ca, kubeconfig: "", subscriptionId: "sub-local" }));
  return path;
}

describe("settings", () => {
  it("points at the local cloud when IAC_LOCAL_ENDPOINTS is set: its endpoint, CA, subscription, westeurope", async () => {
    const s = resolveSettings({ config: {}, env: { IAC_LOCAL_ENDPOINTS: localEndpoints(), AZURE_SUBSCRIPTION_ID: "from-env" } });
    assert.equal(s.endpoint, "https://127.0.0.1:4501");
    assert.equal(s.subscriptionId, "sub-local");
    assert.equal(s.location, "westeurope");
    assert.match(s.ca ?? "", /BEGIN CERTIFICATE/);
    assert.equal(s.local, true);
    assert.equal(typeof (await s.credential.getToken("x"))?.token, "string");
  });

  it("lets config override the local cloud's subscription and location", () => {
    const s = resolveSettings({ config: { subscriptionId: "cfg", location: "northeurope" }, env: { IAC_LOCAL_ENDPOINTS: localEndpoints() } });
    assert.deepEqual([s.subscriptionId, s.location], ["cfg", "northeurope"]);
  });

  it("takes the subscription from AZURE_SUBSCRIPTION_ID when config has none", () => {
    const s = resolveSettings({ config: { location: "westus" }, env: { AZURE_SUBSCRIPTION_ID: "from-env" } });
    assert.deepEqual([s.subscriptionId, s.location, s.endpoint, s.local], ["from-env", "westus", undefined, false]);
  });

  it("fails the first cloud call, not configuration, when no subscription is set, saying how to set one", () => {
    const clients = new AzureClients(resolveSettings({ config: {}, env: {} }));
    assert.throws(() => clients.storage(), (e: ProviderError) => e.code === "MissingSubscription" && /azure:subscriptionId/.test(e.message));
  });

  it("refuses a setting it does not know, naming the nearest (a typo is not ignored)", () => {
    assert.throws(
      () => resolveSettings({ config: { locaton: "westus" }, env: {} }),
      (e: ProviderError) => e.code === "InvalidConfig" && /azure:locaton is not a setting.*did you mean azure:location\?/.test(e.message) && /iac config rm azure:locaton/.test(e.message),
    );
  });

  it("explains a missing endpoints file", () => {
    assert.throws(() => resolveSettings({ config: {}, env: { IAC_LOCAL_ENDPOINTS: join(dir, "nope.json") } }), (e: ProviderError) => e.code === "LocalCloudUnavailable");
  });

  it("rejects a non-numeric retry count with the config key to fix", () => {
    assert.throws(() => resolveSettings({ config: { maxRetries: "many" }, env: {} }), /azure:maxRetries/);
  });
});

describe("errors", () => {
  it("takes the code and message of a failed long-running operation from core-lro's message", () => {
    const f = cloudFailure(new Error("The long-running operation has failed. InaccessibleImage. The image 'x' is not accessible."));
    assert.deepEqual(f, { code: "InaccessibleImage", message: "The image 'x' is not accessible." });
  });

  it("keeps a RestError's status and code but never its request (which holds keys and tokens)", () => {
    const rest = Object.assign(new Error("The storage account named foo is already taken."), {
      name: "RestError",
      statusCode: 409,
      code: "StorageAccountAlreadyTaken",
      request: { headers: { authorization: "Bearer SECRET-TOKEN" }, body: '{"storageAccountKey":"SECRET-KEY"}' },
    });
    const e = toProviderError(rest, "Creating storage account \"foo\"");
    assert.equal(e.code, "Conflict");
    assert.match(e.message, /Creating storage account "foo" failed: StorageAccountAlreadyTaken: .*already taken.*HTTP 409.*choose another accountName/);
    const seen = JSON.stringify({ message: e.message, cause: String(e.cause), stack: e.stack });
    assert.ok(!seen.includes("SECRET"));
  });

  it("maps 404 to NotFound, 429 to Throttled and keeps other cloud codes", () => {
    const err = (statusCode: number, code: string) => Object.assign(new Error("m"), { statusCode, code });
    assert.equal(toProviderError(err(404, "ResourceNotFound"), "x").code, "NotFound");
    assert.equal(toProviderError(err(429, "TooManyRequests"), "x").code, "Throttled");
    assert.equal(toProviderError(err(400, "AccountNameInvalid"), "x").code, "AccountNameInvalid");
  });
});

describe("ARM ids", () => {
  it("parses a share id, matching segment names case-insensitively", () => {
    const id = parseArmId("/subscriptions/s/resourcegroups/rg/providers/Microsoft.Storage/storageAccounts/sa/fileServices/default/shares/certs", "file share");
    assert.deepEqual(id, { subscriptionId: "s", resourceGroupName: "rg", namespace: "Microsoft.Storage", segments: [["storageAccounts", "sa"], ["fileServices", "default"], ["shares", "certs"]] });
  });
  it("rejects what is not an ARM id, naming the expected form", () => {
    assert.throws(() => parseArmId("rg-name", "resource group"), (e: ProviderError) => e.code === "InvalidId" && /\/subscriptions\//.test(e.message));
  });
});
