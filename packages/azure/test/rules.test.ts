import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UNKNOWN } from "@iac/sdk/provider";
import type { CheckEnv } from "../src/check-env.js";
import { checkContainerGroup, diffContainerGroup, type ContainerGroupInputs } from "../src/container-group-rules.js";
import { checkFileShare, diffFileShare, type FileShareInputs } from "../src/file-share-rules.js";
import { checkResourceGroup, diffResourceGroup } from "../src/resource-group-rules.js";
import { checkStorageAccount, diffStorageAccount, type StorageAccountInputs } from "../src/storage-account-rules.js";

const env: CheckEnv = { name: "web-app", defaultLocation: "westeurope", random: (n) => "x".repeat(n) };

const account: StorageAccountInputs = {
  resourceGroupName: "rg1",
  accountName: "webdata1",
  location: "westeurope",
  sku: { name: "Standard_LRS" },
  kind: "StorageV2",
};

const share: FileShareInputs = { resourceGroupName: "rg1", accountName: "webdata1", shareName: "certs", shareQuota: 50 };

const group: ContainerGroupInputs = {
  resourceGroupName: "rg1",
  containerGroupName: "app",
  location: "westeurope",
  osType: "Linux",
  containers: [
    {
      name: "web",
      image: "nginx",
      resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
      ports: [{ port: 80 }, { port: 443 }],
      volumeMounts: [{ name: "certs", mountPath: "/certs" }],
      environmentVariables: [{ name: "TOKEN", secureValue: "s3cret" }],
    },
  ],
  ipAddress: { type: "Public", ports: [{ port: 80, protocol: "TCP" }, { port: 443 }], dnsNameLabel: "myapp" },
  volumes: [{ name: "certs", azureFile: { shareName: "certs", storageAccountName: "webdata1", storageAccountKey: "k" } }],
};

/** The failures' properties, for tables. */
const props = (r: { failures: readonly { property: string }[] }) => r.failures.map((f) => f.property);

describe("autonaming", () => {
  it("names a resource group <name>-<random8>", async () => {
    const r = checkResourceGroup({}, undefined, env);
    assert.equal(r.inputs.resourceGroupName, "web-app-xxxxxxxx");
  });
  it("names a storage account with lowercase letters and digits only, 3 to 24 characters", () => {
    const r = checkStorageAccount({ ...account, accountName: undefined }, undefined, { ...env, name: "My-Very-Long-Storage-Account-Name" });
    assert.equal(r.inputs.accountName, "myverylongstoragxxxxxxxx");
    assert.match(r.inputs.accountName!, /^[a-z0-9]{3,24}$/);
    assert.deepEqual(r.failures, []);
  });
  it("names shares and container groups in lowercase with hyphens", () => {
    assert.equal(checkFileShare({ ...share, shareName: undefined }, undefined, { ...env, name: "Cert_Store" }).inputs.shareName, "cert-store-xxxxxxxx");
    assert.equal(checkContainerGroup({ ...group, containerGroupName: undefined }, undefined, { ...env, name: "Realtime App" }).inputs.containerGroupName, "realtime-app-xxxxxxxx");
  });
  it("keeps the name of the old inputs instead of generating a new one", () => {
    const r = checkStorageAccount({ ...account, accountName: undefined }, { ...account, accountName: "keptname12345678" }, env);
    assert.equal(r.inputs.accountName, "keptname12345678");
  });
  it("keeps an explicit name as given", () => {
    assert.equal(checkResourceGroup({ resourceGroupName: "prod-rg" }, undefined, env).inputs.resourceGroupName, "prod-rg");
  });
  it("generates different names with the real random source", async () => {
    const { randomSuffix } = await import("../src/naming.js");
    const a = randomSuffix(8);
    assert.match(a, /^[a-z0-9]{8}$/);
    assert.notEqual(a, randomSuffix(8));
  });
});

