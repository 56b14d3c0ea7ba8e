/**
 * The aci-realtime example end to end, through the real `iac` binary against the local cloud:
 * up creates the five resources (checked through ARM with the real SDK clients), a second preview
 * finds no changes (server defaults and the write-only storage key are not drift), a new DNS label
 * is a change, and destroy removes everything.
 */
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openLocalArm, show, tempProject, type TempProject } from "./iac-cli.js";

let project: TempProject;
let dir: string;

/** `iac <args>` in the project copy; the key file and local cloud stay inside it. */
const iac = (args: readonly string[]) => project.iac(args);

/** The text of every file under the project's `.iac/` (state, journal, config) and its stack files. */
async function projectFiles(): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const texts = await Promise.all(
    entries.filter((e) => e.isFile() && !e.parentPath.includes(join(".iac", "local"))).map((e) => readFile(join(e.parentPath, e.name), "utf8")),
  );
  return texts.join("\n");
}

/** What ARM holds, read through the real SDK clients from a local cloud over the project's data. */
async function cloudContents(): Promise<{ groups: string[]; keys: string[]; containerGroups: { name: string; fqdn?: string; containers: string[]; ports: number[] }[] }> {
  const arm = await openLocalArm(dir);
  try {
    const keys: string[] = [];
    for await (const a of arm.storage.storageAccounts.list()) {
      const rg = a.id!.split("/")[4]!;
      for (const k of (await arm.storage.storageAccounts.listKeys(rg, a.name!)).keys ?? []) keys.push(k.value!);
    }
    const groups: string[] = [];
    for await (const g of arm.resources.resourceGroups.list()) groups.push(g.name!);
    const containerGroups = [];
    for await (const g of arm.containers.containerGroups.list()) {
      containerGroups.push({ name: g.name!, fqdn: g.ipAddress?.fqdn, containers: g.containers.map((c) => c.name), ports: (g.ipAddress?.ports ?? []).map((p) => p.port) });
    }
    return { groups, keys, containerGroups };
  } finally {
    await arm.close();
  }
}

before(async () => {
  project = await tempProject();
  dir = project.dir;
});
after(async () => {
  await project?.remove();
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
