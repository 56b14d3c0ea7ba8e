/**
 * Day-2 operations (issue 11 item 6) through the real SDK clients: container group restart, stop,
 * start and logs; list paging (`nextLink`) and `$filter`; the tags API at subscription, resource group
 * and resource scope, and the subscription's tag names.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ContainerGroup } from "@azure/arm-containerinstance";
import { FAST, rejection, startArm, type ArmHarness } from "./arm-harness.js";

const RG = "rg-day2";

function group(): ContainerGroup {
  return {
    location: "westeurope",
    osType: "Linux",
    containers: [{ name: "web", image: "nginx", ports: [{ port: 80 }], resources: { requests: { cpu: 1, memoryInGB: 1 } } }],
    ipAddress: { type: "Public", ports: [{ port: 80, protocol: "TCP" }] },
  };
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("ARM day-2 operations", () => {
  let h: ArmHarness;
  before(async () => {
    // Two rows per page, so every list below spans pages.
    h = await startArm({ arm: { pageSize: 2 } });
    await h.resources.resourceGroups.createOrUpdate(RG, { location: "westeurope", tags: { env: "prod" } });
  });
  after(async () => {
    await h.close();
  });

  describe("container groups", () => {
    it("stops (204, Stopped), starts (202 + Azure-AsyncOperation, Running) and restarts (204) a group", async () => {
      await h.aci.containerGroups.beginCreateOrUpdateAndWait(RG, "ops-cg", group(), FAST);
      await h.aci.containerGroups.stop(RG, "ops-cg");
      const stopped = await h.aci.containerGroups.get(RG, "ops-cg");
      assert.equal(stopped.instanceView?.state, "Stopped");
      assert.equal(stopped.containers[0]!.instanceView?.currentState?.state, "Terminated");
      assert.equal((await h.aci.containers.listLogs(RG, "ops-cg", "web")).content, "");

      const start = await h.raw("POST", `/subscriptions/${h.sub}/resourceGroups/${RG}/providers/Microsoft.ContainerInstance/containerGroups/ops-cg/start?api-version=2023-05-01`);
      assert.equal(start.status, 202);
      assert.match(String(start.headers["azure-asyncoperation"]), /\/providers\/Microsoft\.ContainerInstance\/locations\/westeurope\/operations\//);
      await h.aci.containerGroups.beginStartAndWait(RG, "ops-cg", FAST);
      const running = await h.aci.containerGroups.get(RG, "ops-cg");
      assert.equal(running.instanceView?.state, "Running");
      assert.equal(running.containers[0]!.instanceView?.currentState?.state, "Running");

      const before = new Date(running.containers[0]!.instanceView!.currentState!.startTime!).getTime();
      await new Promise((r) => setTimeout(r, 20));
      const restart = await h.raw("POST", `/subscriptions/${h.sub}/resourceGroups/${RG}/providers/Microsoft.ContainerInstance/containerGroups/ops-cg/restart?api-version=2023-05-01`);
      assert.equal(restart.status, 204);
      await h.aci.containerGroups.beginRestartAndWait(RG, "ops-cg", FAST);
      const restarted = await h.aci.containerGroups.get(RG, "ops-cg");
      assert.ok(new Date(restarted.containers[0]!.instanceView!.currentState!.startTime!).getTime() > before, "the containers started again");
    });

    it("serves logs of a running container, `tail` lines of them, and 404 for a container the group lacks", async () => {
      await h.aci.containerGroups.beginCreateOrUpdateAndWait(RG, "logs-cg", group(), FAST);
      assert.match((await h.aci.containers.listLogs(RG, "logs-cg", "web")).content!, /container 'web' \(image nginx\) is emulated/);
      assert.equal((await h.aci.containers.listLogs(RG, "logs-cg", "web", { tail: 0 })).content, "");
      assert.equal((await rejection(h.aci.containers.listLogs(RG, "logs-cg", "nope"))).statusCode, 404);
      assert.equal((await rejection(h.aci.containerGroups.stop(RG, "ghost-cg"))).code, "ResourceNotFound");
    });
  });

  describe("paging and $filter", () => {
    before(async () => {
      for (const [i, env] of ["prod", "dev", "prod", "dev", "test"].entries()) {
        await h.resources.resourceGroups.createOrUpdate(`page-${i}`, { location: "westeurope", tags: { env } });
      }
      for (const name of ["pagea", "pageb", "pagec"]) {
        await h.storage.storageAccounts.beginCreateAndWait(RG, `${name}acct`, { location: "westeurope", sku: { name: "Standard_LRS" }, kind: "StorageV2", tags: { tier: name } }, FAST);
      }
    });

    it("pages resource group lists with nextLink, and the SDK's pager follows it to the end", async () => {
      const first = await h.raw("GET", `/subscriptions/${h.sub}/resourcegroups?api-version=2025-04-01`);
      assert.equal(first.json.value.length, 2);
      assert.match(first.json.nextLink, /\$skiptoken=/);
      const names = (await all(h.resources.resourceGroups.list())).map((g) => g.name);
      assert.deepEqual(names.sort(), [RG, "page-0", "page-1", "page-2", "page-3", "page-4"].sort());
      let pages = 1;
      for (let next: string | undefined = first.json.nextLink; next !== undefined; pages++) {
        const page = await h.raw("GET", next.slice(new URL(next).origin.length));
        next = page.json.nextLink;
      }
      assert.equal(pages, 3, "six groups, two per page, and the last page has no nextLink");
      const top = await h.raw("GET", `/subscriptions/${h.sub}/resourcegroups?api-version=2025-04-01&$top=1`);
      assert.equal(top.json.value.length, 1);
      assert.match(top.json.nextLink, /\$top=1&\$skiptoken=/);
    });

    it("filters resource groups by tag name and value", async () => {
      const prod = (await all(h.resources.resourceGroups.list({ filter: "tagName eq 'env' and tagValue eq 'prod'" }))).map((g) => g.name);
      assert.deepEqual(prod.sort(), [RG, "page-0", "page-2"].sort());
      const tagged = await all(h.resources.resourceGroups.list({ filter: "tagName eq 'env'" }));
      assert.equal(tagged.length, 6);
    });

    it("filters resources by type, name and tag (tags then left out, as ARM documents), across pages", async () => {
      const accounts = await all(h.resources.resources.list({ filter: "resourceType eq 'Microsoft.Storage/storageAccounts'" }));
      assert.deepEqual(accounts.map((r) => r.name).sort(), ["pageaacct", "pagebacct", "pagecacct"]);
      const named = await all(h.resources.resources.listByResourceGroup(RG, { filter: "substringof('pageb', name)" }));
      assert.deepEqual(named.map((r) => r.name), ["pagebacct"]);
      const byTag = await all(h.resources.resources.list({ filter: "tagName eq 'tier' and tagValue eq 'pagec'" }));
      assert.deepEqual(byTag.map((r) => [r.name, r.tags]), [["pagecacct", undefined]]);
    });

    it("refuses a filter it cannot evaluate with 400 InvalidFilterInQueryString", async () => {
      const err = await rejection(all(h.resources.resources.list({ filter: "managedBy eq 'someone'" })));
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, "InvalidFilterInQueryString");
      const combined = await rejection(all(h.resources.resources.list({ filter: "tagName eq 'env' and name eq 'x'" })));
      assert.equal(combined.code, "InvalidFilterInQueryString");
    });

    it("lists file shares by name prefix ($filter) and page size ($maxpagesize), as the storage SDK asks", async () => {
      for (const share of ["logs-a", "logs-b", "logs-c", "data-a"]) await h.storage.fileShares.create(RG, "pageaacct", share, {});
      const logs = await all(h.storage.fileShares.list(RG, "pageaacct", { filter: "logs-", maxpagesize: "1" }));
      assert.deepEqual(logs.map((s) => s.name).sort(), ["logs-a", "logs-b", "logs-c"]);
      const page = await h.raw("GET", `/subscriptions/${h.sub}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/pageaacct/fileServices/default/shares?api-version=2026-09-01&$maxpagesize=1`);
      assert.equal(page.json.value.length, 1);
      assert.match(page.json.nextLink, /\$maxpagesize=1&\$skiptoken=/);
    });

    it("pages storage account and container group lists", async () => {
      assert.equal((await all(h.storage.storageAccounts.listByResourceGroup(RG))).length, 3);
      assert.equal((await all(h.storage.storageAccounts.list())).length, 3);
      assert.ok((await all(h.aci.containerGroups.listByResourceGroup(RG))).length >= 2);
    });
  });

  describe("tags API (Microsoft.Resources/tags)", () => {
    const tagsOf = (r: any) => r.properties?.tags ?? r.tags;

    it("replaces, merges, deletes and reads the tags of a resource group", async () => {
      const scope = `/subscriptions/${h.sub}/resourceGroups/${RG}`;
      const put = await h.resources.tagsOperations.createOrUpdateAtScope(scope, { properties: { tags: { owner: "ops", env: "prod" } } });
      assert.deepEqual(tagsOf(put), { owner: "ops", env: "prod" });
      await h.resources.tagsOperations.updateAtScope(scope, { operation: "Merge", properties: { tags: { cost: "42" } } });
      await h.resources.tagsOperations.updateAtScope(scope, { operation: "Delete", properties: { tags: { owner: "ops" } } });
      assert.deepEqual(tagsOf(await h.resources.tagsOperations.getAtScope(scope)), { env: "prod", cost: "42" });
      assert.deepEqual((await h.resources.resourceGroups.get(RG)).tags, { env: "prod", cost: "42" }, "the group itself carries them");
      await h.resources.tagsOperations.updateAtScope(scope, { operation: "Replace", properties: { tags: { env: "prod" } } });
      assert.deepEqual((await h.resources.resourceGroups.get(RG)).tags, { env: "prod" });
    });

    it("sets the tags of a resource (a storage account) and of the subscription, and removes them all", async () => {
      const account = `/subscriptions/${h.sub}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/pageaacct`;
      await h.resources.tagsOperations.createOrUpdateAtScope(account, { properties: { tags: { app: "web" } } });
      assert.deepEqual((await h.storage.storageAccounts.getProperties(RG, "pageaacct")).tags, { app: "web" });
      const sub = `/subscriptions/${h.sub}`;
      await h.resources.tagsOperations.createOrUpdateAtScope(sub, { properties: { tags: { costCenter: "cc1" } } });
      assert.deepEqual(tagsOf(await h.resources.tagsOperations.getAtScope(sub)), { costCenter: "cc1" });
      await h.resources.tagsOperations.deleteAtScope(sub);
      assert.deepEqual(tagsOf(await h.resources.tagsOperations.getAtScope(sub)), {});
      const missing = await rejection(h.resources.tagsOperations.getAtScope(`/subscriptions/${h.sub}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/nosuchacct`));
      assert.equal(missing.statusCode, 404);
    });

    it("refuses tag names with reserved characters (400 InvalidTagNameCharacters)", async () => {
      const err = await rejection(h.resources.tagsOperations.createOrUpdateAtScope(`/subscriptions/${h.sub}/resourceGroups/${RG}`, { properties: { tags: { "k8s.io/role": "x" } } }));
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, "InvalidTagNameCharacters");
    });

    it("lists the subscription's tag names (predefined and used) with counts, and deletes an unused predefined name", async () => {
      await h.resources.tagsOperations.createOrUpdate("project");
      await h.resources.tagsOperations.createOrUpdateValue("project", "alpha");
      const names = await all(h.resources.tagsOperations.list());
      const project = names.find((n) => n.tagName === "project");
      assert.deepEqual(project?.values?.map((v) => v.tagValue), ["alpha"]);
      const env = names.find((n) => n.tagName === "env");
      assert.ok((env?.count?.value ?? 0) >= 6, "env is used by the groups");
      assert.equal((await rejection(h.resources.tagsOperations.delete("project"))).code, "TagNameInUse");
      await h.resources.tagsOperations.deleteValue("project", "alpha");
      await h.resources.tagsOperations.delete("project");
      assert.equal((await all(h.resources.tagsOperations.list())).some((n) => n.tagName === "project"), false);
    });
  });
});
