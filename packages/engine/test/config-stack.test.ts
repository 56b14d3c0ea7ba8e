import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { wrapSecret } from "@iac/sdk/runtime";
import { getConfigValue, loadDecryptedConfig, normalizeConfigKey, readStackConfig, removeConfigValue, setConfigValue, stackConfigPath } from "../src/config.js";
import { createCrypter, crypterFromKey } from "../src/secrets.js";
import { tempProject } from "./state-fixtures.js";

const at = (dir: string) => ({ projectDir: dir, project: "app", stack: "dev" });

test("keys without a namespace get the project's", () => {
  assert.equal(normalizeConfigKey("region", "app"), "app:region");
  assert.equal(normalizeConfigKey("azure:location", "app"), "azure:location");
  for (const bad of ["", ":x", "app:", " region"]) assert.throws(() => normalizeConfigKey(bad, "app"), { code: "ConfigInvalid" });
});

test("config set, get and rm round-trip plain values in iac.<stack>.yaml", async (t) => {
  const p = await tempProject(t);
  await setConfigValue({ ...at(p.dir), key: "region", value: "westeurope", secret: false });
  await setConfigValue({ ...at(p.dir), key: "azure:location", value: "northeurope", secret: false });
  assert.equal(await getConfigValue({ ...at(p.dir), key: "region", crypter: p.crypter }), "westeurope");
  assert.equal(await getConfigValue({ ...at(p.dir), key: "app:region", crypter: p.crypter }), "westeurope");
  const text = await readFile(stackConfigPath(at(p.dir)), "utf8");
  assert.match(text, /^config:\n  app:region: westeurope\n  azure:location: northeurope\n/);

  assert.equal(await removeConfigValue({ ...at(p.dir), key: "region" }), true);
  assert.equal(await removeConfigValue({ ...at(p.dir), key: "region" }), false);
  assert.equal(await getConfigValue({ ...at(p.dir), key: "region", crypter: p.crypter }), undefined);
  assert.deepEqual((await readStackConfig(at(p.dir))).config, { "azure:location": "northeurope" });
});

test("a secret is written only as secure: v1:..., and reads back decrypted and wrapped", async (t) => {
  const p = await tempProject(t);
  const crypter = await createCrypter({ ...at(p.dir), env: { IAC_CONFIG_PASSPHRASE: "pw", IAC_HOME: join(p.dir, "home") } });
  await setConfigValue({ ...at(p.dir), key: "dbPassword", value: "hunter2", secret: true, crypter });
  await setConfigValue({ ...at(p.dir), key: "region", value: "westeurope", secret: false });
  const text = await readFile(stackConfigPath(at(p.dir)), "utf8");
  assert.ok(!text.includes("hunter2"));
  assert.match(text, /app:dbPassword:\n {4}secure: v1:/);
  assert.match(text, /encryptionSalt: v1:/);

  assert.deepEqual(await getConfigValue({ ...at(p.dir), key: "dbPassword", crypter }), wrapSecret("hunter2"));
  assert.deepEqual(await loadDecryptedConfig({ projectDir: p.dir, stack: "dev", crypter }), {
    "app:dbPassword": wrapSecret("hunter2"),
    "app:region": "westeurope",
  });
  // With another key the secret is reported, naming the key, not garbled.
  const other = crypterFromKey(randomBytes(32), { describe: "The key", remedy: "" });
  await assert.rejects(loadDecryptedConfig({ projectDir: p.dir, stack: "dev", crypter: other }), (e: Error & { code?: string }) => e.code === "SecretsDecrypt" && /app:dbPassword/.test(e.message));
});

test("hand-written comments and key order survive config set and rm", async (t) => {
  const p = await tempProject(t);
  await writeFile(
    stackConfigPath(at(p.dir)),
    "# Settings of the dev stack\nconfig:\n  app:zeta: z # the last letter\n  app:alpha: a\n  app:count: 3\n",
  );
  await setConfigValue({ ...at(p.dir), key: "alpha", value: "A", secret: false });
  await setConfigValue({ ...at(p.dir), key: "beta", value: "b", secret: false });
  await removeConfigValue({ ...at(p.dir), key: "count" });
  assert.equal(await readFile(stackConfigPath(at(p.dir)), "utf8"), "# Settings of the dev stack\nconfig:\n  app:zeta: z # the last letter\n  app:alpha: A\n  app:beta: b\n");
});

test("values written by hand keep their YAML types for the program", async (t) => {
  const p = await tempProject(t);
  await writeFile(stackConfigPath(at(p.dir)), "config:\n  app:count: 3\n  app:tags:\n    env: dev\n");
  assert.deepEqual(await loadDecryptedConfig({ projectDir: p.dir, stack: "dev", crypter: p.crypter }), { "app:count": 3, "app:tags": { env: "dev" } });
});

test("a stack config that is not valid YAML is reported with its path", async (t) => {
  const p = await tempProject(t);
  await writeFile(stackConfigPath(at(p.dir)), "config: [unclosed\n");
  await assert.rejects(readStackConfig(at(p.dir)), (e: Error & { code?: string }) => e.code === "ConfigInvalid" && e.message.includes("iac.dev.yaml"));
});
