/**
 * The engine's `run()` with its state in Azure Blob Storage (Azurite), reached through
 * `openBackend("azblob://...")` exactly as the CLI does: up, up again, a second run refused while
 * the first holds the lock, destroy.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, test } from "node:test";
import { run, type RunOptions } from "../src/run.js";
import { crypterFromKey } from "../src/secrets.js";
import { openBackend } from "../src/state/backend-url.js";
import { FakeCloud } from "./fixtures/test-provider.js";
import { PRELUDE } from "./helpers/harness.js";
import { startAzurite } from "./state-azblob-azurite.js";

const started = await startAzurite();
const azurite = "azurite" in started ? started.azurite : undefined;
after(() => azurite?.stop());

// Under test/.tmp/ (like the harness) so that the program resolves @iac/sdk from the repository.
const TMP = fileURLToPath(new URL("./.tmp/", import.meta.url));

test("run() keeps a stack's state in Azure Blob Storage through openBackend(azblob://): up, no-op up, lock refused, destroy", { skip: "skip" in started ? started.skip : false }, async (t) => {
  await mkdir(TMP, { recursive: true });
  const dir = await mkdtemp(join(TMP, "azblob-"));
  const cloud = new FakeCloud();
  t.after(async () => {
    cloud.dispose();
    await rm(dir, { recursive: true, force: true });
  });
  await writeFile(join(dir, "iac.yaml"), "name: testproj\n");
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "testproj", private: true, type: "module" }));
  await writeFile(join(dir, "index.ts"), `${PRELUDE}const a = new Thing("a", { value: iac.secret("hunter2-azblob") });\nnew Thing("b", { value: a.arn });\nexport const arn = a.arn;\n`);
  const container = `e-${randomBytes(6).toString("hex")}`;
  const backend = await openBackend(`azblob://${container}/states`, { projectDir: dir, project: "testproj", env: azurite!.env });
  const crypter = crypterFromKey(randomBytes(32), { describe: "test key", remedy: "none" });
  const options = (operation: RunOptions["operation"]): RunOptions => ({
    project: { dir, name: "testproj", main: "index.ts" },
    stack: "dev",
    operation,
    backend,
    crypter,
    config: { "test:cloud": cloud.key },
    onEvent: () => undefined,
  });

  const first = await run(options("up"));
  assert.deepEqual(first.counts, { create: 2 });
  assert.equal(first.failed, 0);
  const state = await backend.read("dev", crypter);
  assert.deepEqual(state.resources.filter((r) => r.custom).map((r) => r.urn.split("::").pop()), ["a", "b"]);
  assert.equal(state.outputs.arn, first.outputs.arn);

  const second = await run(options("up"));
  assert.deepEqual(second.counts, { same: 2 });
  assert.equal(second.changes, false);

  // Nothing in the container holds the secret in plaintext.
  const blobs = azurite!.service.getContainerClient(container);
  const names: string[] = [];
  for await (const item of blobs.listBlobsFlat()) {
    names.push(item.name);
    const text = (await blobs.getBlobClient(item.name).downloadToBuffer()).toString("utf8");
    assert.ok(!text.includes("hunter2-azblob"), `${item.name} holds the secret in plaintext`);
  }
  assert.ok(names.includes("states/testproj/dev/snapshot.json"), `blobs: ${names.join(", ")}`);

  // While someone holds the stack's lock, a run is refused naming the holder.
  const lock = await backend.lock("dev", "iac up (teammate)");
  await assert.rejects(run(options("up")), (e: Error & { code?: string }) => e.code === "StackLocked" && e.message.includes("iac up (teammate)"));
  await lock.release();

  const destroyed = await run(options("destroy"));
  assert.deepEqual(destroyed.counts, { delete: 2 });
  assert.equal(cloud.objects.size, 0);
  assert.deepEqual((await backend.read("dev", crypter)).resources, []);
});
