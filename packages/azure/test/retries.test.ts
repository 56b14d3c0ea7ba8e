/**
 * Throttling and transient failures converge (issue 8, item 7): a 429 without Retry-After (which
 * the SDK's own policy does not retry), 5xx and dropped connections are retried with backoff, each
 * wait shown through the call's logger; retries stop at the limit with a typed error.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import { ProviderError } from "@iac/sdk/provider";
import { TYPES } from "../src/index.js";
import { backoffMs, decide, retryAfterMs } from "../src/retry-policy.js";
import { startHarness, type Harness } from "./local-cloud.js";

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});
beforeEach(() => {
  h.cloud.faults.clear();
  h.logs.length = 0;
});

function response(status: number, headers: Record<string, string> = {}): PipelineResponse {
  return { status, headers: createHttpHeaders(headers), request: createPipelineRequest({ url: "https://x/" }) };
}

const RG = TYPES.resourceGroup;

async function createGroup(name: string, timeouts = {}) {
  const p = h.provider(RG);
  const ctx = h.ctx(RG, name, timeouts);
  const checked = await p.check({}, undefined, ctx);
  return p.create(checked.inputs, ctx);
}

describe("retries against the local cloud", () => {
  for (const [what, rule, logged] of [
    ["a 429 without Retry-After", { status: 429 }, /Azure is throttling requests \(HTTP 429\) without Retry-After; retrying in \d+\.\d s \(retry 1 of 3\)/],
    ["a 429 with Retry-After", { status: 429, retryAfterSeconds: 0 }, /HTTP 429\), Retry-After 0 s; retrying in 0\.0 s/],
    ["a 503", { status: 503 }, /the service is unavailable \(HTTP 503\) without Retry-After; retrying/],
    ["a 500", { status: 500 }, /the service answered HTTP 500; retrying/],
    ["a dropped connection", { drop: true }, /the connection failed \(ECONNRESET\); retrying/],
  ] as const) {
    it(`retries ${what} and the create succeeds, showing the wait`, async () => {
      h.cloud.faults.add({ service: "arm", method: "PUT", path: "/resourcegroups/", times: 2, ...rule });
      const created = await createGroup("retried");
      assert.equal(created.outputs.provisioningState, "Succeeded");
      assert.ok(h.logs.some((m) => logged.test(m) && m.startsWith("PUT /subscriptions/")), `no retry message in ${JSON.stringify(h.logs)}`);
      assert.equal(h.cloud.faults.rules().length, 0, "both faults were met");
    });
  }

  it("gives up after maxRetries with a Throttled error naming the call", async () => {
    h.cloud.faults.add({ service: "arm", method: "PUT", path: "/resourcegroups/", status: 429 });
    await assert.rejects(createGroup("throttled"), (e: unknown) => {
      assert.ok(e instanceof ProviderError);
      assert.equal(e.code, "Throttled");
      assert.match(e.message, /^Creating resource group "throttled-[a-z0-9]{8}" failed: .*\(HTTP 429\)\. Azure is throttling requests: retry later or lower --parallel\./);
      return true;
    });
    assert.equal(h.logs.filter((m) => /retrying/.test(m)).length, 3);
  });

  it("stops waiting when the custom timeout passes", async () => {
    // A long Retry-After: the wait, not the request, is what the timeout cuts short.
    h.cloud.faults.add({ service: "arm", method: "PUT", path: "/resourcegroups/", status: 429, retryAfterSeconds: 60 });
    const started = Date.now();
    await assert.rejects(createGroup("timeout", { create: 300 }), (e: unknown) => e instanceof ProviderError && e.code === "Cancelled");
    assert.ok(Date.now() - started < 30_000, "the 60 s Retry-After was not waited out");
  });
});

describe("the retry decision", () => {
  const o = { retryDelayMs: 1000, maxRetryDelayMs: 30_000 };
  it("reads Retry-After in seconds, as a date, and the millisecond headers", () => {
    assert.equal(retryAfterMs(response(429, { "retry-after": "17" })), 17_000);
    assert.equal(retryAfterMs(response(429, { "retry-after-ms": "250" })), 250);
    assert.equal(retryAfterMs(response(429, { "x-ms-retry-after-ms": "40" })), 40);
    assert.equal(retryAfterMs(response(429, { "retry-after": new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString() }), Date.UTC(2030, 0, 1)), 10_000);
    assert.equal(retryAfterMs(response(429)), undefined);
  });
  it("backs off exponentially within ±20%, capped", () => {
    assert.equal(backoffMs(0, o, () => 0.5), 1000);
    assert.equal(backoffMs(3, o, () => 0.5), 8000);
    assert.equal(backoffMs(10, o, () => 1), 36_000);
    assert.equal(backoffMs(1, o, () => 0), 1600);
  });
  it("retries what may succeed later, and nothing else", () => {
    for (const status of [408, 429, 500, 502, 503, 504]) assert.ok(decide({ response: response(status) }, 0, o), `HTTP ${status}`);
    for (const status of [200, 201, 400, 401, 403, 404, 409, 412, 501, 505]) assert.equal(decide({ response: response(status) }, 0, o), undefined, `HTTP ${status}`);
    assert.ok(decide({ error: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) }, 0, o));
    assert.equal(decide({ error: Object.assign(new Error("aborted"), { name: "AbortError" }) }, 0, o), undefined);
    assert.equal(decide({ error: new Error("a bug") }, 0, o), undefined);
  });
});
