/**
 * One CLI command derives a passphrase stack's key once (scrypt costs ~0.1 s and 32 MiB each time):
 * `iac up` with its confirmation (a preview, the question, the up) and `iac destroy` with its
 * (the list of what it deletes, the question, the destroy) each ran it two or three times. Counted
 * by wrapping node's `scrypt`, which the engine's key derivation calls; no timing is asserted.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire, syncBuiltinESMExports } from "node:module";
import { PassThrough } from "node:stream";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { destroy, up } from "../src/commands/deploy.js";
import { configList } from "../src/commands/config.js";
import { ExitCode } from "../src/errors.js";

const crypto = createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto");
const realScrypt = crypto.scrypt;
let derivations = 0;

function sink(tty = false) {
  const chunks: string[] = [];
  return { write: (s: string) => chunks.push(s), text: () => chunks.join(""), ...(tty ? { isTTY: true, columns: 120, rows: 40 } : {}) };
}

/** A terminal that answers the confirmation with `answer`. */
function terminal(answer: string) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  stdin.end(answer);
  return stdin;
}

let dir: string;
let env: Record<string, string>;

/**
 * A program of one component (no provider to load), so that each version has a change to confirm.
 * It imports the repository's SDK by its path: the project sits in the OS temp directory, outside
 * any node_modules.
 */
const program = (name: string) => `import { ComponentResource } from ${JSON.stringify(import.meta.resolve("@iac/sdk"))};\nnew ComponentResource("test:index:Group", ${JSON.stringify(name)});\n`;

before(async () => {
  (crypto as { scrypt: unknown }).scrypt = (...args: Parameters<typeof realScrypt>) => {
    derivations++;
    return (realScrypt as (...a: unknown[]) => void)(...args);
  };
  syncBuiltinESMExports();
  dir = await mkdtemp(join(tmpdir(), "iac-key-derivation-"));
  env = { IAC_HOME: join(dir, "home"), IAC_CONFIG_PASSPHRASE: "key derivation test passphrase", NO_COLOR: "1" };
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "derive", private: true, type: "module" }));
  await writeFile(join(dir, "iac.yaml"), "name: derive\nmain: index.ts\ntypecheck: false\n");
  await writeFile(join(dir, "index.ts"), program("first"));
  // The stack and its salt, created once before anything is counted.
  const err = sink();
  const first = await up({ cwd: dir, yes: true, out: sink(), err, env });
  assert.equal(first, ExitCode.ok, err.text());
});

after(async () => {
  (crypto as { scrypt: unknown }).scrypt = realScrypt;
  syncBuiltinESMExports();
  await rm(dir, { recursive: true, force: true });
});

test("iac up with its confirmation derives the stack's key once", async () => {
  await writeFile(join(dir, "index.ts"), program("second"));
  derivations = 0;
  const err = sink(true);
  const code = await up({ cwd: dir, out: sink(true), err, stdin: terminal("y\n"), env });
  assert.equal(code, ExitCode.ok, err.text());
  assert.match(err.text(), /Do you want to update stack dev/);
  assert.equal(derivations, 1, "one scrypt derivation for the preview, the question and the up");
});

test("iac destroy with its confirmation derives the stack's key once", async () => {
  derivations = 0;
  const err = sink(true);
  const code = await destroy({ cwd: dir, out: sink(true), err, stdin: terminal("y\n"), env });
  assert.equal(code, ExitCode.ok, err.text());
  assert.match(err.text(), /Do you want to destroy stack dev/);
  assert.equal(derivations, 1);
});

test("iac config ls derives no key unless it shows secrets", async () => {
  derivations = 0;
  assert.equal(await configList({ cwd: dir, out: sink(), err: sink(), env }), ExitCode.ok);
  assert.equal(derivations, 0);
  assert.equal(await configList({ cwd: dir, showSecrets: true, out: sink(), err: sink(), env }), ExitCode.ok);
  // A stack without secrets has nothing to decrypt.
  assert.equal(derivations, 0);
});
