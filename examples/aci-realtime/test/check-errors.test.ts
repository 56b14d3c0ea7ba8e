/**
 * Values the API would reject fail `iac preview --local` before any call: each failure names the
 * resource (its URN), the property and the rule; the exit code is 1 and nothing is created, in the
 * local cloud or in the state.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { exportState, openLocalArm, show, tempProject, type IacResult, type TempProject } from "./iac-cli.js";

const PROGRAM = `
import { ContainerGroup, FileShare, ResourceGroup, StorageAccount } from "@iac/azure";

const group = new ResourceGroup("bad", {});
new StorageAccount("bad", { resourceGroupName: group.name, accountName: "My_Account", sku: { name: "Standard_LRS" }, kind: "StorageV2" });
new FileShare("bad", { resourceGroupName: group.name, accountName: "fineaccount1", shareQuota: 0 });
new ContainerGroup("bad", {
  resourceGroupName: group.name,
  osType: "Linux",
  containers: [{ name: "web", image: "nginx:1.27", ports: [{ port: 80 }], resources: { requests: { cpu: 1, memoryInGB: 1 } } }],
  ipAddress: { type: "Public", ports: [{ port: 8080, protocol: "TCP" }] },
});
`;

let project: TempProject;
let preview: IacResult;
before(async () => {
  project = await tempProject({ "iac.yaml": "name: bad-checks\nmain: index.ts\n", "package.json": '{ "name": "bad-checks", "private": true, "type": "module" }\n', "index.ts": PROGRAM });
  preview = await project.iac(["preview", "--local"]);
});
after(async () => {
  await project?.remove();
});

const urn = (type: string) => `urn:iac:dev::bad-checks::${type}::bad`;

test("preview exits 1", () => {
  assert.equal(preview.code, 1, show(preview));
});

test("a bad storage account name names the account, accountName and the naming rule", () => {
  const line = preview.stdout.split("\n").find((l) => l.includes(urn("azure:storage:StorageAccount")));
  assert.ok(line, show(preview));
  assert.match(line, /property accountName: storage account name "My_Account" must be 3 to 24 characters long and use lowercase letters and digits only/);
});

test("a share quota of 0 names the share, shareQuota and the allowed range", () => {
  const line = preview.stdout.split("\n").find((l) => l.includes(urn("azure:storage:FileShare")));
  assert.ok(line, show(preview));
  assert.match(line, /property shareQuota: must be a whole number of GiB from 1 to 102400 .*got 0/);
});

test("a public port no container exposes names the group, ipAddress.ports and how to fix it", () => {
  const line = preview.stdout.split("\n").find((l) => l.includes(urn("azure:containerinstance:ContainerGroup")));
  assert.ok(line, show(preview));
  assert.match(line, /property ipAddress\.ports: port 8080\/TCP is not exposed by any container: add \{ port: 8080 \} to a container's ports/);
});

test("the summary counts the three failures, and the error says to fix them", () => {
  assert.match(preview.stdout, /3 failed/, show(preview));
  assert.match(preview.stderr, /3 resource operation\(s\) failed during preview/, show(preview));
  // A preview writes no state: the error must not say that something was recorded in it.
  assert.match(preview.stderr, /the preview changed nothing\./, show(preview));
  assert.doesNotMatch(preview.stderr, /recorded in the state/, show(preview));
});

test("nothing was created: no resource group in the local cloud, no resource in the state", async () => {
  const arm = await openLocalArm(project.dir);
  try {
    const groups: string[] = [];
    for await (const g of arm.resources.resourceGroups.list()) groups.push(g.name!);
    assert.deepEqual(groups, []);
  } finally {
    await arm.close();
  }
  const state = await exportState(project).catch(() => ({ resources: [] }));
  assert.deepEqual(state.resources, []);
});
