/**
 * `check` from the metadata, on real types (Microsoft's definitions through @iac/azure-spec): a
 * virtual network, a subnet, a Key Vault, a managed cluster. Required properties, types,
 * patterns and lengths, enums (case-insensitive, sent in the service's spelling), discriminated
 * objects, unknown properties named with the nearest valid ones, read-only ones refused.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { azureSpec, resourceByToken, type ResourceSpec } from "@iac/azure-spec";
import { UNKNOWN, type PropertyMap } from "@iac/sdk/provider";
import { checkArgs, nearest } from "../src/generic/validate.js";

function check(token: string, args: PropertyMap) {
  const r = resourceByToken(token) as ResourceSpec;
  const module = token.split(":")[1]!;
  return checkArgs(args, { args: azureSpec.argsOf(r), outputs: azureSpec.outputsOf(r), named: (ref) => azureSpec.namedType(module, ref), optional: new Set([r.nameArg]) });
}

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const vault = { resourceGroupName: "rg", location: "westeurope", tenantId: TENANT, sku: { family: "A", name: "standard" } };

describe("check from the metadata", () => {
  it("accepts a well-formed virtual network and keeps its values", () => {
    const r = check("azure:network:VirtualNetwork", { resourceGroupName: "rg", location: "westeurope", addressSpace: { addressPrefixes: ["10.0.0.0/16"] }, tags: { env: "dev" } });
    assert.deepEqual(r.failures, []);
    assert.deepEqual(r.inputs.addressSpace, { addressPrefixes: ["10.0.0.0/16"] });
  });

  it("refuses an unknown property, naming the nearest valid ones", () => {
    const r = check("azure:network:VirtualNetwork", { resourceGroupName: "rg", adressSpace: { addressPrefixes: ["10.0.0.0/16"] } });
    assert.equal(r.failures.length, 1);
    assert.equal(r.failures[0]!.property, "adressSpace");
    assert.match(r.failures[0]!.reason, /is not an arg of this resource type; did you mean addressSpace/);
  });

  it("refuses an unknown nested property, naming the nearest", () => {
    const r = check("azure:network:VirtualNetwork", { resourceGroupName: "rg", addressSpace: { adressPrefixes: ["10.0.0.0/16"] } });
    assert.deepEqual(r.failures.map((f) => f.property), ["addressSpace.adressPrefixes"]);
    assert.match(r.failures[0]!.reason, /did you mean addressPrefixes/);
  });

  it("refuses wrong types with the property's path", () => {
    const r = check("azure:network:VirtualNetwork", { resourceGroupName: "rg", addressSpace: { addressPrefixes: "10.0.0.0/16" }, enableDdosProtection: "yes", flowTimeoutInMinutes: "5" });
    assert.deepEqual(
      r.failures.map((f) => `${f.property}: ${f.reason}`).sort(),
      ["addressSpace.addressPrefixes: must be a list, not a string", "enableDdosProtection: must be true or false, not a string", "flowTimeoutInMinutes: must be a number, not a string"],
    );
  });

  it("refuses a read-only property: it is an output", () => {
    const r = check("azure:network:VirtualNetwork", { resourceGroupName: "rg", resourceGuid: "x", provisioningState: "Succeeded" });
    assert.deepEqual(r.failures.map((f) => f.property).sort(), ["provisioningState", "resourceGuid"]);
    assert.match(r.failures[0]!.reason, /read-only/);
  });

  it("takes a nested object with its properties flattened, as Pulumi writes it, and keeps it in ARM's shape", () => {
    const r = check("azure:network:VirtualNetwork", { resourceGroupName: "rg", addressSpace: { addressPrefixes: ["10.0.0.0/16"] }, subnets: [{ name: "default", addressPrefix: "10.0.1.0/24" }] });
    assert.deepEqual(r.failures, []);
    assert.deepEqual(r.inputs.subnets, [{ name: "default", properties: { addressPrefix: "10.0.1.0/24" } }]);
    const both = check("azure:network:VirtualNetwork", { resourceGroupName: "rg", subnets: [{ name: "a", addressPrefix: "10.0.1.0/24", properties: { addressPrefix: "10.0.2.0/24" } }] });
    assert.deepEqual(both.failures.map((f) => f.property), ["subnets[0].addressPrefix"]);
    const typo = check("azure:network:VirtualNetwork", { resourceGroupName: "rg", subnets: [{ name: "a", adressPrefix: "10.0.1.0/24" }] });
    assert.deepEqual(typo.failures.map((f) => f.property), ["subnets[0].adressPrefix"]);
  });

  it("passes an output object on as a reference: its read-only properties inside are not sent", () => {
    const subnet = { id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/default", name: "default", etag: "W/1", type: "Microsoft.Network/virtualNetworks/subnets", properties: { addressPrefix: "10.0.1.0/24", provisioningState: "Succeeded" } };
    const r = check("azure:network:NetworkInterface", { resourceGroupName: "rg", ipConfigurations: [{ name: "ip", subnet, privateIPAllocationMethod: "Dynamic" }] });
    assert.deepEqual(r.failures, []);
    assert.deepEqual((r.inputs.ipConfigurations as PropertyMap[])[0], { name: "ip", properties: { subnet: { id: subnet.id, name: "default", properties: { addressPrefix: "10.0.1.0/24" } }, privateIPAllocationMethod: "Dynamic" } });
  });

  it("demands the required properties, flattened or inside properties", () => {
    const r = check("azure:keyvault:Vault", { resourceGroupName: "rg", location: "westeurope" });
    assert.deepEqual(r.failures.map((f) => f.property).sort(), ["sku", "tenantId"]);
    assert.deepEqual(check("azure:keyvault:Vault", { resourceGroupName: "rg", location: "westeurope", properties: { tenantId: TENANT, sku: { family: "A", name: "standard" } } }).failures, []);
    const nested = check("azure:keyvault:Vault", { ...vault, sku: { name: "standard" } });
    assert.deepEqual(nested.failures.map((f) => f.property), ["sku.family"]);
  });

  it("matches enums case-insensitively and sends the service's spelling", () => {
    const r = check("azure:keyvault:Vault", { ...vault, sku: { family: "a", name: "PREMIUM" }, createMode: "Default" });
    assert.deepEqual(r.failures, []);
    assert.deepEqual(r.inputs.sku, { family: "A", name: "premium" });
    assert.equal(r.inputs.createMode, "default");
  });

  it("refuses a value outside a closed enum, listing the values and the nearest", () => {
    const r = check("azure:keyvault:Vault", { ...vault, sku: { family: "A", name: "standart" } });
    assert.equal(r.failures.length, 1);
    assert.equal(r.failures[0]!.property, "sku.name");
    assert.match(r.failures[0]!.reason, /"standart" is not one of "standard", "premium"; did you mean "standard"\?/);
  });

  it("accepts any string in an open enum", () => {
    assert.deepEqual(check("azure:network:VirtualNetwork", { resourceGroupName: "rg", privateEndpointVNetPolicies: "SomethingNew" }).failures, []);
  });

  it("checks string patterns and lengths (a tenant id)", () => {
    const r = check("azure:keyvault:Vault", { ...vault, tenantId: "not-a-guid" });
    assert.deepEqual(r.failures.map((f) => f.property), ["tenantId", "tenantId"]);
    assert.match(r.failures.map((f) => f.reason).join("\n"), /10 characters long; it must have at least 36/);
    assert.match(r.failures.map((f) => f.reason).join("\n"), /does not match the pattern/);
  });

  it("checks the own name against the type's rules", () => {
    const r = check("azure:containerservice:ManagedCluster", { resourceGroupName: "rg", location: "westeurope", managedClusterName: "-bad name-" });
    assert.deepEqual(r.failures.map((f) => f.property), ["managedClusterName"]);
    assert.match(r.failures[0]!.reason, /does not match the pattern/);
  });

  it("checks deep in a managed cluster's agent pools (enums, numbers, unknown keys)", () => {
    const r = check("azure:containerservice:ManagedCluster", {
      resourceGroupName: "rg",
      location: "westeurope",
      dnsPrefix: "aks",
      identity: { type: "systemassigned" },
      agentPoolProfiles: [{ name: "system", count: 1, vmSize: "Standard_DS2_v2", mode: "system", osType: "Linux" }, { name: "user", count: "2", mode: "User", vmSize: "Standard_DS2_v2", maxPod: 30 }],
    });
    assert.deepEqual(r.failures.map((f) => f.property).sort(), ["agentPoolProfiles[1].count", "agentPoolProfiles[1].maxPod"]);
    assert.deepEqual((r.inputs.identity as PropertyMap).type, "SystemAssigned");
    assert.equal(((r.inputs.agentPoolProfiles as PropertyMap[])[0]!).mode, "System");
    assert.match(r.failures.find((f) => f.property.endsWith("maxPod"))!.reason, /did you mean maxPods/);
  });

  it("skips what is unknown during preview", () => {
    const r = check("azure:network:Subnet", { resourceGroupName: UNKNOWN, virtualNetworkName: UNKNOWN, addressPrefix: UNKNOWN, networkSecurityGroup: { id: UNKNOWN } });
    assert.deepEqual(r.failures, []);
  });

  it("demands the parent's name of a child type", () => {
    assert.deepEqual(check("azure:network:Subnet", { resourceGroupName: "rg", addressPrefix: "10.0.1.0/24" }).failures.map((f) => f.property), ["virtualNetworkName"]);
  });

  it("refuses a property set both flattened and inside properties", () => {
    const r = check("azure:network:Subnet", { resourceGroupName: "rg", virtualNetworkName: "v", addressPrefix: "10.0.1.0/24", properties: { addressPrefix: "10.0.2.0/24" } });
    assert.deepEqual(r.failures.map((f) => f.property), ["addressPrefix"]);
  });

  it("names the nearest candidates", () => {
    assert.deepEqual(nearest("adressSpace", ["addressSpace", "subnets", "dhcpOptions"]), ["addressSpace"]);
    assert.deepEqual(nearest("zzz", ["addressSpace"]), []);
  });
});
