import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FAST, rejection, startArm, type ArmHarness } from "./arm-harness.js";

describe("ARM protocol: authentication, api-version, headers, throttling, discovery", () => {
  let h: ArmHarness;
  before(async () => {
    h = await startArm();
  });
  after(async () => {
    await h.close();
  });

  it("refuses a request without a bearer token with 401 AuthenticationFailed and a challenge", async () => {
    const res = await h.raw("GET", `/subscriptions/${h.sub}/resourcegroups?api-version=2025-04-01`, { auth: false });
    assert.equal(res.status, 401);
    assert.equal(res.json.error.code, "AuthenticationFailed");
    assert.match(String(res.headers["www-authenticate"]), /^Bearer /);
    const basic = await h.raw("GET", `/subscriptions/${h.sub}/resourcegroups?api-version=2025-04-01`, { auth: false, headers: { authorization: "Basic abc" } });
    assert.equal(basic.status, 401);
  });

  it("accepts any bearer token", async () => {
    const res = await h.raw("GET", `/subscriptions/${h.sub}/resourcegroups?api-version=2025-04-01`, { headers: { authorization: "Bearer anything-at-all" } });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.json), ["value"]);
  });

  it("requires api-version: 400 MissingApiVersionParameter", async () => {
    const res = await h.raw("GET", `/subscriptions/${h.sub}/resourcegroups/x`);
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, "MissingApiVersionParameter");
  });

  it("accepts the api-versions the SDKs and the examples use, and refuses unknown ones", async () => {
    await h.resources.resourceGroups.createOrUpdate("rg-ver", { location: "westeurope" });
    const accepted: [string, string][] = [
      ["2025-04-01", `/subscriptions/${h.sub}/resourcegroups/rg-ver`],
      ["2021-04-01", `/subscriptions/${h.sub}/resourcegroups/rg-ver`],
      ["2026-09-01", `/subscriptions/${h.sub}/resourceGroups/rg-ver/providers/Microsoft.Storage/storageAccounts`],
      ["2025-08-01", `/subscriptions/${h.sub}/resourceGroups/rg-ver/providers/Microsoft.Storage/storageAccounts`],
      ["2025-06-01", `/subscriptions/${h.sub}/resourceGroups/rg-ver/providers/Microsoft.Storage/storageAccounts`],
      ["2026-06-01", `/subscriptions/${h.sub}/resourceGroups/rg-ver/providers/Microsoft.Storage/storageAccounts`],
      ["2023-05-01", `/subscriptions/${h.sub}/resourceGroups/rg-ver/providers/Microsoft.ContainerInstance/containerGroups`],
      ["2025-09-01", `/subscriptions/${h.sub}/resourceGroups/rg-ver/providers/Microsoft.ContainerInstance/containerGroups`],
    ];
    for (const [v, path] of accepted) assert.equal((await h.raw("GET", `${path}?api-version=${v}`)).status, 200, `${v} ${path}`);
    const rgBad = await h.raw("GET", `/subscriptions/${h.sub}/resourcegroups/rg-ver?api-version=1999-01-01`);
    assert.equal(rgBad.status, 400);
    assert.equal(rgBad.json.error.code, "InvalidApiVersionParameter");
    const saBad = await h.raw("GET", `/subscriptions/${h.sub}/resourceGroups/rg-ver/providers/Microsoft.Storage/storageAccounts?api-version=1999-01-01`);
    assert.equal(saBad.json.error.code, "NoRegisteredProviderFound");
  });

  it("sends request ids, the caller's correlation id and rate-limit counters that go down", async () => {
    const a = await h.raw("GET", `/subscriptions/${h.sub}/resourcegroups?api-version=2025-04-01`, { headers: { "x-ms-correlation-request-id": "corr-1" } });
    const b = await h.raw("GET", `/subscriptions/${h.sub}/resourcegroups?api-version=2025-04-01`);
    assert.match(String(a.headers["x-ms-request-id"]), /^[0-9a-f-]{36}$/);
    assert.notEqual(a.headers["x-ms-request-id"], b.headers["x-ms-request-id"]);
    assert.equal(a.headers["x-ms-correlation-request-id"], "corr-1");
    const ra = Number(a.headers["x-ms-ratelimit-remaining-subscription-reads"]);
    const rb = Number(b.headers["x-ms-ratelimit-remaining-subscription-reads"]);
    assert.ok(rb < ra, `${rb} < ${ra}`);
    const w = await h.raw("PUT", `/subscriptions/${h.sub}/resourcegroups/rg-hdr?api-version=2025-04-01`, { body: { location: "westeurope" } });
    assert.ok(Number(w.headers["x-ms-ratelimit-remaining-subscription-writes"]) > 0);
    const d = await h.raw("DELETE", `/subscriptions/${h.sub}/resourcegroups/rg-hdr?api-version=2025-04-01`);
    assert.ok(Number(d.headers["x-ms-ratelimit-remaining-subscription-deletes"]) > 0);
    assert.equal(a.headers["cache-control"], "no-cache");
  });

  it("decodes percent-encoded path segments the way both SDK generations send them", async () => {
    await h.resources.resourceGroups.createOrUpdate("rg(paren)", { location: "westeurope" });
    const res = await h.raw("GET", `/subscriptions/${h.sub}/resourcegroups/rg%28paren%29?api-version=2025-04-01`);
    assert.equal(res.status, 200);
    assert.equal(res.json.name, "rg(paren)");
  });

  it("lets the SDK retry a 429 that carries Retry-After, and fail on one that does not", async () => {
    await h.resources.resourceGroups.createOrUpdate("rg-429", { location: "westeurope" });
    h.cloud.faults.set([{ service: "arm", method: "GET", path: "/resourcegroups/rg-429$", status: 429, retryAfterSeconds: 0, times: 2 }]);
    const got = await h.resources.resourceGroups.get("rg-429");
    assert.equal(got.name, "rg-429");
    assert.deepEqual(h.cloud.faults.rules(), [], "both throttled answers were consumed by retries");
    h.cloud.faults.set([{ service: "arm", method: "GET", path: "/resourcegroups/rg-429$", status: 429, times: 1 }]);
    const err = await rejection(h.resources.resourceGroups.get("rg-429"));
    assert.equal(err.statusCode, 429);
    h.cloud.faults.clear();
  });

  it("serves subscriptions, always-registered providers and the cloud metadata", async () => {
    const list = await h.raw("GET", `/subscriptions?api-version=2022-12-01`);
    assert.equal(list.json.value[0].subscriptionId, h.sub);
    const one = await h.raw("GET", `/subscriptions/${h.sub}?api-version=2022-12-01`);
    assert.equal(one.json.state, "Enabled");
    const unknown = await h.raw("GET", `/subscriptions/99999999-0000-4000-8000-000000000000?api-version=2022-12-01`);
    assert.equal(unknown.json.error.code, "SubscriptionNotFound");
    const provider = await h.resources.providers.get("Microsoft.Storage");
    assert.equal(provider.registrationState, "Registered");
    const registered = await h.resources.providers.register("Microsoft.ContainerInstance");
    assert.equal(registered.registrationState, "Registered");
    const meta = await h.raw("GET", `/metadata/endpoints?api-version=2022-09-01`, { auth: false });
    assert.equal(meta.status, 200);
    assert.ok(meta.json.authentication.loginEndpoint);
  });

  it("lists the resources of a group generically", async () => {
    await h.resources.resourceGroups.createOrUpdate("rg-list", { location: "westeurope" });
    await h.storage.storageAccounts.create("rg-list", "listacct1", { location: "westeurope", kind: "StorageV2", sku: { name: "Standard_LRS" } }, FAST);
    const found: string[] = [];
    for await (const r of h.resources.resources.listByResourceGroup("rg-list")) found.push(`${r.type}/${r.name}`);
    assert.deepEqual(found, ["Microsoft.Storage/storageAccounts/listacct1"]);
  });

  it("answers unknown resource types with 404 and unsupported methods with 405", async () => {
    // A type no definition knows (every known one is served generically, arm-generic.test.ts).
    const t = await h.raw("GET", `/subscriptions/${h.sub}/resourceGroups/rg-list/providers/Microsoft.Compute/virtualMachinez/vm1?api-version=2024-07-01`);
    assert.equal(t.status, 404);
    assert.equal(t.json.error.code, "InvalidResourceType");
    const m = await h.raw("POST", `/subscriptions/${h.sub}/resourcegroups/rg-list?api-version=2025-04-01`, { body: {} });
    assert.equal(m.status, 405);
  });
});
