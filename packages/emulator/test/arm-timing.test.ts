/**
 * The `azure` timing profile (`iac local serve --timing=azure`, issue 11 item 7): ARM's durations and
 * Retry-After values, storage accounts invisible until created, container groups visible while they
 * create, and per-subscription throttling with real 429s. The default profile stays fast (every other
 * ARM test runs on it). Waiting tests use a scaled-down clock; nothing here asserts a duration.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseTiming } from "../src/arm/index.js";
import { FAST, startArm, type ArmHarness } from "./arm-harness.js";

const RG = "rg-timing";

describe("ARM timing profile 'azure'", () => {
  describe("at Azure's own pace (factor 1)", () => {
    let h: ArmHarness;
    before(async () => {
      h = await startArm({ arm: { timing: "azure" } });
      await h.resources.resourceGroups.createOrUpdate(RG, { location: "westeurope" });
    });
    after(async () => {
      await h.close();
    });

    it("answers a storage account creation 202 + Retry-After: 17, and the account stays invisible (404) while it runs", async () => {
      const path = `/subscriptions/${h.sub}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/slowacct?api-version=2026-09-01`;
      const put = await h.raw("PUT", path, { body: { location: "westeurope", sku: { name: "Standard_LRS" }, kind: "StorageV2" } });
      assert.equal(put.status, 202);
      assert.equal(put.headers["retry-after"], "17");
      const get = await h.raw("GET", path);
      assert.equal(get.status, 404);
      assert.equal(get.json.error.code, "StorageAccountNotFound");
      const poll = new URL(String(put.headers["location"]));
      const polled = await h.raw("GET", poll.pathname + poll.search);
      assert.equal(polled.status, 202);
      assert.equal(polled.headers["retry-after"], "17");
    });

    it("shows a container group at once, Pending, with no Retry-After (as ACI sends none)", async () => {
      const path = `/subscriptions/${h.sub}/resourceGroups/${RG}/providers/Microsoft.ContainerInstance/containerGroups/slow-cg?api-version=2023-05-01`;
      const put = await h.raw("PUT", path, {
        body: { location: "westeurope", properties: { osType: "Linux", containers: [{ name: "c", properties: { image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1 } } } }] } },
      });
      assert.equal(put.status, 201);
      assert.equal(put.headers["retry-after"], undefined);
      const get = await h.raw("GET", path);
      assert.equal(get.status, 200);
      assert.equal(get.json.properties.provisioningState, "Pending");
      const aao = new URL(String(put.headers["azure-asyncoperation"]));
      const status = await h.raw("GET", aao.pathname + aao.search);
      assert.equal(status.json.status, "Pending");
      assert.equal(status.headers["retry-after"], undefined);
    });

    it("answers a resource group deletion 202 + Retry-After: 15", async () => {
      await h.resources.resourceGroups.createOrUpdate("rg-gone", { location: "westeurope" });
      const del = await h.raw("DELETE", `/subscriptions/${h.sub}/resourceGroups/rg-gone?api-version=2025-04-01`);
      assert.equal(del.status, 202);
      assert.equal(del.headers["retry-after"], "15");
    });

  });

  describe("throttling (a ten times slower clock, so that the bucket cannot refill during the burst)", () => {
    let h: ArmHarness;
    before(async () => {
      h = await startArm({ arm: { timing: "azure", timingFactor: 10 } });
      await h.resources.resourceGroups.createOrUpdate(RG, { location: "westeurope" });
    });
    after(async () => {
      await h.close();
    });

    it("throttles a subscription's reads with 429 SubscriptionRequestsThrottled + Retry-After once its bucket is empty, not another subscription's, and the SDK retries after it", async () => {
      const path = `/subscriptions/${h.sub}/resourcegroups?api-version=2025-04-01`;
      const statuses: number[] = [];
      const remaining: number[] = [];
      let throttled: Awaited<ReturnType<ArmHarness["raw"]>> | undefined;
      // 300 reads against a bucket of 250 tokens (refilling 25 per second of the scaled clock).
      for (let batch = 0; batch < 6; batch++) {
        const answers = await Promise.all(Array.from({ length: 50 }, () => h.raw("GET", path)));
        for (const a of answers) {
          statuses.push(a.status);
          if (a.status === 200) remaining.push(Number(a.headers["x-ms-ratelimit-remaining-subscription-reads"]));
          else throttled ??= a;
        }
      }
      assert.ok(statuses.includes(429), "some reads were throttled");
      assert.ok(throttled !== undefined);
      assert.equal(throttled.json.error.code, "SubscriptionRequestsThrottled");
      assert.match(throttled.json.error.message, new RegExp(`^Number of 'read' requests for subscription '${h.sub}' actor 'local' exceeded\\. Please try again after '\\d+' seconds\\.$`));
      assert.ok(Number(throttled.headers["retry-after"]) >= 1);
      assert.ok(Math.min(...remaining) < 50, "the remaining-reads header counts the bucket down");
      // Writes have their own bucket, and another subscription its own.
      const other = await h.raw("GET", `/subscriptions/11111111-1111-4111-8111-111111111111/resourcegroups?api-version=2025-04-01`);
      assert.equal(other.status, 200);
      // The SDK's pipeline waits for Retry-After and tries again: by then the bucket has refilled.
      const g = await h.resources.resourceGroups.get(RG);
      assert.equal(g.name, RG);
    });
  });

  describe("on a scaled-down clock (factor 0.002)", () => {
    let h: ArmHarness;
    before(async () => {
      h = await startArm({ arm: { timing: "azure", timingFactor: 0.002 } });
      await h.resources.resourceGroups.createOrUpdate(RG, { location: "westeurope" });
    });
    after(async () => {
      await h.close();
    });

    it("completes the same operations through the SDK's pollers", async () => {
      const account = await h.storage.storageAccounts.beginCreateAndWait(RG, "fastacct", { location: "westeurope", sku: { name: "Standard_LRS" }, kind: "StorageV2" }, FAST);
      assert.equal(account.provisioningState, "Succeeded");
      const g = await h.aci.containerGroups.beginCreateOrUpdateAndWait(
        RG,
        "fast-cg",
        { location: "westeurope", osType: "Linux", containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1 } } }] },
        FAST,
      );
      assert.equal(g.provisioningState, "Succeeded");
      await h.resources.resourceGroups.delete(RG, { updateIntervalInMs: 10 });
      assert.equal((await h.resources.resourceGroups.checkExistence(RG)).body, false);
    });
  });

  it("reads the profile as `iac local serve --timing` and IAC_EMULATOR_TIMING give it", () => {
    assert.deepEqual(parseTiming("azure"), { profile: "azure" });
    assert.deepEqual(parseTiming("azure:0.1"), { profile: "azure", factor: 0.1 });
    assert.deepEqual(parseTiming("fast"), { profile: "fast" });
    assert.throws(() => parseTiming("slow"), /unknown timing 'slow'/);
    assert.throws(() => parseTiming("azure:-1"), /positive number/);
  });
});
