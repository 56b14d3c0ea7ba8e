import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ContainerGroup } from "@azure/arm-containerinstance";
import { example, FAST, rejection, startArm, type ArmHarness } from "./arm-harness.js";

/** key1 of the storage account `cgacct` the groups mount a share of (set once the account exists). */
let accountKey = "";

function group(overrides: Partial<ContainerGroup> = {}): ContainerGroup {
  return {
    location: "westeurope",
    osType: "Linux",
    restartPolicy: "Always",
    containers: [
      {
        name: "web",
        image: "nginx",
        ports: [{ port: 80 }],
        resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
        environmentVariables: [{ name: "MODE", value: "demo" }, { name: "TOKEN", secureValue: "s3cr3t-env" }],
        volumeMounts: [{ name: "data", mountPath: "/mnt/data" }, { name: "conf", mountPath: "/etc/conf", readOnly: true }],
      },
    ],
    ipAddress: { type: "Public", ports: [{ port: 80, protocol: "TCP" }] },
    volumes: [
      { name: "data", azureFile: { shareName: "share1", storageAccountName: "cgacct", storageAccountKey: accountKey } },
      { name: "conf", secret: { "app.conf": Buffer.from("s3cr3t-file").toString("base64") } },
    ],
    ...overrides,
  };
}

