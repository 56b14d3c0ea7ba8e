/**
 * The azure-network example end to end, through the real `iac` binary against the local cloud:
 * twelve resources of eight generated modules on the generic ARM provider. up (everything checked
 * through the ARM REST API), a no-op preview, a typo refused by preview, an in-place update and a
 * replacement with its reason in one run, a change made behind iac's back found by refresh and put back by up, and destroy.
 *
 * One local cloud (`iac local serve`) serves every run and the test's own ARM client, with its
 * long-running operations ending at the first poll: the runs do not each start a cloud, and the
 * test spends its time on what it asserts (see docs/providers/azure-generated.md, "Tests").
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { ResourceManagementClient } from "@azure/arm-resources";
import { createDefaultHttpClient, createPipelineRequest } from "@azure/core-rest-pipeline";
import { readdir } from "node:fs/promises";
import { localCredential } from "@iac/azure";
import { finish, waitFor } from "../../../test/cli-fixture.js";
import { iacProject, show, spawnIac, type IacProject, type IacResult } from "../../../test/iac-run.js";

const EXAMPLE = fileURLToPath(new URL("..", import.meta.url));
/** The served cloud answers every long-running operation's first poll with its end. */
const ENV = { IAC_EMULATOR_LRO_STEP_MS: "0" };
let project: IacProject;
let source: string;
let server: ChildProcess | undefined;
let served: Promise<IacResult> | undefined;
let arm: ResourceManagementClient;
/** The local cloud's CA certificate file. */
let caFile: string;
/** The stack outputs after the first up (ids do not change until destroy). */
let out: Record<string, unknown>;

before(async () => {
  project = await iacProject({ under: join(EXAMPLE, "test", ".tmp"), copy: { from: EXAMPLE, files: ["index.ts", "iac.yaml", "package.json"] }, env: ENV });
  source = await readFile(join(project.dir, "index.ts"), "utf8");
  server = spawnIac(["local", "serve", "--port", "0"], { cwd: project.dir, env: ENV, stdin: "ignore" });
  served = finish(server);
  let stderr = "";
  server.stderr?.on("data", (d: Buffer | string) => (stderr += String(d)));
  await waitFor("the local cloud to be served", async () => stderr.includes("Press Ctrl-C"));
  const endpoints = JSON.parse(await readFile(join(project.dir, ".iac", "local", "endpoints.json"), "utf8")) as { arm: string; ca: string; subscriptionId: string };
  caFile = endpoints.ca;
  arm = new ResourceManagementClient(localCredential, endpoints.subscriptionId, { endpoint: endpoints.arm, tlsOptions: { ca: await readFile(endpoints.ca, "utf8") } });
});
after(async () => {
  server?.kill("SIGINT");
  await served;
  await project?.remove();
});

/** `iac <args> --local`, which must exit with `code`. */
async function iac(args: readonly string[], code = 0): Promise<IacResult> {
  const r = await project.iac([...args, "--local"]);
  assert.equal(r.code, code, show(r));
  return r;
}

/** The program with `from` replaced by `to` (it must occur). */
async function edit(from: string, to: string): Promise<void> {
  assert.ok(source.includes(from), `the example no longer contains ${from}`);
  source = source.replace(from, to);
  await writeFile(join(project.dir, "index.ts"), source);
}

const groupOf = (id: unknown) => String(id).split("/")[4]!;