describe("check failures name the property and the rule", () => {
  const table: { title: string; run: () => { failures: readonly { property: string; reason: string }[] }; property: string; mentions: RegExp }[] = [
    { title: "a storage account name with capitals", run: () => checkStorageAccount({ ...account, accountName: "WebData" }, undefined, env), property: "accountName", mentions: /3 to 24.*lowercase/ },
    { title: "a storage account name with a dash", run: () => checkStorageAccount({ ...account, accountName: "web-data" }, undefined, env), property: "accountName", mentions: /lowercase letters and digits/ },
    { title: "a storage account name too short", run: () => checkStorageAccount({ ...account, accountName: "ab" }, undefined, env), property: "accountName", mentions: /3 to 24/ },
    { title: "an unknown SKU", run: () => checkStorageAccount({ ...account, sku: { name: "Standard_XYZ" } }, undefined, env), property: "sku.name", mentions: /Standard_LRS/ },
    { title: "an unknown kind", run: () => checkStorageAccount({ ...account, kind: "Storage3" }, undefined, env), property: "kind", mentions: /StorageV2/ },
    { title: "a resource group name with a space", run: () => checkResourceGroup({ resourceGroupName: "my group" }, undefined, env), property: "resourceGroupName", mentions: /letters, digits/ },
    { title: "a resource group name ending in a period", run: () => checkResourceGroup({ resourceGroupName: "rg." }, undefined, env), property: "resourceGroupName", mentions: /period/ },
    { title: "a resource group name of 91 characters", run: () => checkResourceGroup({ resourceGroupName: "a".repeat(91) }, undefined, env), property: "resourceGroupName", mentions: /1 to 90/ },
    { title: "no location and no default", run: () => checkResourceGroup({ resourceGroupName: "rg" }, undefined, { ...env, defaultLocation: undefined }), property: "location", mentions: /azure:location/ },
    { title: "a share quota of 0", run: () => checkFileShare({ ...share, shareQuota: 0 }, undefined, env), property: "shareQuota", mentions: /1 to 102400/ },
    { title: "a share quota above 102400", run: () => checkFileShare({ ...share, shareQuota: 102401 }, undefined, env), property: "shareQuota", mentions: /1 to 102400/ },
    { title: "a share name with consecutive hyphens", run: () => checkFileShare({ ...share, shareName: "a--b" }, undefined, env), property: "shareName", mentions: /consecutive/ },
    { title: "a share name with capitals", run: () => checkFileShare({ ...share, shareName: "Certs" }, undefined, env), property: "shareName", mentions: /lowercase/ },
    { title: "a share name starting with a hyphen", run: () => checkFileShare({ ...share, shareName: "-certs" }, undefined, env), property: "shareName", mentions: /start and end/ },
    { title: "a share with an unknown protocol", run: () => checkFileShare({ ...share, enabledProtocols: "FTP" }, undefined, env), property: "enabledProtocols", mentions: /SMB/ },
    {
      title: "an ipAddress port no container exposes",
      run: () => checkContainerGroup({ ...group, ipAddress: { type: "Public", ports: [{ port: 8080 }] } }, undefined, env),
      property: "ipAddress.ports",
      mentions: /8080\/TCP is not exposed/,
    },
    {
      title: "the same port twice in one container",
      run: () => checkContainerGroup({ ...group, containers: [{ ...group.containers[0]!, ports: [{ port: 80 }, { port: 443 }, { port: 80, protocol: "TCP" }] }] }, undefined, env),
      property: "containers[0].ports[2].port",
      mentions: /port 80\/TCP is listed twice \(also containers\[0\]\.ports\[0\]\)/,
    },
    {
      title: "the same port in two containers",
      run: () =>
        checkContainerGroup(
          { ...group, containers: [group.containers[0]!, { name: "sidecar", image: "envoy", ports: [{ port: 9901 }, { port: 443 }], resources: { requests: { cpu: 0.5, memoryInGB: 0.5 } } }] },
          undefined,
          env,
        ),
      property: "containers[1].ports[1].port",
      mentions: /port 443\/TCP is already used by container "web" \(containers\[0\]\.ports\[1\]\)/,
    },
    {
      title: "the same port twice in ipAddress.ports",
      run: () => checkContainerGroup({ ...group, ipAddress: { type: "Public", ports: [{ port: 80 }, { port: 443 }, { port: 80, protocol: "tcp" }] } }, undefined, env),
      property: "ipAddress.ports[2].port",
      mentions: /port 80\/TCP is listed twice \(also ipAddress\.ports\[0\]\)/,
    },
    {
      title: "registry credentials without a password or an identity",
      run: () => checkContainerGroup({ ...group, imageRegistryCredentials: [{ server: "myregistry.azurecr.io", username: "pull" }] }, undefined, env),
      property: "imageRegistryCredentials[0]",
      mentions: /needs username and password, or the identity/,
    },
    {
      title: "registry credentials with a URL for a server",
      run: () => checkContainerGroup({ ...group, imageRegistryCredentials: [{ server: "https://myregistry.azurecr.io", username: "pull", password: "p" }] }, undefined, env),
      property: "imageRegistryCredentials[0].server",
      mentions: /without a scheme \("myregistry\.azurecr\.io"\)/,
    },
    {
      title: "registry credentials twice for one server",
      run: () =>
        checkContainerGroup(
          { ...group, imageRegistryCredentials: [{ server: "r.azurecr.io", identity: "/id" }, { server: "R.azurecr.io", username: "u", password: "p" }] },
          undefined,
          env,
        ),
      property: "imageRegistryCredentials[1].server",
      mentions: /twice \(also imageRegistryCredentials\[0\]\)/,
    },
    { title: "an ipAddress without ports", run: () => checkContainerGroup({ ...group, ipAddress: { type: "Public", ports: [] } }, undefined, env), property: "ipAddress.ports", mentions: /at least one port/ },
    {
      title: "a container without resources",
      run: () => checkContainerGroup({ ...group, containers: [{ ...group.containers[0]!, resources: undefined as never }] }, undefined, env),
      property: "containers[0].resources",
      mentions: /requests/,
    },
    {
      title: "a container with zero cpu",
      run: () => checkContainerGroup({ ...group, containers: [{ ...group.containers[0]!, resources: { requests: { cpu: 0, memoryInGB: 1 } } }] }, undefined, env),
      property: "containers[0].resources.requests.cpu",
      mentions: /more than 0/,
    },
    {
      title: "a container with memory not in steps of 0.1 GB",
      run: () => checkContainerGroup({ ...group, containers: [{ ...group.containers[0]!, resources: { requests: { cpu: 1, memoryInGB: 1.55 } } }] }, undefined, env),
      property: "containers[0].resources.requests.memoryInGB",
      mentions: /steps of 0.1/,
    },
    { title: "a container group name with capitals", run: () => checkContainerGroup({ ...group, containerGroupName: "App" }, undefined, env), property: "containerGroupName", mentions: /lowercase/ },
    {
      title: "a container name with an underscore",
      run: () => checkContainerGroup({ ...group, containers: [{ ...group.containers[0]!, name: "my_web" }] }, undefined, env),
      property: "containers[0].name",
      mentions: /\[a-z0-9\]/,
    },
    {
      title: "a volume mount naming no volume",
      run: () => checkContainerGroup({ ...group, containers: [{ ...group.containers[0]!, volumeMounts: [{ name: "data", mountPath: "/data" }] }] }, undefined, env),
      property: "containers[0].volumeMounts[0].name",
      mentions: /no volume named "data"/,
    },
    { title: "an unknown OS type", run: () => checkContainerGroup({ ...group, osType: "BeOS" }, undefined, env), property: "osType", mentions: /Linux/ },
    { title: "a DNS label with capitals", run: () => checkContainerGroup({ ...group, ipAddress: { ...group.ipAddress!, dnsNameLabel: "MyApp" } }, undefined, env), property: "ipAddress.dnsNameLabel", mentions: /lowercase/ },
  ];
  for (const row of table) {
    it(`rejects ${row.title}`, () => {
      const failure = row.run().failures.find((f) => f.property === row.property);
      assert.ok(failure, `expected a failure on ${row.property}`);
      assert.match(failure.reason, row.mentions);
    });
  }

  it("accepts the valid examples without failures", () => {
    assert.deepEqual(checkStorageAccount(account, undefined, env).failures, []);
    assert.deepEqual(checkFileShare(share, undefined, env).failures, []);
    assert.deepEqual(checkContainerGroup(group, undefined, env).failures, []);
    assert.deepEqual(checkResourceGroup({ resourceGroupName: "rg_(1).a" }, undefined, env).failures, []);
  });

  it("never puts a secure value into a failure message", () => {
    const bad = checkContainerGroup(
      { ...group, containers: [{ ...group.containers[0]!, environmentVariables: [{ name: "T", value: "plain", secureValue: "s3cret" }] }] },
      undefined,
      env,
    );
    assert.ok(bad.failures.length > 0);
    assert.ok(bad.failures.every((f) => !f.reason.includes("s3cret")));
  });

  it("fills the location from the configured default", () => {
    assert.equal(checkResourceGroup({ resourceGroupName: "rg" }, undefined, env).inputs.location, "westeurope");
  });
});

