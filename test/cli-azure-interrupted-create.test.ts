/**
 * Issue 8, item 2, as a user meets it: `kill -9` of `iac up` while the local cloud is still making a
 * storage account (invisible to GET and to listings until its creation ends), then `iac up` at once.
 * The second run must adopt the account the first one started: 0 duplicates, 0 orphans (counted
 * through the ARM API), and `preview --expect-no-changes` exits 0 afterwards.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { StorageManagementClient } from "@azure/arm-storage";
import { localCredential } from "@iac/azure";
import { TestProject, finish, show, waitFor } from "./cli-fixture.js";

const program = `
import { ResourceGroup, StorageAccount } from "@iac/azure";
const rg = new ResourceGroup("rg", {});
const sa = new StorageAccount("sa", { resourceGroupName: rg.name, sku: { name: "Standard_LRS" }, kind: "StorageV2" });
export const accountId = sa.id;
`;

let project: TestProject;
let server: ReturnType<TestProject["spawn"]> | undefined;
let served: Promise<unknown> | undefined;

before(async () => {
  project = await TestProject.create({ files: { "index.ts": program } });
  // A storage account creation takes two steps: ~10 s, a window wide enough for the kill, `cancel` and the start of the next run for the kill.
  server = project.spawn(["local", "serve", "--port", "0"], { env: { IAC_EMULATOR_LRO_STEP_MS: "5000" } });
  served = finish(server);
  let stderr = "";
  server.stderr?.on("data", (d: Buffer | string) => (stderr += String(d)));
  await waitFor("the local cloud to be served", async () => stderr.includes("Press Ctrl-C"));
});
after(async () => {
  server?.kill("SIGINT");
  await served;
  await project.remove();
});

async function storageClient(): Promise<StorageManagementClient> {
  const endpoints = JSON.parse(await readFile(join(project.dir, ".iac", "local", "endpoints.json"), "utf8")) as { arm: string; ca: string; subscriptionId: string };
  return new StorageManagementClient(localCredential, endpoints.subscriptionId, { endpoint: endpoints.arm, tlsOptions: { ca: await readFile(endpoints.ca, "utf8") } });
}

/** The account name the run's pending create recorded (the journal is written before the call). */
async function pendingAccountName(): Promise<string | undefined> {
  // The run renames its temp files while we read: a file gone between listing and reading is a retry.
  const files = await project.stateFiles().catch(() => []);
  for (const f of files) {
    const m = /"accountName":"([a-z0-9]{3,24})"/.exec(f.text);
    if (m && f.text.includes("azure:storage:StorageAccount")) return m[1];
  }
  return undefined;
}

test("kill -9 during a slow storage account creation, then up at once: the account is adopted, never duplicated", async () => {
  const storage = await storageClient();
  const child = project.spawn(["up", "--local", "--yes"]);
  const done = finish(child);
  let name: string | undefined;
  await waitFor("the storage account's create to be recorded", async () => (name = await pendingAccountName()) !== undefined);
  // The PUT has reached the cloud once the name is taken; the account is not visible yet.
  await waitFor("the cloud to accept the creation", async () => (await storage.storageAccounts.checkNameAvailability({ name: name!, type: "Microsoft.Storage/storageAccounts" })).nameAvailable === false);
  child.kill("SIGKILL");
  const killed = await done;
  assert.equal(killed.signal, "SIGKILL", `the run ended before the kill: ${show(killed)}`);
  const all = async () => {
    const names: string[] = [];
    for await (const a of storage.storageAccounts.list()) names.push(a.name!);
    return names;
  };
  assert.deepEqual(await all(), [], "the account is still being created (invisible) when the next run starts");

  await project.run(["cancel", "--yes"]);
  const r = await project.run(["up", "--local", "--yes"]);
  assert.equal(r.code, 0, show(r));

  const accounts = await all();
  assert.deepEqual(accounts, [name], `exactly the account the killed run started exists: ${JSON.stringify(accounts)}\n${show(r)}`);
  const outputs = JSON.parse((await project.run(["stack", "output", "--json"])).stdout) as { accountId: string };
  assert.match(outputs.accountId, new RegExp(`/storageAccounts/${name}$`), "the state holds that account");

  const again = await project.run(["preview", "--local", "--expect-no-changes"]);
  assert.equal(again.code, 0, show(again));
});
