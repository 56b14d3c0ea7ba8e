import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AzureSpec, azureSpec, functionsOf, loadModule, resourceByArmType, resourceByToken } from "@iac/azure-spec";

describe("azure-spec loader", () => {
  it("finds a child resource type by token with its id template, name args and api-version", () => {
    const subnet = resourceByToken("azure:network:Subnet");
    assert.ok(subnet);
    assert.equal(subnet.armType, "Microsoft.Network/virtualNetworks/subnets");
    assert.equal(
      subnet.idTemplate,
      "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}",
    );
    assert.deepEqual(subnet.nameArgs, ["resourceGroupName", "virtualNetworkName", "subnetName"]);
    assert.equal(subnet.nameArg, "subnetName");
    assert.match(subnet.apiVersion, /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(subnet.scope, "resourceGroup");
  });

  it("matches ARM types case-insensitively and returns undefined for unknown ones", () => {
    assert.equal(resourceByArmType("microsoft.keyvault/VAULTS")?.token, "azure:keyvault:Vault");
    assert.equal(resourceByArmType("Microsoft.Network/virtualNetworkz"), undefined);
    assert.equal(resourceByToken("azure:network:NoSuchThing"), undefined);
    assert.equal(resourceByToken("not a token"), undefined);
  });

  it("names the nearest module when a module does not exist", () => {
    assert.throws(() => loadModule("netwrk"), (e: Error & { code?: string }) => e.code === "UnknownAzureModule" && /"network"/.test(e.message));
  });

  it("lists a resource's functions with their export names", () => {
    const names = functionsOf("azure:containerservice:ManagedCluster").map((f) => f.export);
    assert.ok(names.includes("listManagedClusterUserCredential"), names.join(", "));
    const keys = azureSpec.functionByExport("storage", "listStorageAccountKeys");
    assert.equal(keys?.name, "listKeys");
    assert.equal(typeof keys?.output, "string");
  });

  it("keeps sensitive, required and read-only markers of the body", () => {
    const vault = resourceByToken("azure:keyvault:Vault")!;
    const args = azureSpec.argsOf(vault);
    const tenant = args.find((a) => a.name === "tenantId");
    assert.ok(tenant, "tenantId is flattened from properties");
    assert.deepEqual(tenant.path, ["properties", "tenantId"]);
    assert.equal(args.find((a) => a.name === "vaultUri")?.kind, "properties");
    const outputs = azureSpec.outputsOf(vault).map((a) => a.name);
    assert.ok(outputs.includes("vaultUri"));
    // A container group's secureValue is a secret string.
    const cg = resourceByToken("azure:containerinstance:ContainerGroup")!;
    const text = JSON.stringify(loadModule("containerinstance").types);
    assert.ok(cg);
    assert.match(text, /"secureValue":\{"type":\{"type":"string","sensitive":true\}/);
  });

  it("reads only the modules asked for", () => {
    const spec = new AzureSpec();
    spec.resourceByToken("azure:network:VirtualNetwork");
    assert.equal(spec.tryLoadModule("network")?.module, "network");
    assert.ok(spec.hasModule("keyvault"));
    assert.equal(spec.tryLoadModule("../index"), undefined);
  });
});