describe("check refuses unknown args and takes enum values in any case (issue 12, item 2)", () => {
  const table: { title: string; run: () => { failures: readonly { property: string; reason: string }[] }; property: string; mentions: RegExp }[] = [
    { title: "a typo in a resource group arg", run: () => checkResourceGroup({ resourceGroupName: "rg", tagz: { a: "b" } } as never, undefined, env), property: "tagz", mentions: /not an arg.*did you mean tags/ },
    { title: "a storage arg the type does not take", run: () => checkStorageAccount({ ...account, networkRuleSet: { defaultAction: "Deny" } } as never, undefined, env), property: "networkRuleSet", mentions: /not an arg of this resource type/ },
    { title: "a typo inside the sku", run: () => checkStorageAccount({ ...account, sku: { name: "Standard_LRS", tire: "Standard" } } as never, undefined, env), property: "sku.tire", mentions: /not a property of sku.*valid ones are name/ },
    { title: "a typo in a share arg", run: () => checkFileShare({ ...share, shareQuote: 5 } as never, undefined, env), property: "shareQuote", mentions: /did you mean shareQuota/ },
    {
      title: "a typo deep in a container",
      run: () => checkContainerGroup({ ...group, containers: [{ ...group.containers[0]!, resources: { requests: { cpu: 1, memoryInGB: 1.5, memoryInGb: 2 } } }] } as never, undefined, env),
      property: "containers[0].resources.requests.memoryInGb",
      mentions: /did you mean memoryInGB/,
    },
    { title: "registry credentials misspelt", run: () => checkContainerGroup({ ...group, imageRegistryCredential: [] } as never, undefined, env), property: "imageRegistryCredential", mentions: /did you mean imageRegistryCredentials/ },
  ];
  for (const row of table) {
    it(`refuses ${row.title}`, () => {
      const r = row.run();
      const f = r.failures.find((x) => x.property === row.property);
      assert.ok(f, `expected a failure on ${row.property}, got ${JSON.stringify(r.failures)}`);
      assert.match(f.reason, row.mentions);
    });
  }

  it("takes enum values in any case and sends them in the service's spelling", () => {
    const g = checkContainerGroup(
      {
        ...group,
        osType: "linux",
        restartPolicy: "always",
        containers: [{ ...group.containers[0]!, ports: [{ port: 80, protocol: "Tcp" }, { port: 443, protocol: "udp" }] }],
        ipAddress: { type: "public", ports: [{ port: 80, protocol: "tcp" }], dnsNameLabel: "myapp" },
      },
      undefined,
      env,
    );
    assert.deepEqual(g.failures, []);
    assert.equal(g.inputs.osType, "Linux");
    assert.equal(g.inputs.restartPolicy, "Always");
    assert.deepEqual(g.inputs.containers[0]!.ports, [{ port: 80, protocol: "TCP" }, { port: 443, protocol: "UDP" }]);
    assert.deepEqual(g.inputs.ipAddress, { type: "Public", ports: [{ port: 80, protocol: "TCP" }], dnsNameLabel: "myapp" });
    const a = checkStorageAccount({ ...account, sku: { name: "standard_lrs" }, kind: "storagev2", minimumTlsVersion: "tls1_2" }, undefined, env);
    assert.deepEqual(a.failures, []);
    assert.deepEqual([a.inputs.sku.name, a.inputs.kind, a.inputs.minimumTlsVersion], ["Standard_LRS", "StorageV2", "TLS1_2"]);
    const s = checkFileShare({ ...share, enabledProtocols: "nfs", rootSquash: "noRootSquash" }, undefined, env);
    assert.deepEqual(s.failures, []);
    assert.deepEqual([s.inputs.enabledProtocols, s.inputs.rootSquash], ["NFS", "NoRootSquash"]);
  });

  it("still refuses a value that is no spelling of a known one", () => {
    assert.deepEqual(props(checkContainerGroup({ ...group, restartPolicy: "sometimes" }, undefined, env)), ["restartPolicy"]);
  });

  it("leaves the program's own object untouched", () => {
    const mine = { ...group, osType: "linux" };
    checkContainerGroup(mine, undefined, env);
    assert.equal(mine.osType, "linux");
  });
});