test("up creates the network, vault, identity, role assignment, registry and Container App", async () => {
  assert.match((await iac(["up", "--yes"])).stdout, /12 created/);
  const r = await project.iac(["stack", "output", "--json"]);
  assert.equal(r.code, 0, show(r));
  out = JSON.parse(r.stdout) as Record<string, unknown>;
  const types: string[] = [];
  for await (const x of arm.resources.listByResourceGroup(groupOf(out.vnetId))) types.push(x.type!);
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
      "Microsoft.OperationalInsights/workspaces",
    ].sort(),
  );
  const [webId] = out.subnetIds as string[];
  const web = await arm.resources.getById(webId!, "2025-09-01");
  assert.equal((web.properties as { addressPrefix?: string }).addressPrefix, "10.20.1.0/24");
  assert.match(String((web.properties as { networkSecurityGroup?: { id?: string } }).networkSecurityGroup?.id), /\/networkSecurityGroups\/web-[a-z0-9]{8}$/);
  const app = await arm.resources.getById(String(out.appId), "2026-01-01");
  assert.equal(app.identity?.type, "UserAssigned");
  assert.match(String(out.vaultUri), /^https:\/\/secrets-[a-z0-9]{8}\.vault\.azure\.net\/$/);
  assert.match(String(out.registryServer), /^images[a-z0-9]{8}\.azurecr\.io$/);
  // The environment logs to the workspace with its shared key, read by getSharedKeysOutput: a secret,
  // never written in plaintext under .iac/.
  const env = (await arm.resources.getById(String(app.properties && (app.properties as { managedEnvironmentId?: string }).managedEnvironmentId), "2026-01-01")).properties as {
    appLogsConfiguration?: { destination?: string; logAnalyticsConfiguration?: { customerId?: string } };
  };
  assert.equal(env.appLogsConfiguration?.destination, "log-analytics");
  const workspace = env.appLogsConfiguration?.logAnalyticsConfiguration?.customerId;
  assert.ok(workspace, "the environment names the workspace's customer id");
  const workspaceId: string[] = [];
  for await (const x of arm.resources.listByResourceGroup(groupOf(out.vnetId))) if (x.type === "Microsoft.OperationalInsights/workspaces") workspaceId.push(x.id!);
  const endpoints = JSON.parse(await readFile(join(project.dir, ".iac", "local", "endpoints.json"), "utf8")) as { arm: string };
  const keys = await arm.pipeline.sendRequest(
    createDefaultHttpClient(),
    createPipelineRequest({ url: `${endpoints.arm.replace(/\/$/, "")}${workspaceId[0]}/sharedKeys?api-version=2026-03-01`, method: "POST", tlsSettings: { ca: await readFile(caFile, "utf8") } }),
  );
  const key = (JSON.parse(keys.bodyAsText ?? "{}") as { primarySharedKey?: string }).primarySharedKey;
  assert.ok(key && key.length >= 16, `the workspace has a shared key: ${keys.status} ${keys.bodyAsText}`);
  for (const name of await readdir(join(project.dir, ".iac"), { recursive: true })) {
    const file = join(project.dir, ".iac", name);
    const text = await readFile(file, "utf8").catch(() => "");
    assert.ok(!text.includes(key), `the shared key is in plaintext in ${file}`);
  }
});

test("a second preview finds nothing to change", async () => {
  await iac(["preview", "--expect-no-changes"]);
});

test("a typo in an argument is refused by preview, naming the property and the nearest valid one", async () => {
  const good = source;
  await edit(`addressSpace: { addressPrefixes: ["10.20.0.0/16"] },`, `addressSpace: { addressPrefixes: ["10.20.0.0/16"] },\n  enableDdosProtecion: true,`);
  const typo = await project.iac(["preview", "--local"]);
  assert.notEqual(typo.code, 0, show(typo));
  assert.match(typo.stdout + typo.stderr, /enableDdosProtecion.*[Dd]id you mean.*enableDdosProtection/s);
  source = good;
  await writeFile(join(project.dir, "index.ts"), source);
});

test("an address space change updates the network in place and another role replaces the role assignment, with its reason in preview", async () => {
  await edit(`addressPrefixes: ["10.20.0.0/16"]`, `addressPrefixes: ["10.20.0.0/16", "10.30.0.0/16"]`);
  await edit(`const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";`, `const SECRETS_USER = "21090545-7ca7-4776-b22c-e363652d74d2";`);
  const p = await iac(["preview", "--diff"]);
  assert.match(p.stdout, /a role assignment cannot change its role/);
  const r = await iac(["up", "--yes"]);
  assert.match(r.stdout, /1 updated/);
  assert.match(r.stdout, /1 replaced/);
  const live = await arm.resources.getById(String(out.vnetId), "2025-09-01");
  assert.deepEqual((live.properties as { addressSpace: { addressPrefixes: string[] } }).addressSpace.addressPrefixes, ["10.20.0.0/16", "10.30.0.0/16"]);
});

test("refresh finds a tag changed behind iac's back (and nothing else), and up puts the program's value back", async () => {
  let registryId = "";
  for await (const x of arm.resources.listByResourceGroup(groupOf(out.vnetId))) if (x.type === "Microsoft.ContainerRegistry/registries") registryId = x.id!;
  await arm.resources.beginUpdateByIdAndWait(registryId, "2025-11-01", { tags: { env: "prod" } });
  await iac(["refresh", "--yes"]);
  const drift = await iac(["preview", "--expect-no-changes", "--diff"], 3);
  assert.match(drift.stdout, /tags\.env.*prod.*demo|env: "prod" => "demo"/s);
  // What the service adds inside the app's identity map (principalId, clientId) is not drift.
  assert.doesNotMatch(drift.stdout, /ContainerApp/);
  await iac(["up", "--yes"]);
  assert.deepEqual((await arm.resources.getById(registryId, "2025-11-01")).tags, { env: "demo" });
  await iac(["preview", "--expect-no-changes"]);
});

test("destroy removes everything", async () => {
  await iac(["destroy", "--yes"]);
  assert.equal(await arm.resourceGroups.checkExistence(groupOf(out.vnetId)).then((x) => x.body), false);
});
