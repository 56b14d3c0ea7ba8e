/**
 * The local cloud says no where Azure says no (issue 11 item 5), each through the real SDK clients:
 * Azure Files volumes (account, key, share), DNS labels unique per region, subnet references and the
 * IP address type, NFS shares, storage SKU changes, unknown properties of strict providers and ARM's
 * own check of linked resource ids.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ContainerGroup } from "@azure/arm-containerinstance";
import { FAST, rejection, startArm, type ArmHarness } from "./arm-harness.js";

const RG = "rg-no";

function group(overrides: Partial<ContainerGroup> = {}): ContainerGroup {
  return {
    location: "westeurope",
    osType: "Linux",
    containers: [{ name: "web", image: "nginx", ports: [{ port: 80 }], resources: { requests: { cpu: 1, memoryInGB: 1 } } }],
    ipAddress: { type: "Public", ports: [{ port: 80, protocol: "TCP" }] },
    ...overrides,
  };
}

function withVolume(volume: { account: string; share: string; key: string | undefined }): ContainerGroup {
  return group({
    containers: [{ name: "web", image: "nginx", ports: [{ port: 80 }], resources: { requests: { cpu: 1, memoryInGB: 1 } }, volumeMounts: [{ name: "data", mountPath: "/mnt/data" }] }],
    volumes: [{ name: "data", azureFile: { shareName: volume.share, storageAccountName: volume.account, storageAccountKey: volume.key } }],
  });
}

describe("ARM refuses what Azure refuses", () => {
  let h: ArmHarness;
  let key1 = "";
  before(async () => {
    h = await startArm();
    await h.resources.resourceGroups.createOrUpdate(RG, { location: "westeurope" });
    await h.resources.resourceGroups.createOrUpdate("rg-other", { location: "westeurope" });
    await h.storage.storageAccounts.beginCreateAndWait(RG, "noacct", { location: "westeurope", sku: { name: "Standard_LRS" }, kind: "StorageV2" }, FAST);
    await h.storage.fileShares.create(RG, "noacct", "data", {});
    key1 = (await h.storage.storageAccounts.listKeys(RG, "noacct")).keys![0]!.value!;
  });
  after(async () => {
    await h.close();
  });

  describe("Azure Files volumes of a container group", () => {
    it("mounts a share of an existing account with a current key", async () => {
      const g = await h.aci.containerGroups.beginCreateOrUpdateAndWait(RG, "vol-ok", withVolume({ account: "noacct", share: "data", key: key1 }), FAST);
      assert.equal(g.provisioningState, "Succeeded");
    });

    const failing = [
      { title: "a storage account that does not exist", volume: () => ({ account: "ghostacct", share: "data", key: key1 }), output: /could not resolve address for ghostacct\.file\.core\.windows\.net/, fix: /does not exist; create it first/ },
      { title: "a key that is not one of the account's", volume: () => ({ account: "noacct", share: "data", key: Buffer.alloc(64, 7).toString("base64") }), output: /Permission denied/, fix: /send key1 or key2/ },
      { title: "a share that does not exist", volume: () => ({ account: "noacct", share: "nope", key: key1 }), output: /No such file or directory/, fix: /share 'nope' does not exist/ },
    ];
    for (const [i, c] of failing.entries()) {
      it(`fails the deployment on ${c.title}, as ACI's mount fails (provisioningState Failed, FailedMountAzureFileVolume)`, async () => {
        const name = `vol-bad-${i}`;
        const err = await rejection(h.aci.containerGroups.beginCreateOrUpdateAndWait(RG, name, withVolume(c.volume()), FAST));
        assert.match(err.message, /The long-running operation has failed\. FailedMountAzureFileVolume\./);
        assert.match(err.message, c.output);
        assert.match(err.message, c.fix);
        const g = await h.aci.containerGroups.get(RG, name);
        assert.equal(g.provisioningState, "Failed");
        assert.equal(g.instanceView?.events?.[0]?.name, "FailedMountAzureFileVolume");
        assert.equal(g.containers[0]!.instanceView?.currentState?.state, "Waiting");
      });
    }

    it("fails a key that was regenerated since", async () => {
      const old = key1;
      const keys = await h.storage.storageAccounts.regenerateKey(RG, "noacct", { keyName: "key1" });
      key1 = keys.keys![0]!.value!;
      const err = await rejection(h.aci.containerGroups.beginCreateOrUpdateAndWait(RG, "vol-ok", withVolume({ account: "noacct", share: "data", key: old }), FAST));
      assert.match(err.message, /Permission denied/);
      const again = await h.aci.containerGroups.beginCreateOrUpdateAndWait(RG, "vol-ok", withVolume({ account: "noacct", share: "data", key: key1 }), FAST);
      assert.equal(again.provisioningState, "Succeeded");
    });

    it("refuses a volume without its key, and a PATCH of a group that has one, with 400 InvalidStorageAccountKey", async () => {
      const missing = await rejection(h.aci.containerGroups.beginCreateOrUpdateAndWait(RG, "vol-nokey", withVolume({ account: "noacct", share: "data", key: undefined }), FAST));
      assert.equal(missing.statusCode, 400);
      assert.equal(missing.code, "InvalidStorageAccountKey");
      assert.match(missing.message, /volume 'data'/);
      const patch = await rejection(h.aci.containerGroups.update(RG, "vol-ok", { tags: { a: "b" } }));
      assert.equal(patch.statusCode, 400);
      assert.equal(patch.code, "InvalidStorageAccountKey");
    });
  });

  describe("DNS name labels", () => {
    const labelled = (label: string, location = "westeurope") => group({ location, ipAddress: { type: "Public", dnsNameLabel: label, ports: [{ port: 80, protocol: "TCP" }] } });

    it("refuses a label another group holds in the same region with 400 DnsNameLabelAlreadyTaken, and frees it on delete", async () => {
      await h.aci.containerGroups.beginCreateOrUpdateAndWait(RG, "dns-a", labelled("shop"), FAST);
      // Re-deploying the holder keeps its label.
      await h.aci.containerGroups.beginCreateOrUpdateAndWait(RG, "dns-a", labelled("shop"), FAST);
      const err = await rejection(h.aci.containerGroups.beginCreateOrUpdateAndWait("rg-other", "dns-b", labelled("Shop"), FAST));
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, "DnsNameLabelAlreadyTaken");
      assert.equal(err.message, "The DNS name label 'shop' in container group 'dns-b' is not available. Try using a different label.");
      const elsewhere = await h.aci.containerGroups.beginCreateOrUpdateAndWait("rg-other", "dns-c", labelled("shop", "northeurope"), FAST);
      assert.equal(elsewhere.ipAddress?.fqdn, "shop.northeurope.azurecontainer.io");
      await h.aci.containerGroups.beginDeleteAndWait(RG, "dns-a", FAST);
      const freed = await h.aci.containerGroups.beginCreateOrUpdateAndWait("rg-other", "dns-b", labelled("shop"), FAST);
      assert.equal(freed.ipAddress?.fqdn, "shop.westeurope.azurecontainer.io");
    });
  });

  describe("subnets and the IP address type", () => {
    const subnet = () => `/subscriptions/${h.sub}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aci`;

    it("refuses a subnet id that is not a resource id with ARM's 400 LinkedInvalidPropertyId", async () => {
      const err = await rejection(h.aci.containerGroups.beginCreateOrUpdateAndWait(RG, "net-a", group({ subnetIds: [{ id: "aci-subnet" }], ipAddress: { type: "Private", ports: [{ port: 80 }] } }), FAST));
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, "LinkedInvalidPropertyId");
      assert.match(err.message, /^Property id 'aci-subnet' at path 'properties\.subnetIds\[0\]\.id' is invalid\. Expect fully qualified resource Id/);
    });

    it("refuses a public IP address with a subnet (InvalidIpAddressTypeForNetworkProfile) and a private one without (PrivateIpWithoutSubnetNotSupported)", async () => {
      const pub = await rejection(h.aci.containerGroups.beginCreateOrUpdateAndWait(RG, "net-b", group({ subnetIds: [{ id: subnet() }] }), FAST));
      assert.equal(pub.statusCode, 400);
      assert.equal(pub.code, "InvalidIpAddressTypeForNetworkProfile");
      const priv = await rejection(h.aci.containerGroups.beginCreateOrUpdateAndWait(RG, "net-b", group({ ipAddress: { type: "Private", ports: [{ port: 80 }] } }), FAST));
      assert.equal(priv.code, "PrivateIpWithoutSubnetNotSupported");
      assert.match(priv.message, /container group 'net-b'/);
      const ok = await h.aci.containerGroups.beginCreateOrUpdateAndWait(RG, "net-b", group({ subnetIds: [{ id: subnet() }], ipAddress: { type: "Private", ports: [{ port: 80 }] } }), FAST);
      assert.equal(ok.provisioningState, "Succeeded");
    });
  });

  describe("storage", () => {
    it("refuses an NFS share on a standard account with 400 FeatureNotSupportedForAccount, and takes it on a premium file account", async () => {
      const err = await rejection(h.storage.fileShares.create(RG, "noacct", "nfs1", { enabledProtocols: "NFS" }));
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, "FeatureNotSupportedForAccount");
      assert.equal(err.message, "NfsFileShares is not supported for the account.");
      await h.storage.storageAccounts.beginCreateAndWait(RG, "nopremium", { location: "westeurope", sku: { name: "Premium_LRS" }, kind: "FileStorage" }, FAST);
      const share = await h.storage.fileShares.create(RG, "nopremium", "nfs1", { enabledProtocols: "NFS", shareQuota: 100 });
      assert.equal(share.enabledProtocols, "NFS");
    });

    it("refuses a SKU change from Standard to Premium by PATCH (and re-PUT) with 400 InvalidValuesForRequestParameters, and takes LRS -> GRS", async () => {
      await h.storage.storageAccounts.beginCreateAndWait(RG, "noskuchange", { location: "westeurope", sku: { name: "Standard_LRS" }, kind: "StorageV2" }, FAST);
      const err = await rejection(h.storage.storageAccounts.update(RG, "noskuchange", { sku: { name: "Premium_LRS" } }));
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, "InvalidValuesForRequestParameters");
      assert.equal(err.message, "Values for request parameters are invalid: sku.");
      const zrs = await rejection(h.storage.storageAccounts.update(RG, "noskuchange", { sku: { name: "Standard_ZRS" } }));
      assert.equal(zrs.code, "InvalidValuesForRequestParameters");
      const rePut = await rejection(h.storage.storageAccounts.beginCreateAndWait(RG, "noskuchange", { location: "westeurope", sku: { name: "Premium_LRS" }, kind: "StorageV2" }, FAST));
      assert.equal(rePut.code, "InvalidValuesForRequestParameters");
      const grs = await h.storage.storageAccounts.update(RG, "noskuchange", { sku: { name: "Standard_GRS" } });
      assert.equal(grs.sku?.name, "Standard_GRS");
      assert.equal((await h.storage.storageAccounts.getProperties(RG, "noskuchange")).sku?.name, "Standard_GRS");
    });
  });

  describe("generic types", () => {
    const rg = () => `/subscriptions/${h.sub}/resourceGroups/${RG}`;

    it("refuses an unknown property where the provider's deserializer does (Microsoft.Compute): 400 InvalidRequestContent 'Could not find member'", async () => {
      const err = await rejection(
        h.resources.resources.beginCreateOrUpdateByIdAndWait(`${rg()}/providers/Microsoft.Compute/availabilitySets/as1`, "2026-04-01", { location: "westeurope", properties: { platformFaultDomainCount: 2, faultDomains: 2 } } as any, FAST),
      );
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, "InvalidRequestContent");
      assert.match(err.message, /Could not find member 'faultDomains' on object of type '\w+'\. Path 'properties\.faultDomains'/);
      const ok = await h.resources.resources.beginCreateOrUpdateByIdAndWait(`${rg()}/providers/Microsoft.Compute/availabilitySets/as1`, "2026-04-01", { location: "westeurope", properties: { platformFaultDomainCount: 2 } } as any, FAST);
      assert.equal((ok.properties as any).platformFaultDomainCount, 2);
    });

    it("refuses an unknown member of a container group as ACI's deserializer does (the definitions say what is known)", async () => {
      const err = await rejection(
        h.resources.resources.createOrUpdateById(`${rg()}/providers/Microsoft.ContainerInstance/containerGroups/strict-cg`, "2023-05-01", { location: "westeurope", properties: { ...(JSON.parse(JSON.stringify({ osType: "Linux", containers: [{ name: "c", properties: { image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1 } } } }] }))), identity: { type: "SystemAssigned" } } } as any, FAST),
      );
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, "InvalidRequestContent");
      assert.match(err.message, /Could not find member 'identity' on object of type '\w+'\. Path 'properties\.identity'/);
    });

    it("ignores an unknown property where the provider ignores it (Microsoft.Network)", async () => {
      const v = await h.resources.resources.beginCreateOrUpdateByIdAndWait(`${rg()}/providers/Microsoft.Network/virtualNetworks/v1`, "2025-09-01", { location: "westeurope", properties: { addressSpace: { addressPrefixes: ["10.1.0.0/16"] }, notAField: 1 } } as any, FAST);
      assert.equal((v.properties as any).notAField, undefined);
    });

    it("refuses a linked id that is not a resource id in any type's properties (LinkedInvalidPropertyId)", async () => {
      const err = await rejection(
        h.resources.resources.beginCreateOrUpdateByIdAndWait(
          `${rg()}/providers/Microsoft.Network/networkInterfaces/nic1`,
          "2025-09-01",
          { location: "westeurope", properties: { ipConfigurations: [{ name: "ip1", properties: { subnet: { id: "sub-management" } } }] } } as any,
          FAST,
        ),
      );
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, "LinkedInvalidPropertyId");
      assert.match(err.message, /^Property id 'sub-management' at path 'properties\.ipConfigurations\[0\]\.properties\.subnet\.id' is invalid\./);
    });
  });
});
