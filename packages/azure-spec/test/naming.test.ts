import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { className, moduleOfNamespace, nameArgOf, singular } from "@iac/azure-spec";
import { functionExportName, idTemplateOf, resolveClassNames } from "../gen/names.js";

describe("naming of the generated modules", () => {
  it("makes the module from the namespace", () => {
    assert.equal(moduleOfNamespace("Microsoft.Network"), "network");
    assert.equal(moduleOfNamespace("Microsoft.ContainerService"), "containerservice");
    assert.equal(moduleOfNamespace("Dynatrace.Observability"), "dynatrace-observability");
  });

  const singulars: [string, string][] = [
    ["virtualNetworks", "virtualNetwork"],
    ["userAssignedIdentities", "userAssignedIdentity"],
    ["registries", "registry"],
    ["policies", "policy"],
    ["addresses", "address"],
    ["statuses", "status"],
    ["aliases", "alias"],
    ["databases", "database"],
    ["caches", "cache"],
    ["managedHSMs", "managedHSM"],
    ["redis", "redis"],
    ["switches", "switch"],
    ["data", "data"],
    ["dnsZones", "dnsZone"],
    ["apis", "api"],
    ["skus", "sku"],
    ["backupsV2", "backupV2"],
    ["analyses", "analysis"],
    ["status", "status"],
  ];
  for (const [plural, one] of singulars) {
    it(`says ${plural} in the singular as ${one}`, () => assert.equal(singular(plural), one));
  }

  it("makes the class and the name arg from the last segment", () => {
    assert.equal(className("subnets"), "Subnet");
    assert.equal(className("userAssignedIdentities"), "UserAssignedIdentity");
    assert.equal(nameArgOf("virtualNetworks"), "virtualNetworkName");
    assert.equal(nameArgOf("vaults"), "vaultName");
  });

  it("resolves class collisions in a module by the parent's name, shallower and writable types first", () => {
    const names = resolveClassNames([
      { armType: "Microsoft.Sql/servers/databases", writable: true },
      { armType: "Microsoft.Sql/managedInstances/databases", writable: true },
      { armType: "Microsoft.Sql/servers/elasticPools/databases", writable: true },
      { armType: "Microsoft.X/keys", writable: true },
      { armType: "Microsoft.X/vaults/keys", writable: true },
      { armType: "Microsoft.X/things/keys", writable: false },
      { armType: "Microsoft.X/vaults", writable: true },
    ]);
    assert.equal(names.get("microsoft.sql/servers/databases"), "Database", "an override keeps its name");
    assert.equal(names.get("microsoft.sql/managedinstances/databases"), "ManagedInstanceDatabase");
    assert.equal(names.get("microsoft.sql/servers/elasticpools/databases"), "ElasticPoolDatabase");
    assert.equal(names.get("microsoft.x/keys"), "Key", "the shallowest keeps the plain name");
    assert.equal(names.get("microsoft.x/vaults/keys"), "VaultKey");
    assert.equal(names.get("microsoft.x/things/keys"), "ThingKey");
    assert.equal(new Set(names.values()).size, names.size);
  });

  it("names DNS record types with their zone type", () => {
    const names = resolveClassNames([
      { armType: "Microsoft.Network/dnsZones/CAA", writable: true },
      { armType: "Microsoft.Network/dnsZones/A", writable: true },
      { armType: "Microsoft.Network/privateDnsZones/A", writable: true },
    ]);
    assert.deepEqual([...names.values()], ["DnsZoneCaa", "DnsZoneA", "PrivateDnsZoneA"]);
  });

  it("names functions verb first with the class, saying shared words once", () => {
    assert.equal(functionExportName("listKeys", "StorageAccount"), "listStorageAccountKeys");
    assert.equal(functionExportName("listClusterUserCredential", "ManagedCluster"), "listManagedClusterUserCredential");
    assert.equal(functionExportName("regenerateKey", "StorageAccount"), "regenerateStorageAccountKey");
    assert.equal(functionExportName("restart", "ContainerGroup"), "restartContainerGroup");
  });

  it("builds id templates per scope", () => {
    assert.deepEqual(idTemplateOf("Microsoft.Network/virtualNetworks/subnets", "resourceGroup"), {
      idTemplate: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}",
      nameArgs: ["resourceGroupName", "virtualNetworkName", "subnetName"],
    });
    assert.equal(idTemplateOf("Microsoft.Authorization/roleAssignments", "extension").idTemplate, "{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}");
    assert.equal(idTemplateOf("Microsoft.Resources/resourceGroups", "subscription").idTemplate, "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}");
    assert.equal(idTemplateOf("Microsoft.Management/managementGroups", "tenant").idTemplate, "/providers/Microsoft.Management/managementGroups/{managementGroupName}");
    assert.deepEqual(idTemplateOf("Microsoft.X/foos/foos", "subscription").nameArgs, ["fooName", "fooFooName"]);
    assert.deepEqual(idTemplateOf("Microsoft.Network/dnsZones/CNAME", "resourceGroup").nameArgs, ["resourceGroupName", "dnsZoneName", "relativeRecordSetName"]);
  });
});
