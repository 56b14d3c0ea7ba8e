/**
 * Two (or more) first runs of a stack at once never lose its secrets: the salt, the key file and
 * the keyCheck are created once, every process uses what the first one created, and every secret
 * any of them stored (config values and state) stays readable. Real processes, released together
 * at a barrier, several rounds each; with the file backend and with azblob (Azurite).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import { wrapSecret } from "@iac/sdk/runtime";
import { getConfigValue, readStackConfig } from "../src/config.js";
import { createCrypter } from "../src/secrets.js";
import { openBackend } from "../src/state/backend-url.js";
import { startAzurite } from "./state-azblob-azurite.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const CHILD = fileURLToPath(new URL("./fixtures/first-run-child.ts", import.meta.url));
const PROCESSES = 4;
const ROUNDS = 3;

const started = await startAzurite();
const azurite = "azurite" in started ? started.azurite : undefined;
after(() => azurite?.stop());

async function waitForFiles(paths: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const present = await Promise.all(paths.map((p) => readFile(p).then(() => true, () => false)));
    if (present.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${paths.filter((_, i) => !present[i]).join(", ")}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Start {@link PROCESSES} children, release them together for each of {@link ROUNDS} fresh
 * projects (every other one with a stack config that already holds a plain value), and check
 * after each round that one key reads every secret they stored.
 */
async function race(options: { readonly mode: "passphrase" | "keyfile"; readonly url: (base: string) => string; readonly env?: Readonly<Record<string, string>> }): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), "iac-first-run-"));
  const url = options.url(base);
  const children: ReturnType<typeof spawn>[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      await mkdir(join(base, `r${r}`));
      if (r % 2 === 1) await writeFile(join(base, `r${r}`, "iac.dev.yaml"), "# kept by hand\nconfig:\n  app:region: westeurope\n");
    }
    const stderr: string[] = [];
    for (let i = 0; i < PROCESSES; i++) {
      const child = spawn(process.execPath, ["--import", "tsx", CHILD, base, String(i), String(ROUNDS), options.mode, url], {
        cwd: repoRoot,
        env: { ...process.env, ...options.env },
        stdio: ["ignore", "ignore", "pipe"],
      });
      child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
      children.push(child);
    }
    for (let r = 0; r < ROUNDS; r++) {
      const dir = join(base, `r${r}`);
      await writeFile(join(base, `go-${r}`), "");
      const outs = Array.from({ length: PROCESSES }, (_, i) => join(dir, `out-${i}.json`));
      await waitForFiles(outs, 60_000).catch((e: Error) => {
        throw new Error(`${e.message}\n${stderr.join("")}`);
      });
      const results = await Promise.all(outs.map(async (p) => JSON.parse(await readFile(p, "utf8")) as { wrote?: boolean; error?: string }));
      for (const [i, result] of results.entries()) assert.equal(result.error, undefined, `round ${r}, process ${i}: ${result.error}`);
      const writers = results.flatMap((result, i) => (result.wrote ? [i] : []));
      assert.ok(writers.length >= 1, `round ${r}: some process took the lock and wrote`);

      const env = { IAC_HOME: join(dir, "home"), ...(options.mode === "passphrase" ? { IAC_CONFIG_PASSPHRASE: "correct horse" } : {}) };
      const crypter = await createCrypter({ projectDir: dir, project: "app", stack: "dev", env });
      for (let i = 0; i < PROCESSES; i++) {
        const value = await getConfigValue({ projectDir: dir, stack: "dev", project: "app", key: `k${i}`, crypter });
        assert.deepEqual(value, wrapSecret(`v${i}`), `round ${r}: the secret config value of process ${i} is kept and readable`);
      }
      const config = await readStackConfig({ projectDir: dir, stack: "dev" });
      if (r % 2 === 1) assert.equal(config.config["app:region"], "westeurope", `round ${r}: the value written by hand is kept`);
      assert.equal(config.encryptionSalt !== undefined, options.mode === "passphrase");
      const backend = await openBackend(url.replace("{round}", `r${r}`), { projectDir: dir, project: "app", env: { ...process.env, ...options.env } });
      const state = await backend.read("dev", crypter);
      for (const i of writers) {
        const thing = state.resources.find((res) => res.id === `t${i}`);
        assert.ok(thing, `round ${r}: the resource of process ${i} is in the state`);
        assert.deepEqual(thing.inputs.password, wrapSecret(`p${i}`), `round ${r}: its secret is readable`);
      }
    }
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    await rm(base, { recursive: true, force: true });
  }
}

describe("first runs at once, file backend", () => {
  test("with a passphrase, every process uses the salt the first one wrote, and every secret stays readable", { timeout: 120_000 }, () =>
    race({ mode: "passphrase", url: (base) => `file://${base}/{round}` }));
  test("with a generated key file, every process uses the key the first one created, and every secret stays readable", { timeout: 120_000 }, () =>
    race({ mode: "keyfile", url: (base) => `file://${base}/{round}` }));
});

describe("first runs at once, azblob backend (Azurite)", { skip: "skip" in started ? started.skip : false }, () => {
  test("with a passphrase, every secret in the blob state and the stack config stays readable", { timeout: 120_000 }, () =>
    race({ mode: "passphrase", url: () => `azblob://race-${randomBytes(4).toString("hex")}/{round}`, env: azurite?.env ?? {} }));
});
