/**
 * The aci-realtime example end to end, through the real `iac` binary against the local cloud:
 * up creates the five resources (checked through ARM with the real SDK clients), a second preview
 * finds no changes (server defaults and the write-only storage key are not drift), a new DNS label
 * is a change, and destroy removes everything.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cp, mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { ResourceManagementClient } from "@azure/arm-resources";
import { StorageManagementClient } from "@azure/arm-storage";
import { createArmService, startLocalCloud } from "@iac/emulator";
import { localCredential } from "@iac/azure";

const EXAMPLE = fileURLToPath(new URL("..", import.meta.url));
const ROOT = join(EXAMPLE, "..", "..");
const IAC = join(ROOT, "packages", "cli", "bin", "iac.js");

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let dir: string;

/** `iac <args>` in the project copy; the key file and local cloud stay inside it. */
function iac(args: readonly string[]): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", IAC_HOME: join(dir, ".iac-home"), IAC_EMULATOR_LRO_STEP_MS: "20" };
  delete env.NODE_TEST_CONTEXT;
  delete env.IAC_LOCAL_ENDPOINTS;
  delete env.FORCE_COLOR;
  const child = spawn(process.execPath, [IAC, ...args], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The text of every file under the project's `.iac/` (state, journal, config) and its stack files. */
async function projectFiles(): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const texts = await Promise.all(
    entries.filter((e) => e.isFile() && !e.parentPath.includes(join(".iac", "local"))).map((e) => readFile(join(e.parentPath, e.name), "utf8")),
  );
  return texts.join("\n");
}

const show = (r: Result) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

/** What ARM holds, read through the real SDK clients from a local cloud over the project's data. */
async function cloudContents(): Promise<{ groups: string[]; keys: string[]; containerGroups: { name: string; fqdn?: string; containers: string[]; ports: number[] }[] }> {
  const cloud = await startLocalCloud({ dataDir: join(dir, ".iac", "local"), services: { arm: createArmService } });
  try {
    const options = { endpoint: cloud.endpoints.arm, tlsOptions: { ca: await readFile(cloud.endpoints.ca, "utf8") } };
    const sub = cloud.endpoints.subscriptionId;
    const resources = new ResourceManagementClient(localCredential, sub, options);
    const aci = new ContainerInstanceManagementClient(localCredential, sub, options);
    const storage = new StorageManagementClient(localCredential, sub, options);
    const keys: string[] = [];
    for await (const a of storage.storageAccounts.list()) {
      const rg = a.id!.split("/")[4]!;
      for (const k of (await storage.storageAccounts.listKeys(rg, a.name!)).keys ?? []) keys.push(k.value!);
    }
    const groups: string[] = [];
    for await (const g of resources.resourceGroups.list()) groups.push(g.name!);
    const containerGroups = [];
    for await (const g of aci.containerGroups.list()) {
      containerGroups.push({ name: g.name!, fqdn: g.ipAddress?.fqdn, containers: g.containers.map((c) => c.name), ports: (g.ipAddress?.ports ?? []).map((p) => p.port) });
    }
    return { groups, keys, containerGroups };
  } finally {
    await cloud.close();
  }
}

before(async () => {
  dir = join(EXAMPLE, "test", ".tmp", `run-${randomBytes(6).toString("hex")}`);
  await mkdir(dir, { recursive: true });
  for (const f of ["index.ts", "iac.yaml", "package.json"]) await cp(join(EXAMPLE, f), join(dir, f));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("up --local creates the group, account, share and a container group with both containers", async () => {
  const r = await iac(["up", "--local", "--yes"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /url/);
  const cloud = await cloudContents();
  assert.equal(cloud.groups.length, 1);
  assert.equal(cloud.containerGroups.length, 1);
  const [group] = cloud.containerGroups;
  assert.deepEqual(group!.containers, ["realtime-go", "redis"]);
  assert.deepEqual(group!.ports, [80, 443]);
  assert.match(group!.fqdn ?? "", /^realtime-go-demo\./);
  assert.equal(cloud.keys.length, 2);
  const files = await projectFiles();
  assert.match(files, /ciphertext/, "the state was read, and holds the key encrypted");
  for (const key of cloud.keys) {
    assert.ok(!files.includes(key), "no storage key in plaintext in state or config");
    assert.ok(!(r.stdout + r.stderr).includes(key), "no storage key in the output");
  }
});

test("the stack output url is https://<fqdn>", async () => {
  const r = await iac(["stack", "output", "url"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout.trim(), /^"?https:\/\/realtime-go-demo\.[a-z0-9.-]+"?$/);
});

test("a second preview finds no changes: defaults and the write-only key are not drift", async () => {
  const r = await iac(["preview", "--local", "--refresh", "--expect-no-changes"]);
  assert.equal(r.code, 0, show(r));
});

test("a new DNS label is a change that preview reports", async () => {
  const set = await iac(["config", "set", "dnsLabel", "realtime-go-other"]);
  assert.equal(set.code, 0, show(set));
  const r = await iac(["preview", "--local", "--expect-no-changes"]);
  assert.equal(r.code, 3, show(r));
  assert.match(r.stdout, /replace/i);
});

test("destroy --local removes everything", async () => {
  const r = await iac(["destroy", "--local", "--yes"]);
  assert.equal(r.code, 0, show(r));
  const cloud = await cloudContents();
  assert.deepEqual(cloud, { groups: [], keys: [], containerGroups: [] });
});
