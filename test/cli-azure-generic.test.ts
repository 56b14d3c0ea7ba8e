/**
 * The generic ARM provider through `iac` on the local cloud, as a user meets it: a virtual network
 * and a subnet (types no hand-written provider knows) go through up, a no-op preview, an in-place
 * update, a typo refused by preview with the property named, and destroy; what the cloud holds is
 * checked through the ARM REST API. The classes are the generated ones of `@iac/azure/network`.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ResourceManagementClient } from "@azure/arm-resources";
import { localCredential } from "@iac/azure";
import { TestProject, finish, show, waitFor } from "./cli-fixture.js";

const program = (prefixes: string[], extra = "") => `
import { ResourceGroup } from "@iac/azure";
import { VirtualNetwork, Subnet } from "@iac/azure/network";
const rg = new ResourceGroup("rg", {});
const vnet = new VirtualNetwork("vnet", { resourceGroupName: rg.name, addressSpace: { addressPrefixes: ${JSON.stringify(prefixes)} }${extra} });
const subnet = new Subnet("apps", { resourceGroupName: rg.name, virtualNetworkName: vnet.virtualNetworkName, addressPrefix: "10.0.1.0/24" });
export const vnetId = vnet.id;
export const subnetId = subnet.id;
`;

let project: TestProject;
let server: ReturnType<TestProject["spawn"]> | undefined;
let served: Promise<unknown> | undefined;
before(async () => {
  project = await TestProject.create({ files: { "index.ts": program(["10.0.0.0/16"]) } });
  // A served cloud, so the test can look at it between the runs.
  server = project.spawn(["local", "serve", "--port", "0"]);
  served = finish(server);
  let stderr = "";
  server.stderr?.on("data", (d: Buffer | string) => (stderr += String(d)));
  await waitFor("the local cloud to be served", async () => stderr.includes("Press Ctrl-C"));
});
after(async () => {
  server?.kill("SIGINT");
  await served;
  await project.remove();
});

/** GET by id through ARM's generic resources API; undefined when it is gone. */
async function rest(): Promise<{ get(id: string, apiVersion: string): Promise<unknown> }> {
  const endpoints = JSON.parse(await readFile(join(project.dir, ".iac", "local", "endpoints.json"), "utf8")) as { arm: string; ca: string; subscriptionId: string };
  const client = new ResourceManagementClient(localCredential, endpoints.subscriptionId, { endpoint: endpoints.arm, tlsOptions: { ca: await readFile(endpoints.ca, "utf8") } });
  return {
    get: (id, apiVersion) =>
      client.resources.getById(id, apiVersion).catch((e: { statusCode?: number }) => {
        if (e.statusCode === 404) return undefined;
        throw e;
      }),
  };
}

test("a virtual network and a subnet through up, no-op preview, update, a refused typo and destroy", async () => {
  const up = await project.run(["up", "--local", "--yes"]);
  assert.equal(up.code, 0, show(up));
  const outputs = JSON.parse((await project.run(["stack", "output", "--json"])).stdout) as { vnetId: string; subnetId: string };
  assert.match(outputs.vnetId, /\/providers\/Microsoft\.Network\/virtualNetworks\/vnet-[a-z0-9]{8}$/);
  const arm = await rest();
  const live = (await arm.get(outputs.vnetId, "2025-09-01")) as { properties: { addressSpace: { addressPrefixes: string[] } } };
  assert.deepEqual(live.properties.addressSpace.addressPrefixes, ["10.0.0.0/16"]);
  assert.equal(((await arm.get(outputs.subnetId, "2025-09-01")) as { properties: { addressPrefix: string } }).properties.addressPrefix, "10.0.1.0/24");

  const noop = await project.run(["preview", "--local", "--expect-no-changes"]);
  assert.equal(noop.code, 0, show(noop));

  await project.write({ "index.ts": program(["10.0.0.0/16", "10.1.0.0/16"]) });
  const update = await project.run(["up", "--local", "--yes"]);
  assert.equal(update.code, 0, show(update));
  assert.match(update.stdout, /1 updated/);
  assert.deepEqual(((await arm.get(outputs.vnetId, "2025-09-01")) as { properties: { addressSpace: { addressPrefixes: string[] } } }).properties.addressSpace.addressPrefixes, ["10.0.0.0/16", "10.1.0.0/16"]);

  await project.write({ "index.ts": program(["10.0.0.0/16"], `, enableDdosProtecion: true`) });
  const typo = await project.run(["preview", "--local"]);
  assert.notEqual(typo.code, 0, show(typo));
  assert.match(typo.stdout + typo.stderr, /enableDdosProtecion.*did you mean enableDdosProtection/);

  const destroy = await project.run(["destroy", "--local", "--yes"]);
  assert.equal(destroy.code, 0, show(destroy));
  assert.equal(await arm.get(outputs.vnetId, "2025-09-01"), undefined);
});
