/**
 * The example against REAL Azure (opt-in: `IAC_LIVE_AZURE=1`; skipped otherwise). It costs money
 * for a few minutes and needs credentials `DefaultAzureCredential` accepts (az login, or
 * AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, ...) and `AZURE_SUBSCRIPTION_ID`.
 *
 * `iac up --yes` on a fresh stack with a unique suffix (stack, DNS label), then the outputs and
 * each resource are checked through the SDK, and the stack is ALWAYS destroyed: `iac destroy --yes`
 * in `finally`, then, as a last resort, every resource group the state named is deleted through
 * the SDK. Location: `IAC_LIVE_AZURE_LOCATION` (default westeurope); image:
 * `IAC_LIVE_AZURE_IMAGE` (default a public hello-world that serves port 80).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { DefaultAzureCredential } from "@azure/identity";
import { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { ResourceManagementClient } from "@azure/arm-resources";
import { StorageManagementClient } from "@azure/arm-storage";
import { exportState, show, tempProject, type ExportedState, type TempProject } from "./iac-cli.js";

const LIVE = process.env.IAC_LIVE_AZURE === "1";
const skip = LIVE ? false : "live Azure suite: runs only with IAC_LIVE_AZURE=1 (plus AZURE_SUBSCRIPTION_ID and Azure credentials); it creates billable resources";

const TYPES = {
  resourceGroup: "azure:resources:ResourceGroup",
  storageAccount: "azure:storage:StorageAccount",
  fileShare: "azure:storage:FileShare",
  containerGroup: "azure:containerinstance:ContainerGroup",
} as const;

/** The names the state holds (created resources and creations in flight), by type. */
function namesIn(state: ExportedState, type: string, key: string): string[] {
  const all = [...state.resources, ...(state.pendingOperations ?? [])].filter((r) => r.type === type);
  return [...new Set(all.map((r) => r.inputs?.[key]).filter((v): v is string => typeof v === "string"))];
}

test("the example on real Azure: up, check every resource through the SDK, destroy", { skip, timeout: 45 * 60_000 }, async (t) => {
  const subscriptionId = process.env.AZURE_SUBSCRIPTION_ID;
  assert.ok(subscriptionId, "IAC_LIVE_AZURE=1 needs AZURE_SUBSCRIPTION_ID (the subscription to create the resources in)");
  const location = process.env.IAC_LIVE_AZURE_LOCATION ?? "westeurope";
  const image = process.env.IAC_LIVE_AZURE_IMAGE ?? "mcr.microsoft.com/azuredocs/aci-helloworld:latest";
  const suffix = randomBytes(4).toString("hex");
  const dnsLabel = `iac-live-${suffix}`;
  const credential = new DefaultAzureCredential();
  const resources = new ResourceManagementClient(credential, subscriptionId);
  const storage = new StorageManagementClient(credential, subscriptionId);
  const containers = new ContainerInstanceManagementClient(credential, subscriptionId);
  // Real Azure only: no local cloud may leak in from the caller's environment.
  const env = { IAC_LOCAL_ENDPOINTS: undefined, AZURE_SUBSCRIPTION_ID: subscriptionId };

  const project: TempProject = await tempProject();
  const groups = new Set<string>();
  const remember = async () => {
    const state = await exportState(project).catch(() => undefined);
    for (const g of state ? namesIn(state, TYPES.resourceGroup, "resourceGroupName") : []) groups.add(g);
  };
  try {
    for (const args of [
      ["stack", "init", `live-${suffix}`],
      ["config", "set", "azure:location", location],
      ["config", "set", "azure:subscriptionId", subscriptionId],
      ["config", "set", "dnsLabel", dnsLabel],
      ["config", "set", "image", image],
    ]) {
      const r = await project.iac(args, env);
      assert.equal(r.code, 0, show(r));
    }

    const up = await project.iac(["up", "--yes"], env);
    await remember();
    assert.equal(up.code, 0, show(up));

    const state = await exportState(project);
    const [rg] = namesIn(state, TYPES.resourceGroup, "resourceGroupName");
    const [account] = namesIn(state, TYPES.storageAccount, "accountName");
    const [share] = namesIn(state, TYPES.fileShare, "shareName");
    const [groupName] = namesIn(state, TYPES.containerGroup, "containerGroupName");
    assert.ok(rg && account && share && groupName, `the state names the four resources: ${JSON.stringify({ rg, account, share, groupName })}`);

    await t.test("the stack output url is https://<dnsLabel>.<location>.azurecontainer.io", async () => {
      const r = await project.iac(["stack", "output", "url"], env);
      assert.equal(r.code, 0, show(r));
      assert.equal(r.stdout.trim().replace(/^"|"$/g, ""), `https://${dnsLabel}.${location}.azurecontainer.io`);
    });

    await t.test("the resource group, account and share exist as declared", async () => {
      const group = await resources.resourceGroups.get(rg);
      assert.equal(group.location, location);
      assert.equal(group.tags?.app, "realtime");
      const sa = await storage.storageAccounts.getProperties(rg, account);
      assert.equal(sa.kind, "StorageV2");
      assert.equal(sa.sku?.name, "Standard_LRS");
      assert.equal(sa.minimumTlsVersion, "TLS1_2");
      assert.equal(sa.provisioningState, "Succeeded");
      const fs = await storage.fileShares.get(rg, account, share);
      assert.equal(fs.shareQuota, 1);
    });

    await t.test("the container group runs both containers with the share mounted and the DNS label", async () => {
      const g = await containers.containerGroups.get(rg, groupName);
      assert.equal(g.provisioningState, "Succeeded");
      assert.deepEqual(g.containers.map((c) => c.name), ["realtime-go", "redis"]);
      assert.equal(g.containers[0]!.image, image);
      assert.deepEqual(g.ipAddress?.ports.map((p) => p.port), [80, 443]);
      assert.equal(g.ipAddress?.fqdn, `${dnsLabel}.${location}.azurecontainer.io`);
      assert.equal(g.volumes?.[0]?.azureFile?.shareName, share);
      assert.equal(g.volumes?.[0]?.azureFile?.storageAccountName, account);
    });

    await t.test("a preview right after up finds no changes (no server default reads as drift)", async () => {
      const r = await project.iac(["preview", "--refresh", "--expect-no-changes"], env);
      assert.equal(r.code, 0, show(r));
    });
  } finally {
    await remember();
    const destroy = await project.iac(["destroy", "--yes"], env);
    if (destroy.code !== 0) t.diagnostic(`iac destroy failed; deleting the resource groups through the SDK\n${show(destroy)}`);
    // Last resort: whatever the state named must not outlive the test.
    for (const rg of groups) {
      if ((await resources.resourceGroups.checkExistence(rg)).body) {
        t.diagnostic(`deleting leftover resource group ${rg}`);
        await resources.resourceGroups.beginDeleteAndWait(rg);
      }
    }
    await project.remove();
    assert.equal(destroy.code, 0, show(destroy));
  }
});
