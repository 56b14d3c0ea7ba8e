/**
 * The inline-program example of docs/automation.md, run against the local cloud (`local: true`):
 * the resource group is checked through ARM with the real Azure SDK client, then destroyed.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { ResourceManagementClient } from "@azure/arm-resources";
import { ResourceGroup, localCredential } from "@iac/azure";
import { createArmService, startLocalCloud } from "@iac/emulator";
import { Config } from "@iac/sdk";
import { RandomPassword, RandomString } from "@iac/sdk/random";
import { LocalWorkspace } from "../src/index.js";

const TMP = fileURLToPath(new URL("./.tmp/", import.meta.url));
let workDir: string;

before(async () => {
  await mkdir(TMP, { recursive: true });
  workDir = await mkdtemp(join(TMP, "local-"));
});
after(() => rm(workDir, { recursive: true, force: true }));

/** The resource groups ARM holds, read from a local cloud over the work directory's data. */
async function groups(): Promise<string[]> {
  const cloud = await startLocalCloud({ dataDir: join(workDir, ".iac", "local"), services: { arm: createArmService } });
  try {
    const client = new ResourceManagementClient(localCredential, cloud.endpoints.subscriptionId, { endpoint: cloud.endpoints.arm, tlsOptions: { ca: await readFile(cloud.endpoints.ca, "utf8") } });
    const names: string[] = [];
    for await (const g of client.resourceGroups.list()) names.push(g.name!);
    return names;
  } finally {
    await cloud.close();
  }
}

test("the docs' inline program deploys a resource group to the local cloud and destroys it", async () => {
  const program = async () => {
    const config = new Config();
    const rg = new ResourceGroup("rg", { location: config.require("location") });
    const password = new RandomPassword("admin", { length: 24 });
    return { group: rg.name, password: password.result };
  };
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: "dev", projectName: "platform", program },
    { workDir, local: true, envVars: { IAC_CONFIG_PASSPHRASE: "local cloud test" } },
  );
  await stack.setConfig("location", { value: "westeurope" });
  const up = await stack.up();
  assert.deepEqual(up.summary.resourceChanges, { create: 2 });
  const group = up.outputs.group?.value as string;
  assert.match(group, /^rg-/);
  assert.equal(up.outputs.password?.secret, true);
  assert.deepEqual(await groups(), [group]);

  const destroyed = await stack.destroy();
  assert.deepEqual(destroyed.summary.resourceChanges, { delete: 2 });
  assert.deepEqual(await groups(), []);
  assert.equal(process.env.IAC_LOCAL_ENDPOINTS, undefined, "the local cloud's endpoints are not left in the environment");
});

test("ups of two projects' stacks with local: true, started together, each reach their own local cloud", async () => {
  // IAC_LOCAL_ENDPOINTS is process-wide: a run against another local cloud waits for the first to end.
  const dirs = [join(workDir, "one"), join(workDir, "two")];
  const stacks = await Promise.all(
    dirs.map(async (dir, i) => {
      await mkdir(dir, { recursive: true });
      const program = async () => {
        const word = new RandomString("word", { length: 6 });
        return { endpoints: process.env.IAC_LOCAL_ENDPOINTS, word: word.result };
      };
      return LocalWorkspace.createOrSelectStack({ stackName: "dev", projectName: `proj${i}`, program }, { workDir: dir, local: true, envVars: { IAC_CONFIG_PASSPHRASE: "local cloud test" } });
    }),
  );
  const ups = await Promise.all(stacks.map((s) => s.up()));
  for (const [i, up] of ups.entries()) {
    assert.equal(up.outputs.endpoints?.value, join(dirs[i]!, ".iac", "local", "endpoints.json"));
  }
  assert.equal(process.env.IAC_LOCAL_ENDPOINTS, undefined, "the environment is restored once both have ended");
});
