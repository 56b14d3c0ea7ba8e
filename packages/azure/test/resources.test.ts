/**
 * The resource classes as a program uses them: type tokens, the provider module, inputs as
 * registered (Outputs resolved, the storage key still a secret), dependencies, explicit providers.
 */
import assert from "node:assert/strict";
import { afterEach, it } from "node:test";
import { inspectOutput, interpolate } from "@iac/sdk";
import { isSecretValue, setMonitor, wrapSecret, type Monitor, type RegistrationResult, type ResourceRegistration } from "@iac/sdk/runtime";
import { ContainerGroup, FileShare, Provider, ResourceGroup, StorageAccount } from "../src/index.js";

/** A monitor that answers each registration with `respond` and records it. */
function installMonitor(respond: (reg: ResourceRegistration) => RegistrationResult): ResourceRegistration[] {
  const registrations: ResourceRegistration[] = [];
  const monitor: Monitor = {
    project: "aci",
    stack: "dev",
    preview: false,
    config: {},
    projectDir: "/tmp/aci",
    reserve() {},
    async registerResource(reg) {
      registrations.push(reg);
      return respond(reg);
    },
    registerOutputs() {},
    reportError(e) {
      throw e;
    },
  };
  setMonitor(monitor);
  return registrations;
}

afterEach(() => setMonitor(undefined));

const outputsFor = (reg: ResourceRegistration): RegistrationResult => {
  const id = `/subscriptions/s/resourceGroups/rg/${reg.name}`;
  switch (reg.type) {
    case "azure:resources:ResourceGroup":
      return { id, outputs: { name: "rg-12345678", location: "westeurope" } };
    case "azure:storage:StorageAccount":
      return { id, outputs: { name: "data12345678", primaryKey: wrapSecret("KEY=="), primaryEndpoints: { file: "https://data12345678.file.core.windows.net/" } } };
    case "azure:storage:FileShare":
      return { id, outputs: { name: "certs-12345678" } };
    case "azure:containerinstance:ContainerGroup":
      return { id, outputs: { name: "app-12345678", fqdn: "app.westeurope.azurecontainer.io", ipAddress: { ip: "20.1.2.3", type: "Public", ports: [{ port: 80, protocol: "TCP" }] } } };
    default:
      return { id, outputs: {} };
  }
};

it("registers each class under its type token, served by @iac/azure, with values flowing between them", async () => {
  const regs = installMonitor(outputsFor);
  const group = new ResourceGroup("rg");
  const account = new StorageAccount("data", { resourceGroupName: group.name, sku: { name: "Standard_LRS" }, kind: "StorageV2" });
  const share = new FileShare("certs", { resourceGroupName: group.name, accountName: account.name });
  const app = new ContainerGroup("app", {
    resourceGroupName: group.name,
    osType: "Linux",
    containers: [{ name: "web", image: "nginx", ports: [{ port: 80 }], resources: { requests: { cpu: 1, memoryInGB: 1 } }, volumeMounts: [{ name: "v", mountPath: "/v" }] }],
    ipAddress: { type: "Public", ports: [{ port: 80 }] },
    volumes: [{ name: "v", azureFile: { shareName: share.name, storageAccountName: account.name, storageAccountKey: account.primaryKey } }],
  });
  const url = await inspectOutput(interpolate`https://${app.fqdn}`);
  assert.equal(url.value, "https://app.westeurope.azurecontainer.io");
  assert.deepEqual(
    regs.map((r) => [r.type, r.provider?.module]),
    [
      ["azure:resources:ResourceGroup", "@iac/azure"],
      ["azure:storage:StorageAccount", "@iac/azure"],
      ["azure:storage:FileShare", "@iac/azure"],
      ["azure:containerinstance:ContainerGroup", "@iac/azure"],
    ],
  );
  const cg = regs[3]!;
  const azureFile = ((cg.inputs.volumes as { azureFile: Record<string, unknown> }[])[0]!).azureFile;
  assert.equal(azureFile.shareName, "certs-12345678");
  assert.equal(azureFile.storageAccountName, "data12345678");
  assert.ok(isSecretValue(azureFile.storageAccountKey), "the key reaches the container group as a secret");
  assert.ok(cg.dependencies.includes(regs[1]!.urn) && cg.dependencies.includes(regs[2]!.urn));
  const key = await inspectOutput(account.primaryKey);
  assert.deepEqual([key.value, key.secret], ["KEY==", true]);
  assert.equal((await inspectOutput(app.ipAddress)).value?.ip, "20.1.2.3");
  assert.equal((await inspectOutput(account.id)).value, "/subscriptions/s/resourceGroups/rg/data");
});

it("registers an explicit Provider as iac:providers:azure and routes resources to it", async () => {
  const regs = installMonitor((reg) => ({ id: `${reg.name}-id`, outputs: {} }));
  const west = new Provider("west", { location: "westeurope", subscriptionId: "sub-2" });
  const group = new ResourceGroup("rg", {}, { provider: west });
  await inspectOutput(group.id);
  await inspectOutput(west.urn);
  const p = regs.find((r) => r.name === "west");
  const rg = regs.find((r) => r.name === "rg");
  assert.equal(p!.type, "iac:providers:azure");
  assert.deepEqual(p!.inputs, { location: "westeurope", subscriptionId: "sub-2" });
  assert.equal(rg!.provider?.urn, p!.urn);
});