describe("check skips rules whose values are unknown during preview", () => {
  it("does not judge an unknown account name", () => {
    assert.deepEqual(props(checkFileShare({ ...share, accountName: UNKNOWN }, undefined, env)), []);
  });
  it("does not cross-check ports when a container's ports are unknown", () => {
    const r = checkContainerGroup({ ...group, containers: [{ ...group.containers[0]!, ports: UNKNOWN as never }], ipAddress: { type: "Public", ports: [{ port: 8080 }] } }, undefined, env);
    assert.deepEqual(props(r), []);
  });
  it("does not require a known storage key", () => {
    const r = checkContainerGroup({ ...group, volumes: [{ name: "certs", azureFile: { shareName: UNKNOWN, storageAccountName: UNKNOWN, storageAccountKey: UNKNOWN } }] }, undefined, env);
    assert.deepEqual(props(r), []);
  });
  it("still reports the rules it can judge", () => {
    const r = checkStorageAccount({ ...account, resourceGroupName: UNKNOWN, accountName: "Bad-Name" }, undefined, env);
    assert.deepEqual(props(r), ["accountName"]);
  });
});

type DiffRow = { title: string; diff: () => ReturnType<typeof diffStorageAccount>; replace: boolean; path: string; reason?: RegExp };

describe("diffs: which changes update in place and which replace, with reasons", () => {
  const table: DiffRow[] = [
    { title: "resource group location", diff: () => diffResourceGroup({ resourceGroupName: "rg", location: "westeurope" }, { resourceGroupName: "rg", location: "northeurope" }), replace: true, path: "location", reason: /location/ },
    { title: "resource group name", diff: () => diffResourceGroup({ resourceGroupName: "a", location: "westeurope" }, { resourceGroupName: "b", location: "westeurope" }), replace: true, path: "resourceGroupName", reason: /renamed/ },
    { title: "resource group tag", diff: () => diffResourceGroup({ resourceGroupName: "a", tags: { env: "dev" } }, { resourceGroupName: "a", tags: { env: "prod" } }), replace: false, path: "tags.env" },
    { title: "storage location", diff: () => diffStorageAccount(account, { ...account, location: "eastus" }), replace: true, path: "location", reason: /location/ },
    { title: "storage account name", diff: () => diffStorageAccount(account, { ...account, accountName: "other1" }), replace: true, path: "accountName", reason: /renamed/ },
    { title: "storage kind Storage to StorageV2", diff: () => diffStorageAccount({ ...account, kind: "Storage" }, account), replace: false, path: "kind" },
    { title: "storage kind StorageV2 to BlobStorage", diff: () => diffStorageAccount(account, { ...account, kind: "BlobStorage" }), replace: true, path: "kind", reason: /Storage to StorageV2/ },
    { title: "storage kind StorageV2 to Storage", diff: () => diffStorageAccount(account, { ...account, kind: "Storage" }), replace: true, path: "kind", reason: /Storage to StorageV2/ },
    { title: "storage LRS to GRS (same family)", diff: () => diffStorageAccount(account, { ...account, sku: { name: "Standard_GRS" } }), replace: false, path: "sku.name" },
    { title: "storage GRS to RAGRS (same family)", diff: () => diffStorageAccount({ ...account, sku: { name: "Standard_GRS" } }, { ...account, sku: { name: "Standard_RAGRS" } }), replace: false, path: "sku.name" },
    { title: "storage ZRS to GZRS (same family)", diff: () => diffStorageAccount({ ...account, sku: { name: "Standard_ZRS" } }, { ...account, sku: { name: "Standard_GZRS" } }), replace: false, path: "sku.name" },
    { title: "storage LRS to ZRS (other family)", diff: () => diffStorageAccount(account, { ...account, sku: { name: "Standard_ZRS" } }), replace: true, path: "sku.name", reason: /families/ },
    { title: "storage RAGRS to RAGZRS (other family)", diff: () => diffStorageAccount({ ...account, sku: { name: "Standard_RAGRS" } }, { ...account, sku: { name: "Standard_RAGZRS" } }), replace: true, path: "sku.name", reason: /families/ },
    { title: "storage Standard to Premium", diff: () => diffStorageAccount(account, { ...account, sku: { name: "Premium_LRS" } }), replace: true, path: "sku.name", reason: /tier/ },
    { title: "storage isHnsEnabled", diff: () => diffStorageAccount(account, { ...account, isHnsEnabled: true }), replace: true, path: "isHnsEnabled", reason: /hierarchical namespace/ },
    { title: "storage access tier", diff: () => diffStorageAccount(account, { ...account, accessTier: "Cool" }), replace: false, path: "accessTier" },
    { title: "storage minimum TLS version", diff: () => diffStorageAccount(account, { ...account, minimumTlsVersion: "TLS1_2" }), replace: false, path: "minimumTlsVersion" },
    { title: "storage tag", diff: () => diffStorageAccount(account, { ...account, tags: { a: "b" } }), replace: false, path: "tags" },
    { title: "storage kind unknown during preview", diff: () => diffStorageAccount(account, { ...account, kind: UNKNOWN }), replace: true, path: "kind", reason: /known only after apply/ },
    { title: "share protocol", diff: () => diffFileShare(share, { ...share, enabledProtocols: "NFS" }), replace: true, path: "enabledProtocols", reason: /only be set when the share is created/ },
    { title: "share quota", diff: () => diffFileShare(share, { ...share, shareQuota: 100 }), replace: false, path: "shareQuota" },
    { title: "share metadata", diff: () => diffFileShare(share, { ...share, metadata: { owner: "me" } }), replace: false, path: "metadata" },
    { title: "share name", diff: () => diffFileShare(share, { ...share, shareName: "other" }), replace: true, path: "shareName", reason: /renamed/ },
    { title: "share account", diff: () => diffFileShare(share, { ...share, accountName: "other1" }), replace: true, path: "accountName", reason: /another storage account/ },
    { title: "container group tags", diff: () => diffContainerGroup(group, { ...group, tags: { env: "dev" } }), replace: false, path: "tags" },
    {
      title: "container group image",
      diff: () => diffContainerGroup(group, { ...group, containers: [{ ...group.containers[0]!, image: "nginx:2" }] }),
      replace: true,
      path: "containers[0].image",
      reason: /redeployed to change containers\[0\]\.image/,
    },
    { title: "container group restart policy", diff: () => diffContainerGroup(group, { ...group, restartPolicy: "Never" }), replace: true, path: "restartPolicy", reason: /redeployed/ },
    { title: "container group location", diff: () => diffContainerGroup(group, { ...group, location: "eastus" }), replace: true, path: "location", reason: /location/ },
    {
      title: "container group DNS label",
      diff: () => diffContainerGroup(group, { ...group, ipAddress: { ...group.ipAddress!, dnsNameLabel: "other" } }),
      replace: true,
      path: "ipAddress.dnsNameLabel",
      reason: /redeployed/,
    },
  ];
  for (const row of table) {
    it(`${row.replace ? "replaces" : "updates in place"} on a change of ${row.title}`, () => {
      const d = row.diff();
      assert.equal(d.changes, true);
      const entry = d.detailed.find((p) => p.path === row.path);
      assert.ok(entry, `expected a change at ${row.path}, got ${JSON.stringify(d.detailed)}`);
      assert.equal(entry.replace, row.replace);
      assert.equal(d.replaces.length > 0, row.replace);
      if (row.reason) assert.match(entry.reason ?? "", row.reason);
    });
  }
});

