/**
 * The generated modules as a program uses them: `@iac/azure/<module>` classes register with the
 * type token of the metadata, the `@iac/azure` provider module, the args as given (Outputs
 * resolved, dependencies recorded), and expose every output property; the four hand-written types
 * are the same classes as `@iac/azure`'s. This file is also type-checked by `tsc -b`: the
 * `@ts-expect-error` lines prove the generated declarations refuse what the definitions refuse.
 */
import assert from "node:assert/strict";
import { afterEach, it } from "node:test";
import { setMonitor, type Monitor, type RegistrationResult, type ResourceRegistration } from "@iac/sdk/runtime";
import { inspectOutput, type Output } from "@iac/sdk";
import { resourceByToken } from "@iac/azure-spec";
import { getVirtualNetwork, getVirtualNetworkOutput, NetworkSecurityGroup, Subnet, VirtualNetwork } from "@iac/azure/network";
import { Vault } from "@iac/azure/keyvault";
import { ManagedCluster, listManagedClusterUserCredential } from "@iac/azure/containerservice";
import { BlobContainer, listStorageAccountKeys, listStorageAccountKeysOutput, StorageAccount as GeneratedStorageAccount } from "@iac/azure/storage";
import { StorageAccount } from "@iac/azure";
import { UserAssignedIdentity } from "@iac/azure/managedidentity";
import { RoleAssignment } from "@iac/azure/authorization";

function installMonitor(respond: (reg: ResourceRegistration) => RegistrationResult, options: { preview?: boolean } = {}): ResourceRegistration[] {
  const registrations: ResourceRegistration[] = [];
  const monitor: Monitor = {
    project: "gen",
    stack: "dev",
    preview: options.preview ?? false,
    config: {},
    projectDir: "/tmp/gen",
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

const echo = (reg: ResourceRegistration): RegistrationResult => ({
  id: `/subscriptions/s/resourceGroups/rg/providers/x/${reg.name}`,
  outputs: { ...reg.inputs, name: `${reg.name}-real`, provisioningState: "Succeeded" },
});

it("registers a generated VirtualNetwork and Subnet with their tokens, the @iac/azure provider module and the args as given", async () => {
  const regs = installMonitor(echo);
  const vnet = new VirtualNetwork("vnet", { resourceGroupName: "rg", location: "westeurope", addressSpace: { addressPrefixes: ["10.0.0.0/16"] } });
  const subnet = new Subnet("apps", { resourceGroupName: "rg", virtualNetworkName: vnet.name, addressPrefix: "10.0.1.0/24" });
  const subnetName = await inspectOutput(subnet.virtualNetworkName);
  assert.equal(subnetName.value, "vnet-real");
  const byName = new Map(regs.map((r) => [r.name, r]));
  const v = byName.get("vnet")!;
  assert.equal(v.type, "azure:network:VirtualNetwork");
  assert.equal(v.type, resourceByToken("azure:network:VirtualNetwork")?.token);
  assert.deepEqual(v.provider, { module: "@iac/azure" });
  assert.deepEqual(v.inputs, { resourceGroupName: "rg", location: "westeurope", addressSpace: { addressPrefixes: ["10.0.0.0/16"] } });
  const s = byName.get("apps")!;
  assert.equal(s.type, "azure:network:Subnet");
  assert.equal(s.inputs.virtualNetworkName, "vnet-real");
  assert.deepEqual(s.dependencies, [v.urn]);
  assert.deepEqual((await inspectOutput(vnet.addressSpace)).value, { addressPrefixes: ["10.0.0.0/16"] });
  assert.equal((await inspectOutput(vnet.provisioningState)).value, "Succeeded");
  assert.equal((await inspectOutput(vnet.name)).value, "vnet-real");
  assert.equal(VirtualNetwork.name, "VirtualNetwork");
});

it("exposes read-only properties as outputs that are unknown during preview", async () => {
  installMonitor((reg) => ({ id: undefined, outputs: reg.inputs }), { preview: true });
  const vault = new Vault("kv", { resourceGroupName: "rg", tenantId: "00000000-0000-0000-0000-000000000000", sku: { family: "A", name: "standard" } });
  const state = await inspectOutput(vault.provisioningState);
  assert.equal(state.known, false);
});

it("makes classes for child types of other modules, singleton parents included", () => {
  const regs = installMonitor(echo);
  new ManagedCluster("aks", { resourceGroupName: "rg", dnsPrefix: "aks" });
  new BlobContainer("c", { resourceGroupName: "rg", storageAccountName: "acc", publicAccess: "None" });
  new NetworkSecurityGroup("nsg", {
    resourceGroupName: "rg",
    securityRules: [{ name: "web", properties: { protocol: "Tcp", access: "Allow", direction: "Inbound", priority: 100 } }],
  });
  return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
    assert.deepEqual(regs.map((r) => r.type).sort(), ["azure:containerservice:ManagedCluster", "azure:network:NetworkSecurityGroup", "azure:storage:BlobContainer"]);
  });
});

it("re-exports the hand-written classes for their tokens", () => {
  assert.equal(GeneratedStorageAccount, StorageAccount);
});

it("also exports lookups and functions under Pulumi's <name>Output names", () => {
  assert.equal(getVirtualNetworkOutput, getVirtualNetwork);
  assert.equal(listStorageAccountKeysOutput, listStorageAccountKeys);
});

it("declares typed args: unknown properties, wrong enum values and missing required args do not type-check", () => {
  installMonitor(echo);
  // @ts-expect-error a typo in a property name
  new VirtualNetwork("typo", { resourceGroupName: "rg", adressSpace: {} });
  // @ts-expect-error an enum value the definitions do not have (sku.name is "standard" or "premium")
  new Vault("enum", { resourceGroupName: "rg", tenantId: "t", sku: { family: "A", name: "platinum" } });
  // @ts-expect-error the resource group is required
  new Subnet("no-group", { virtualNetworkName: "v" });
  // Functions and lookups are typed too (not called: they need the generic provider's transport).
  const fn: typeof listManagedClusterUserCredential = listManagedClusterUserCredential;
  const get: typeof getVirtualNetwork = getVirtualNetwork;
  assert.equal(typeof fn, "function");
  assert.equal(typeof get, "function");
});

it("types what ARM always returns as present, so an identity's principalId or a network's name goes where a string is required", () => {
  installMonitor(echo);
  const identity = new UserAssignedIdentity("id", { resourceGroupName: "rg" });
  const vnet = new VirtualNetwork("net", { resourceGroupName: "rg" });
  // No `.apply((x) => x!)`: read-only scalars, name args, `name`, `type` and `location` are Output<T>.
  new RoleAssignment("reads", { scope: "/subscriptions/s", roleDefinitionId: "/r", principalId: identity.principalId });
  new Subnet("sub", { resourceGroupName: vnet.resourceGroupName, virtualNetworkName: vnet.name, addressPrefix: "10.0.0.0/24" });
  const location: Output<string> = vnet.location;
  const state: Output<string> = vnet.provisioningState;
  // @ts-expect-error a virtual network's subnets (a read-only list) are left out by ARM when there are none
  const subnets: Output<unknown[]> = vnet.subnets;
  // @ts-expect-error an optional writable property stays optional
  const timeout: Output<number> = vnet.flowTimeoutInMinutes;
  // The types are what this test proves (tsc -b fails on a wrong @ts-expect-error); the outputs exist at run time too.
  assert.ok([location, state, subnets, timeout].every((o) => o !== undefined));
});
