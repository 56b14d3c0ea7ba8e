import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { isSecretValue, SECRET_SIG, SECRET_SIG_VALUE, wrapSecret } from "@iac/sdk/runtime";
import { readStackConfig, stackConfigPath } from "../src/config.js";
import { createCrypter, crypterFromKey, keyFilePath } from "../src/secrets.js";
import { SecretsDecryptError } from "../src/state/errors.js";
import { decryptStored } from "../src/state/secret-codec.js";
import { allFiles, pending, resource, secret, tempProject } from "./state-fixtures.js";

const PLAINTEXT = "correct-horse-battery-staple";

test("values encrypt to v1:<iv>:<tag>:<ciphertext> with a fresh IV each time, and decrypt back", () => {
  const c = crypterFromKey(randomBytes(32), { describe: "the key", remedy: "" });
  const a = c.encrypt(PLAINTEXT);
  const b = c.encrypt(PLAINTEXT);
  assert.match(a, /^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
  assert.notEqual(a, b);
  assert.equal(Buffer.from(a.split(":")[1], "base64").length, 12);
  assert.equal(c.decrypt(a), PLAINTEXT);
});

test("a tampered ciphertext or another key fails with SecretsDecrypt, not a crash", () => {
  const c = crypterFromKey(randomBytes(32), { describe: "The test key", remedy: "Use the right key." });
  const other = crypterFromKey(randomBytes(32), { describe: "The other key", remedy: "Use the right key." });
  const ct = c.encrypt(PLAINTEXT);
  assert.throws(() => other.decrypt(ct), (e: unknown) => e instanceof SecretsDecryptError && e.code === "SecretsDecrypt" && /The other key does not decrypt/.test(e.message));
  const parts = ct.split(":");
  parts[3] = Buffer.from("tampered").toString("base64");
  assert.throws(() => c.decrypt(parts.join(":")), { code: "SecretsDecrypt" });
  assert.throws(() => c.decrypt("not-a-ciphertext"), { code: "SecretsDecrypt" });
});

test("with a passphrase, the salt and key check go to the stack config, and a wrong passphrase is detected with a clear error", async (t) => {
  const p = await tempProject(t);
  const env = { IAC_CONFIG_PASSPHRASE: "s3cret-pass", IAC_HOME: join(p.dir, "home") };
  const c = await createCrypter({ projectDir: p.dir, project: "app", stack: "dev", env });
  assert.deepEqual(c.secretsProvider, { type: "passphrase" });
  const config = await readStackConfig({ projectDir: p.dir, stack: "dev" });
  assert.match(config.encryptionSalt ?? "", /^v1:/);
  assert.match(config.keyCheck ?? "", /^v1:/);
  const ct = c.encrypt(PLAINTEXT);

  // The same passphrase later derives the same key.
  const again = await createCrypter({ projectDir: p.dir, project: "app", stack: "dev", env });
  assert.equal(again.decrypt(ct), PLAINTEXT);

  await assert.rejects(
    createCrypter({ projectDir: p.dir, project: "app", stack: "dev", env: { ...env, IAC_CONFIG_PASSPHRASE: "wrong" } }),
    (e: unknown) =>
      e instanceof SecretsDecryptError &&
      /^Wrong passphrase: .*Set IAC_CONFIG_PASSPHRASE to the one used when the stack was created/.test(e.message),
  );
  await assert.rejects(createCrypter({ projectDir: p.dir, project: "app", stack: "dev", env: { IAC_HOME: env.IAC_HOME } }), (e: Error & { code?: string }) =>
    e.code === "SecretsKeyMissing" && /IAC_CONFIG_PASSPHRASE is not set/.test(e.message),
  );
});

test("without a passphrase, a random key is generated in <IAC_HOME>/keys/<project>/<stack>.key with mode 0600 in a 0700 directory", async (t) => {
  const p = await tempProject(t);
  const home = join(p.dir, "home");
  const c = await createCrypter({ projectDir: p.dir, project: "app", stack: "dev", env: { IAC_HOME: home } });
  const path = join(home, "keys", "app", "dev.key");
  assert.equal(keyFilePath({ project: "app", stack: "dev", env: { IAC_HOME: home } }), path);
  assert.deepEqual(c.secretsProvider, { type: "keyfile", keyFile: path });
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.equal((await stat(join(home, "keys", "app"))).mode & 0o777, 0o700);
  assert.equal(Buffer.from((await readFile(path, "utf8")).trim(), "base64").length, 32);
  const ct = c.encrypt(PLAINTEXT);
  const again = await createCrypter({ projectDir: p.dir, project: "app", stack: "dev", env: { IAC_HOME: home } });
  assert.equal(again.decrypt(ct), PLAINTEXT);

  // The config dir falls back to $XDG_CONFIG_HOME/iac.
  assert.equal(keyFilePath({ project: "app", stack: "dev", env: { XDG_CONFIG_HOME: "/x" } }), "/x/iac/keys/app/dev.key");
});

test("a missing or replaced key file is reported, naming the file", async (t) => {
  const p = await tempProject(t);
  const home = join(p.dir, "home");
  await createCrypter({ projectDir: p.dir, project: "app", stack: "dev", env: { IAC_HOME: home } });
  const path = join(home, "keys", "app", "dev.key");
  await writeFile(path, randomBytes(32).toString("base64"));
  await assert.rejects(createCrypter({ projectDir: p.dir, project: "app", stack: "dev", env: { IAC_HOME: home } }), (e: Error & { code?: string }) =>
    e.code === "SecretsDecrypt" && e.message.includes(path),
  );
  await rm(path);
  await assert.rejects(createCrypter({ projectDir: p.dir, project: "app", stack: "dev", env: { IAC_HOME: home } }), (e: Error & { code?: string }) =>
    e.code === "SecretsKeyMissing" && e.message.includes(path),
  );
});

test("no secret reaches the disk in plaintext: snapshot, journal, backup and stack config hold only ciphertext", async (t) => {
  const p = await tempProject(t);
  const crypter = await createCrypter({ projectDir: p.dir, project: "app", stack: "dev", env: { IAC_HOME: join(p.dir, "home") } });
  const w = await p.backend.open("dev", crypter);
  const h = await w.begin({ ...pending("db"), inputs: { password: secret(PLAINTEXT) } });
  await w.end(h, { upsert: resource("db", { inputs: { nested: { list: [secret({ deep: PLAINTEXT })] } }, outputs: { conn: secret(`Server=x;Password=${PLAINTEXT}`) } }) });
  await w.setOutputs({ token: secret(PLAINTEXT) });
  const journal = await readFile(join(p.stackDir("dev"), "journal.ndjson"), "utf8");
  assert.ok(!journal.includes(PLAINTEXT), "the journal holds a plaintext secret");
  assert.match(journal, /"ciphertext":"v1:/);
  await w.close();
  const w2 = await p.backend.open("dev", crypter);
  await w2.put(resource("other"));
  await w2.close();

  for (const file of await allFiles(p.dir)) assert.ok(!file.text.includes(PLAINTEXT), `${file.path} holds a plaintext secret`);

  // Reading back gives the wrapped plaintext.
  const s = await p.backend.read("dev", crypter);
  const db = s.resources.find((r) => r.urn.endsWith("::db"))!;
  assert.ok(isSecretValue(db.outputs.conn));
  assert.deepEqual(db.outputs.conn, wrapSecret(`Server=x;Password=${PLAINTEXT}`));
  assert.deepEqual(db.inputs.nested, { list: [wrapSecret({ deep: PLAINTEXT })] });
  assert.deepEqual(s.outputs.token, wrapSecret(PLAINTEXT));
  assert.deepEqual(s.secretsProvider, crypter.secretsProvider);
});

test("reading a state with the wrong key fails with SecretsDecrypt naming the state file", async (t) => {
  const p = await tempProject(t);
  await p.backend.write("dev", { version: 1, project: "app", stack: "dev", secretsProvider: { type: "keyfile" }, resources: [resource("a", { outputs: { k: secret("v") } })], pendingOperations: [], outputs: {} }, p.crypter);
  const wrong = crypterFromKey(randomBytes(32), { describe: "The key", remedy: "Restore the right one." });
  await assert.rejects(p.backend.read("dev", wrong), (e: Error & { code?: string }) => e.code === "SecretsDecrypt" && e.message.includes("snapshot.json"));
  assert.ok(stackConfigPath({ projectDir: p.dir, stack: "dev" }).endsWith("iac.dev.yaml"));
});

/** Replace the keyCheck in the stack config with `change(keyCheck)`. */
async function editKeyCheck(dir: string, change: (keyCheck: string) => string): Promise<void> {
  const path = stackConfigPath({ projectDir: dir, stack: "dev" });
  const text = await readFile(path, "utf8");
  const keyCheck = /keyCheck: (\S+)/.exec(text)![1];
  await writeFile(path, text.replace(keyCheck, change(keyCheck)));
}

/** Flip one bit of the `part`-th field (1 iv, 2 tag, 3 ciphertext) of a `v1:` value. */
function flip(value: string, part: number): string {
  const parts = value.split(":");
  const bytes = Buffer.from(parts[part], "base64");
  bytes[bytes.length - 1] ^= 0x01;
  parts[part] = bytes.toString("base64");
  return parts.join(":");
}

test("a damaged keyCheck is reported as damaged, not as a wrong passphrase; only a real mismatch says wrong passphrase", async (t) => {
  const p = await tempProject(t);
  const env = { IAC_CONFIG_PASSPHRASE: "s3cret-pass", IAC_HOME: join(p.dir, "home") };
  await createCrypter({ projectDir: p.dir, project: "app", stack: "dev", env });
  const path = stackConfigPath({ projectDir: p.dir, stack: "dev" });
  const good = await readFile(path, "utf8");
  const damaged = (e: Error & { code?: string }) => e.code === "ConfigInvalid" && /keyCheck in iac\.dev\.yaml is damaged/.test(e.message) && !/wrong passphrase/i.test(e.message);

  for (const [what, change] of [
    ["a flipped bit in the ciphertext", (k: string) => flip(k, 3)],
    ["a flipped bit in the tag", (k: string) => flip(k, 2)],
    ["a truncated value", (k: string) => k.slice(0, -6)],
    ["a value that is not v1:...", () => "garbage"],
  ] as const) {
    await writeFile(path, good);
    await editKeyCheck(p.dir, change);
    await assert.rejects(createCrypter({ projectDir: p.dir, project: "app", stack: "dev", env }), damaged, what);
  }
  await writeFile(path, good);
  await assert.rejects(createCrypter({ projectDir: p.dir, project: "app", stack: "dev", env: { ...env, IAC_CONFIG_PASSPHRASE: "wrong" } }), (e: Error & { code?: string }) =>
    e.code === "SecretsDecrypt" && /^Wrong passphrase/.test(e.message),
  );
});

test("once the key matches the keyCheck, a secret that does not decrypt is reported as damaged or from another key, not as a wrong passphrase", async (t) => {
  const p = await tempProject(t);
  const env = { IAC_CONFIG_PASSPHRASE: "s3cret-pass", IAC_HOME: join(p.dir, "home") };
  const c = await createCrypter({ projectDir: p.dir, project: "app", stack: "dev", env });
  const ct = c.encrypt(PLAINTEXT);
  assert.throws(() => c.decrypt(flip(ct, 3)), (e: Error & { code?: string }) =>
    e.code === "SecretsDecrypt" && /damaged, or was encrypted with another key/.test(e.message) && /matches the keyCheck/.test(e.message) && !/wrong passphrase|not the one/i.test(e.message),
  );
});

test("a key file that is not a 32-byte key is reported as damaged, naming it", async (t) => {
  const p = await tempProject(t);
  const home = join(p.dir, "home");
  await createCrypter({ projectDir: p.dir, project: "app", stack: "dev", env: { IAC_HOME: home } });
  const path = join(home, "keys", "app", "dev.key");
  await writeFile(path, "");
  await assert.rejects(createCrypter({ projectDir: p.dir, project: "app", stack: "dev", env: { IAC_HOME: home } }), (e: Error & { code?: string }) =>
    e.code === "SecretsKeyMissing" && e.message.includes(path) && /damaged/.test(e.message),
  );
});

test("a stored state is walked for secrets only when its text can hold one (the signature, or a \\u escape that could spell it)", () => {
  const c = crypterFromKey(randomBytes(32), { describe: "the key", remedy: "" });
  const stored = (state: Record<string, unknown>, text = JSON.stringify(state)) => ({ state: state as never, snapshot: { text }, journalApplied: false });
  const marker = { [SECRET_SIG]: SECRET_SIG_VALUE, ciphertext: c.encrypt(JSON.stringify(PLAINTEXT)) };
  const withSecret = { resources: [{ urn: "u", outputs: { key: marker } }] };
  const decrypted = decryptStored(stored(withSecret), c, "the test state") as unknown as typeof withSecret;
  assert.ok(isSecretValue(decrypted.resources[0]!.outputs.key) && decrypted.resources[0]!.outputs.key.value === PLAINTEXT);
  // The same marker with its key written as \u escapes (valid JSON, the same object once parsed).
  const escaped = JSON.stringify(withSecret).replace(SECRET_SIG, [...SECRET_SIG].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`).join(""));
  assert.deepEqual(JSON.parse(escaped), withSecret);
  const fromEscaped = decryptStored(stored(JSON.parse(escaped), escaped), c, "the test state") as unknown as typeof withSecret;
  assert.ok(isSecretValue(fromEscaped.resources[0]!.outputs.key), "an escaped signature is still found");
  const plain = { resources: [{ urn: "u", outputs: { name: "n" } }] };
  assert.equal(decryptStored(stored(plain), c, "the test state"), plain, "no marker possible: the state as it is, not a copy");
  // A journal replayed on top is always walked.
  const journal = { ...stored(withSecret, JSON.stringify(plain)), journalApplied: true };
  assert.ok(isSecretValue((decryptStored(journal, c, "the test state") as unknown as typeof withSecret).resources[0]!.outputs.key));
});