describe("diffs ignore what is not a change", () => {
  it("treats locations that differ only in case and spaces as the same", () => {
    assert.equal(diffStorageAccount(account, { ...account, location: "West Europe" }).changes, false);
    assert.equal(diffResourceGroup({ resourceGroupName: "a", location: "westeurope" }, { resourceGroupName: "a", location: "WestEurope" }).changes, false);
  });
  it("treats an absent restart policy as Always", () => {
    assert.equal(diffContainerGroup(group, { ...group, restartPolicy: "Always" }).changes, false);
  });
  it("treats an absent share protocol as SMB", () => {
    assert.equal(diffFileShare(share, { ...share, enabledProtocols: "SMB" }).changes, false);
  });
  it("finds identical inputs unchanged", () => {
    assert.deepEqual(diffContainerGroup(group, structuredClone(group)), { changes: false, replaces: [], detailed: [] });
  });
  it("shows a rotated secret as a path, never as its value", () => {
    const d = diffContainerGroup(group, { ...group, volumes: [{ name: "certs", azureFile: { shareName: "certs", storageAccountName: "webdata1", storageAccountKey: "new" } }] });
    assert.deepEqual(d.detailed.map((p) => p.path), ["volumes[0].azureFile.storageAccountKey"]);
    assert.ok(!JSON.stringify(d).includes("new\""));
  });
});

describe("replacements that keep a unique name delete first", () => {
  it("asks to delete first when a storage account keeps its name but changes location", () => {
    assert.equal(diffStorageAccount(account, { ...account, location: "eastus" }).deleteBeforeReplace, true);
  });
  it("creates first when the replacement has a new name", () => {
    assert.equal(diffStorageAccount(account, { ...account, accountName: "newname1", location: "eastus" }).deleteBeforeReplace, undefined);
  });
  it("deletes first when a container group keeps its DNS label in the same region", () => {
    const d = diffContainerGroup(group, { ...group, containerGroupName: "app2", containers: [{ ...group.containers[0]!, image: "nginx:2" }] });
    assert.equal(d.deleteBeforeReplace, true);
  });
  it("never asks anything of an in-place update", () => {
    assert.equal(diffFileShare(share, { ...share, shareQuota: 10 }).deleteBeforeReplace, undefined);
  });
});