describe("ARM container groups through @azure/arm-containerinstance", () => {
  let h: ArmHarness;
  before(async () => {
    h = await startArm();
    await h.resources.resourceGroups.createOrUpdate("rg-cg", { location: "westeurope" });
    await h.storage.storageAccounts.beginCreateAndWait("rg-cg", "cgacct", { location: "westeurope", sku: { name: "Standard_LRS" }, kind: "StorageV2" }, FAST);
    await h.storage.fileShares.create("rg-cg", "cgacct", "share1", {});
    accountKey = (await h.storage.storageAccounts.listKeys("rg-cg", "cgacct")).keys![0]!.value!;
  });
  after(async () => {
    await h.close();
  });

  it("answers PUT with 201 + Azure-AsyncOperation whose status goes Pending -> Creating -> Succeeded", async () => {
    // Phases here last 30 ms; a loaded CI machine can take longer than that between two polls and skip
    // "Creating". This test watches every phase, so it gets a local cloud with slow (500 ms) phases.
    const slow = await startArm({ lroStepMs: 500 });
    after(() => slow.close());
    await slow.resources.resourceGroups.createOrUpdate("rg-cg", { location: "westeurope" });
    const h = slow;
    const put = await h.raw("PUT", `/subscriptions/${h.sub}/resourceGroups/rg-cg/providers/Microsoft.ContainerInstance/containerGroups/rawcg?api-version=2023-05-01`, {
      body: { location: "westeurope", properties: { osType: "Linux", containers: [{ name: "c1", properties: { image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1 } } } }] } },
    });
    assert.equal(put.status, 201);
    assert.equal(put.json.properties.provisioningState, "Pending");
    assert.equal(put.json.properties.instanceView.state, "Pending");
    const aao = new URL(String(put.headers["azure-asyncoperation"]));
    assert.match(aao.pathname, new RegExp(`^/subscriptions/${h.sub}/providers/Microsoft.ContainerInstance/locations/westeurope/operations/`));
    const seen: string[] = [];
    const groupStates = new Set<string>();
    for (;;) {
      const poll = await h.raw("GET", aao.pathname + aao.search);
      assert.equal(poll.status, 200);
      if (seen.at(-1) !== poll.json.status) seen.push(poll.json.status);
      const g = await h.raw("GET", `/subscriptions/${h.sub}/resourceGroups/rg-cg/providers/Microsoft.ContainerInstance/containerGroups/rawcg?api-version=2023-05-01`);
      groupStates.add(g.json.properties.provisioningState);
      if (poll.json.status === "Succeeded") {
        assert.equal(poll.json.id, put.json.id);
        assert.ok(poll.json.startTime);
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.deepEqual(seen, ["Pending", "Creating", "Succeeded"]);
    assert.ok(groupStates.has("Creating") && groupStates.has("Succeeded"));
  });

  it("creates with beginCreateOrUpdateAndWait, fills defaults and never returns secrets", async () => {
    const g = await h.aci.containerGroups.beginCreateOrUpdateAndWait(
      "rg-cg",
      "web-cg",
      group({ tags: { app: "web" }, ipAddress: { type: "Public", dnsNameLabel: "demo-label", ports: [{ port: 80, protocol: "TCP" }] } }),
      FAST,
    );
    assert.equal(g.provisioningState, "Succeeded");
    assert.match(g.ipAddress!.ip!, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(g.ipAddress!.fqdn, "demo-label.westeurope.azurecontainer.io");
    assert.equal(g.instanceView?.state, "Running");
    assert.equal(g.containers[0]!.instanceView?.currentState?.state, "Running");
    assert.equal(g.containers[0]!.instanceView?.restartCount, 0);
    assert.equal(g.sku, "Standard");
    assert.deepEqual(g.tags, { app: "web" });
    const raw = await h.raw("GET", `/subscriptions/${h.sub}/resourceGroups/rg-cg/providers/Microsoft.ContainerInstance/containerGroups/web-cg?api-version=2023-05-01`);
    assert.doesNotMatch(raw.text, /s3cr3t/);
    assert.ok(!raw.text.includes(accountKey), "the storage account key is never returned");
    assert.equal(raw.json.properties.volumes[0].azureFile.storageAccountKey, undefined);
    assert.deepEqual(raw.json.properties.volumes[1].secret, {});
    assert.deepEqual(raw.json.properties.containers[0].properties.environmentVariables, [{ name: "MODE", value: "demo" }, { name: "TOKEN" }]);
    // Not even the emulator's own state file holds them.
    await h.cloud.close();
    const { readFileSync } = await import("node:fs");
    const state = readFileSync(`${h.dataDir}/arm/arm.json`, "utf8");
    assert.doesNotMatch(state, /s3cr3t/);
    assert.ok(!state.includes(accountKey), "nor stored");
    h = await startArm({ dataDir: h.dataDir });
  });

  it("has the properties of the ContainerGroupsGet_Succeeded example", async () => {
    await h.aci.containerGroups.beginCreateOrUpdateAndWait("rg-cg", "shape-cg", group(), FAST);
    const raw = await h.raw("GET", `/subscriptions/${h.sub}/resourceGroups/rg-cg/providers/Microsoft.ContainerInstance/containerGroups/shape-cg?api-version=2023-05-01`);
    const expected = example("containerinstance/ContainerGroupsGet_Succeeded.json").responses["200"].body;
    assert.deepEqual(Object.keys(expected).filter((k) => k !== "zones" && !(k in raw.json)), []);
    assert.deepEqual(Object.keys(expected.properties).filter((k) => !(k in raw.json.properties)), []);
    assert.deepEqual(Object.keys(expected.properties.containers[0].properties).filter((k) => !(k in raw.json.properties.containers[0].properties)), []);
  });

  it("updates tags with PATCH and redeploys mutable changes with PUT (200)", async () => {
    await h.aci.containerGroups.beginCreateOrUpdateAndWait("rg-cg", "upd-cg", group(), FAST);
    await h.aci.containerGroups.beginCreateOrUpdateAndWait("rg-cg", "tags-cg", group({ volumes: undefined, containers: [{ name: "web", image: "nginx", ports: [{ port: 80 }], resources: { requests: { cpu: 1, memoryInGB: 1 } } }] }), FAST);
    const patched = await h.aci.containerGroups.update("rg-cg", "tags-cg", { tags: { v: "2" } });
    assert.deepEqual(patched.tags, { v: "2" });
    const changed = group();
    changed.containers[0]!.image = "nginx:1.27";
    const put = await h.raw("PUT", `/subscriptions/${h.sub}/resourceGroups/rg-cg/providers/Microsoft.ContainerInstance/containerGroups/upd-cg?api-version=2023-05-01`, {
      body: { location: "westeurope", properties: { ...toWire(changed) } },
    });
    assert.equal(put.status, 200, put.text);
    const after = await h.aci.containerGroups.beginCreateOrUpdateAndWait("rg-cg", "upd-cg", changed, FAST);
    assert.equal(after.containers[0]!.image, "nginx:1.27");
  });

  it("refuses immutable changes with InvalidContainerGroupUpdate", async () => {
    await h.aci.containerGroups.beginCreateOrUpdateAndWait("rg-cg", "imm-cg", group(), FAST);
    const bigger = group();
    bigger.containers[0]!.resources = { requests: { cpu: 2, memoryInGB: 1.5 } };
    const err = await rejection(h.aci.containerGroups.beginCreateOrUpdateAndWait("rg-cg", "imm-cg", bigger, FAST));
    assert.equal(err.code, "InvalidContainerGroupUpdate");
    // The status is unconfirmed for real ACI; 409 is what @iac/azure turns into a ConflictError.
    assert.equal(err.statusCode, 409);
    assert.match(err.message, /The updates on container group 'imm-cg' are invalid/);
    const restart = await rejection(h.aci.containerGroups.beginCreateOrUpdateAndWait("rg-cg", "imm-cg", group({ restartPolicy: "Never" }), FAST));
    assert.equal(restart.code, "InvalidContainerGroupUpdate");
  });

  const invalid: { name: string; body: () => ContainerGroup; group?: string; code: string }[] = [
    { name: "empty ipAddress ports", body: () => group({ ipAddress: { type: "Public", ports: [] } }), code: "MissingIpAddressPorts" },
    { name: "a group port no container exposes", body: () => group({ ipAddress: { type: "Public", ports: [{ port: 8080 }] } }), code: "InvalidIpAddressPorts" },
    { name: "an invalid container name", body: () => group({ containers: [{ name: "Web_1", image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1 } } }], ipAddress: undefined, volumes: undefined }), code: "InvalidContainerName" },
    { name: "an invalid group name", body: () => group(), group: "Bad_Group", code: "InvalidContainerGroupName" },
    { name: "a mount of an undefined volume", body: () => group({ volumes: [] }), code: "InvalidVolumeMount" },
  ];
  for (const c of invalid) {
    it(`refuses ${c.name} with 400 ${c.code}`, async () => {
      const err = await rejection(h.aci.containerGroups.beginCreateOrUpdateAndWait("rg-cg", c.group ?? "bad-cg", c.body(), FAST));
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, c.code);
    });
  }

  it("answers a missing group with 404 ResourceNotFound and deletes with 200 + body, then 204", async () => {
    const missing = await rejection(h.aci.containerGroups.get("rg-cg", "nope-cg"));
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.code, "ResourceNotFound");
    await h.aci.containerGroups.beginCreateOrUpdateAndWait("rg-cg", "del-cg", group(), FAST);
    const del = await h.raw("DELETE", `/subscriptions/${h.sub}/resourceGroups/rg-cg/providers/Microsoft.ContainerInstance/containerGroups/del-cg?api-version=2023-05-01`);
    assert.equal(del.status, 200);
    assert.equal(del.json.name, "del-cg");
    const again = await h.raw("DELETE", `/subscriptions/${h.sub}/resourceGroups/rg-cg/providers/Microsoft.ContainerInstance/containerGroups/del-cg?api-version=2023-05-01`);
    assert.equal(again.status, 204);
    await h.aci.containerGroups.beginDeleteAndWait("rg-cg", "del-cg", FAST);
  });

  it("serves container logs", async () => {
    await h.aci.containerGroups.beginCreateOrUpdateAndWait("rg-cg", "logs-cg", group(), FAST);
    const logs = await h.aci.containers.listLogs("rg-cg", "logs-cg", "web");
    assert.equal(typeof logs.content, "string");
    const err = await rejection(h.aci.containers.listLogs("rg-cg", "logs-cg", "nope"));
    assert.equal(err.statusCode, 404);
  });
});

/** The wire form of a classic-SDK ContainerGroup (flattened `properties`). */
function toWire(g: ContainerGroup): Record<string, unknown> {
  const { location: _l, tags: _t, ...props } = g;
  return {
    ...props,
    containers: g.containers.map(({ name, ...p }) => ({ name, properties: p })),
  };
}
