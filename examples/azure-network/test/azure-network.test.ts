/**
 * The azure-network example end to end, through the real `iac` binary against the local cloud:
 * eleven resources of seven generated modules on the generic ARM provider. up (everything checked
 * through the ARM REST API), a no-op preview, an in-place update, a replacement with its reason,
 * a change made behind iac's back found by refresh and put back by up, and destroy.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { ResourceManagementClient } from "@azure/arm-resources";
import { localCredential } from "@iac/azure";
import { createArmService, startLocalCloud } from "@iac/emulator";
import { iacProject, show, type IacProject } from "../../../test/iac-run.js";

const EXAMPLE = fileURLToPath(new URL("..", import.meta.url));
let project: IacProject;
let source: string;

before(async () => {
  project = await iacProject({ under: join(EXAMPLE, "test", ".tmp"), copy: { from: EXAMPLE, files: ["index.ts", "iac.yaml", "package.json"] }, env: { IAC_EMULATOR_LRO_STEP_MS: "20" } });
  source = await readFile(join(project.dir, "index.ts"), "utf8");
});
after(async () => {
  await project?.remove();
});

/** Run `fn` with ARM's generic resources API over the project's local cloud (no iac command running). */
async function withArm<T>(fn: (arm: ResourceManagementClient) => Promise<T>): Promise<T> {
  const cloud = await startLocalCloud({ dataDir: join(project.dir, ".iac", "local"), services: { arm: createArmService } });
  try {
    const arm = new ResourceManagementClient(localCredential, cloud.endpoints.subscriptionId, { endpoint: cloud.endpoints.arm, tlsOptions: { ca: await readFile(cloud.endpoints.ca, "utf8") } });
    return await fn(arm);
  } finally {
    await cloud.close();
  }
}

async function outputs(): Promise<Record<string, unknown>> {
  const r = await project.iac(["stack", "output", "--json"]);
  assert.equal(r.code, 0, show(r));
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** The program with `from` replaced by `to` (it must occur). */
async function edit(from: string, to: string): Promise<void> {
  assert.ok(source.includes(from), `the example no longer contains ${from}`);
  source = source.replace(from, to);
  await writeFile(join(project.dir, "index.ts"), source);
}

test("up creates the network, vault, identity, role assignment, registry and Container App", async () => {
  const r = await project.iac(["up", "--local", "--yes"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /11 created/);
  const out = await outputs();
  const rg = String(out.vnetId).split("/")[4]!;
  await withArm(async (arm) => {
    const types: string[] = [];
    for await (const x of arm.resources.listByResourceGroup(rg)) types.push(x.type!);
    assert.deepEqual(
      types.sort(),
      [
        "Microsoft.App/containerApps",
        "Microsoft.App/managedEnvironments",
        "Microsoft.ContainerRegistry/registries",
        "Microsoft.KeyVault/vaults",
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        "Microsoft.Network/networkSecurityGroups",
        "Microsoft.Network/virtualNetworks",
      ].sort(),
    );
    const [webId] = out.subnetIds as string[];
    const web = await arm.resources.getById(webId!, "2025-09-01");
    assert.match(String((web.properties as { networkSecurityGroup?: { id?: string } }).networkSecurityGroup?.id), /\/networkSecurityGroups\/web-[a-z0-9]{8}$/);
    const app = await arm.resources.getById(String(out.appId), "2026-01-01");
    assert.equal(app.identity?.type, "UserAssigned");
  });
  assert.match(String(out.vaultUri), /^https:\/\/secrets-[a-z0-9]{8}\.vault\.azure\.net\/$/);
  assert.match(String(out.registryServer), /^images[a-z0-9]{8}\.azurecr\.io$/);
});

test("a second preview finds nothing to change", async () => {
  const r = await project.iac(["preview", "--local", "--expect-no-changes"]);
  assert.equal(r.code, 0, show(r));
});

test("an address space change updates the virtual network in place", async () => {
  await edit(`addressPrefixes: ["10.20.0.0/16"]`, `addressPrefixes: ["10.20.0.0/16", "10.30.0.0/16"]`);
  const r = await project.iac(["up", "--local", "--yes"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /1 updated/);
  const out = await outputs();
  const live = await withArm((arm) => arm.resources.getById(String(out.vnetId), "2025-09-01"));
  assert.deepEqual((live.properties as { addressSpace: { addressPrefixes: string[] } }).addressSpace.addressPrefixes, ["10.20.0.0/16", "10.30.0.0/16"]);
});

test("another role replaces the role assignment, with the reason in preview", async () => {
  await edit(`const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";`, `const SECRETS_USER = "21090545-7ca7-4776-b22c-e363652d74d2";`);
  const p = await project.iac(["preview", "--local", "--diff"]);
  assert.equal(p.code, 0, show(p));
  assert.match(p.stdout, /a role assignment cannot change its role/);
  const r = await project.iac(["up", "--local", "--yes"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /1 replaced/);
});

test("refresh finds a tag changed behind iac's back, and up puts the program's value back", async () => {
  await edit(`adminUserEnabled: false,`, `adminUserEnabled: false,\n  tags: { env: "demo" },`);
  assert.equal((await project.iac(["up", "--local", "--yes"])).code, 0);
  const out = await outputs();
  const rg = String(out.vnetId).split("/")[4]!;
  await withArm(async (arm) => {
    for await (const x of arm.resources.listByResourceGroup(rg)) {
      if (x.type === "Microsoft.ContainerRegistry/registries") await arm.resources.beginUpdateByIdAndWait(x.id!, "2025-11-01", { tags: { env: "prod" } });
    }
  });
  const refresh = await project.iac(["refresh", "--local", "--yes"]);
  assert.equal(refresh.code, 0, show(refresh));
  const drift = await project.iac(["preview", "--local", "--expect-no-changes", "--diff"]);
  assert.equal(drift.code, 3, show(drift));
  assert.match(drift.stdout, /tags\.env.*prod.*demo|env: "prod" => "demo"/s);
  assert.equal((await project.iac(["up", "--local", "--yes"])).code, 0);
  assert.equal((await project.iac(["preview", "--local", "--expect-no-changes"])).code, 0);
});

test("destroy removes everything", async () => {
  const out = await outputs();
  const r = await project.iac(["destroy", "--local", "--yes"]);
  assert.equal(r.code, 0, show(r));
  const rg = String(out.vnetId).split("/")[4]!;
  await withArm(async (arm) => {
    assert.equal(await arm.resourceGroups.checkExistence(rg).then((x) => x.body), false);
  });
});
