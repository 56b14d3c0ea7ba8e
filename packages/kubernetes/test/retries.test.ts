/**
 * Throttling and transient failures converge (issue 8, item 7): the API server's 429 (with or
 * without Retry-After), 5xx and dropped connections are retried with backoff, discovery included,
 * and each wait is shown through the call's logger; a failure that lasts ends in a typed error.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { ApiException } from "@kubernetes/client-node";
import { ProviderError } from "@iac/sdk/provider";
import { retryDecision } from "../src/client.js";
import { TYPES } from "../src/types.js";
import { checkedCreate, context, startTestCloud, type TestCloud } from "./local-cloud.js";

let t: TestCloud;
before(async () => {
  t = await startTestCloud();
});
after(async () => {
  await t?.close();
});
beforeEach(() => t.cloud.faults.clear());

function configMap(name: string) {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data: { a: "1" } };
}

describe("retries against the local cloud's API server", () => {
  for (const [name, what, rule, logged] of [
    ["cm-429", "a 429 without Retry-After", { status: 429 }, /PATCH \/api\/v1\/namespaces\/default\/configmaps\/cm-429: the API server is throttling requests \(HTTP 429\) without Retry-After; retrying in \d\.\d s \(retry 1 of 6\)/],
    ["cm-429-after", "a 429 with Retry-After", { status: 429, retryAfterSeconds: 0 }, /HTTP 429\), Retry-After 0 s; retrying in 0\.0 s/],
    ["cm-500", "a 500", { status: 500 }, /the API server answered HTTP 500; retrying/],
    ["cm-drop", "a dropped connection", { drop: true }, /the connection failed \(\w+\); retrying/],
  ] as const) {
    it(`retries ${what} and the apply succeeds, showing the wait`, async () => {
      t.cloud.faults.add({ service: "kubernetes", method: "PATCH", path: `/configmaps/${name}$`, times: 2, ...rule });
      const ctx = context({ name });
      const created = await checkedCreate(t.provider(TYPES.manifest), configMap(name), ctx);
      assert.equal((created.outputs.metadata as { name: string }).name, name);
      assert.ok(ctx.logs.some((m) => logged.test(m)), `no retry message in ${JSON.stringify(ctx.logs)}`);
      assert.equal(t.cloud.faults.rules().length, 0, "both faults were met");
      assert.ok(await t.client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name }), "the object is on the cluster");
    });
  }

  it("gives up after the retries with a Throttled error", async () => {
    t.cloud.faults.add({ service: "kubernetes", method: "PATCH", path: "/configmaps/cm-forever$", status: 429, retryAfterSeconds: 0 });
    const ctx = context({ name: "cm-forever" });
    await assert.rejects(checkedCreate(t.provider(TYPES.manifest), configMap("cm-forever"), ctx), (e: unknown) => {
      assert.ok(e instanceof ProviderError);
      assert.equal(e.code, "Throttled");
      return true;
    });
    assert.equal(ctx.logs.filter((m) => /retrying/.test(m)).length, 6);
  });
});

describe("the Kubernetes retry decision", () => {
  const api = (status: number, headers: Record<string, string> = {}) => new ApiException(status, "x", "", headers);
  it("retries 429, 503 and 5xx, not client errors nor 501", () => {
    for (const s of [429, 500, 502, 503, 504]) assert.ok(retryDecision(api(s), 0), `HTTP ${s}`);
    for (const s of [400, 401, 403, 404, 409, 422, 501]) assert.equal(retryDecision(api(s), 0), undefined, `HTTP ${s}`);
  });
  it("waits what Retry-After says, else backs off exponentially", () => {
    assert.equal(retryDecision(api(429, { "Retry-After": "3" }), 0)?.delayMs, 3000);
    assert.equal(retryDecision(api(429), 2, () => 0.5)?.delayMs, 1000);
  });
  it("retries dropped connections, not aborts", () => {
    assert.ok(retryDecision(Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNRESET" } }), 0));
    assert.equal(retryDecision(Object.assign(new Error("aborted"), { name: "AbortError" }), 0), undefined);
  });
});
