/**
 * Helpers of the CLI's end-to-end tests: a throwaway project under `test/.tmp/` (so `@iac/sdk`
 * resolves through the repository's node_modules) and the real `bin/iac.js` run as a child process.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const IAC = join(ROOT, "packages", "cli", "bin", "iac.js");

export interface IacResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A provider for tests, `test:index:Thing`: updates in place (unlike random, which replaces), and
 * keeps its "cloud" in `cloud/<id>.json` inside the project so tests can count what exists.
 * `delayMs` in the inputs slows create and update down (to give a kill something to interrupt);
 * `deleteDelayMs` and `needsCapable` are for deletes (see its `delete`).
 */
export const THING_PROVIDER = `
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A cloud object appears whole or not at all, as in a real cloud: a test (or find) reading the
// cloud while a create is being written, or after a kill -9 during it, never sees half a record.
// Temp files end in ".tmp" and are not objects.
async function store(path, record) {
  const temp = path + "." + randomBytes(4).toString("hex") + ".tmp";
  await writeFile(temp, JSON.stringify(record));
  await rename(temp, path);
}
const objects = async (dir) => (await readdir(dir).catch(() => [])).filter((n) => n.endsWith(".json"));

export const iacProviders = {
  package: "test",
  configure(_config, ctx) {
    const cloud = join(ctx.projectDir, "cloud");
    const thing = {
      async check(news) { return { inputs: news, failures: [] }; },
      async diff(_id, olds, news) {
        const keys = new Set([...Object.keys(olds.inputs), ...Object.keys(news)]);
        const detailed = [...keys]
          .filter((k) => JSON.stringify(olds.inputs[k]) !== JSON.stringify(news[k]))
          .map((path) => ({ path, kind: olds.inputs[path] === undefined ? "add" : news[path] === undefined ? "delete" : "update", replace: false }));
        return { changes: detailed.length > 0, replaces: [], detailed };
      },
      async create(news, ctx) {
        await sleep(news.delayMs ?? 0);
        const id = "thing-" + randomBytes(6).toString("hex");
        await mkdir(cloud, { recursive: true });
        await store(join(cloud, id + ".json"), { urn: ctx.urn, inputs: news });
        return { id, outputs: { ...news } };
      },
      // The object as the cloud holds it (\`iac import\` reads objects the state has never seen).
      async read(id) {
        const text = await readFile(join(cloud, id + ".json"), "utf8").catch(() => undefined);
        if (text === undefined) return undefined;
        const record = JSON.parse(text);
        return { inputs: record.inputs, outputs: { ...record.inputs } };
      },
      // After a crash between create and the state write, the next run adopts the object by URN.
      async find(inputs, ctx) {
        for (const name of await objects(cloud)) {
          const text = await readFile(join(cloud, name), "utf8").catch((e) => { if (e.code === "ENOENT") return undefined; throw e; });
          if (text === undefined) continue; // deleted since the listing
          const record = JSON.parse(text);
          if (record.urn === ctx.urn) return { id: name.replace(/\.json$/, ""), outputs: { ...record.inputs } };
        }
        return undefined;
      },
      async update(id, _olds, news, ctx) {
        await sleep(news.delayMs ?? 0);
        await store(join(cloud, id + ".json"), { urn: ctx.urn, inputs: news });
        return { outputs: { ...news } };
      },
      // \`deleteDelayMs\` slows a delete down; \`needsCapable\` (a URN) refuses it once that object's
      // value is no longer "capable" (as Flux's image objects need their controllers to go away).
      async delete(id, olds) {
        await sleep(olds.inputs.deleteDelayMs ?? 0);
        const needs = olds.inputs.needsCapable;
        if (typeof needs === "string") {
          for (const name of await objects(cloud)) {
            // Another delete running beside this one may remove an object between the listing and the read.
            const text = await readFile(join(cloud, name), "utf8").catch((e) => { if (e.code === "ENOENT") return undefined; throw e; });
            if (text === undefined) continue;
            const record = JSON.parse(text);
            if (record.urn === needs && record.inputs.value !== "capable") throw new Error(id + " cannot be deleted: " + needs + " is no longer capable");
          }
        }
        await rm(join(cloud, id + ".json"), { force: true });
      },
    };
    return { provider: (type) => (type === "test:index:Thing" ? thing : undefined) };
  },
};
`;

/** The program-side class of the test provider. */
export const THING_CLASS = `
import { CustomResource } from "@iac/sdk";
export class Thing extends CustomResource {
  constructor(name, args, opts) {
    super("test:index:Thing", name, args, opts, { module: "./thing-provider.js", outputs: ["value"] });
  }
}
`;

/** Types of thing.js, so that a type-checked program can import it. */
export const THING_TYPES = `
import { CustomResource, type Input, type Output } from "@iac/sdk";
export declare class Thing extends CustomResource {
  constructor(name: string, args: Record<string, Input<unknown>>, opts?: Record<string, unknown>);
  readonly value: Output<unknown>;
}
`;

export class TestProject {
  private constructor(readonly dir: string) {}

  /**
   * A project named `name` with these files (besides iac.yaml and package.json). Its programs are
   * not type-checked unless `typecheck` (the tests of the check itself, test/cli-typecheck.test.ts):
   * the other tests' programs are written loosely, for what they test at run time.
   */
  static async create(options: { readonly name?: string; readonly files: Readonly<Record<string, string>>; readonly typecheck?: boolean }): Promise<TestProject> {
    const dir = join(ROOT, "test", ".tmp", `cli-${randomBytes(6).toString("hex")}`);
    await mkdir(dir, { recursive: true });
    const project = new TestProject(dir);
    await project.write({
      "iac.yaml": `name: ${options.name ?? "clitest"}\nmain: index.ts\n${options.typecheck === true ? "" : "typecheck: false\n"}`,
      "package.json": JSON.stringify({ name: "cli-test-project", private: true, type: "module" }),
      "thing-provider.js": THING_PROVIDER,
      "thing.js": THING_CLASS,
      "thing.d.ts": THING_TYPES,
      ...options.files,
    });
    return project;
  }

  async write(files: Readonly<Record<string, string>>): Promise<void> {
    for (const [name, text] of Object.entries(files)) {
      await mkdir(join(this.dir, name, ".."), { recursive: true });
      await writeFile(join(this.dir, name), text);
    }
  }

  /** Environment of every run: no colour, the key file under the project, not in the user's home. */
  env(extra?: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", IAC_HOME: join(this.dir, ".iac-home") };
    // Nothing of the caller's own setup leaks in: colour, passphrase, backend and its credentials.
    for (const name of ["FORCE_COLOR", "IAC_CONFIG_PASSPHRASE", "NODE_TEST_CONTEXT", "IAC_BACKEND_URL", "AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY"]) {
      delete env[name];
    }
    return { ...env, ...extra };
  }

  /** Start `iac <args>` (stdin a pipe, so not a terminal). */
  spawn(args: readonly string[], options?: { readonly env?: Readonly<Record<string, string>> }): ChildProcess {
    return spawn(process.execPath, [IAC, ...args], { cwd: this.dir, env: this.env(options?.env), stdio: ["pipe", "pipe", "pipe"] });
  }

  /** Run `iac <args>` to the end; `input` is written to its stdin. */
  run(args: readonly string[], options?: { readonly input?: string; readonly env?: Readonly<Record<string, string>> }): Promise<IacResult> {
    return finish(this.spawn(args, options), options?.input);
  }

  /** Every file under `.iac/` and the stack config files, with their text. */
  async stateFiles(): Promise<{ path: string; text: string }[]> {
    const out: { path: string; text: string }[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else out.push({ path, text: await readFile(path, "utf8") });
      }
    };
    await walk(join(this.dir, ".iac"));
    for (const name of await readdir(this.dir)) {
      if (/^iac\..+\.yaml$/.test(name)) out.push({ path: join(this.dir, name), text: await readFile(join(this.dir, name), "utf8") });
    }
    return out;
  }

  /** The test provider's cloud: one record per live Thing. */
  async cloud(): Promise<{ id: string; urn: string; inputs: Record<string, unknown> }[]> {
    const dir = join(this.dir, "cloud");
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(".json"));
    return Promise.all(names.map(async (n) => ({ id: n.replace(/\.json$/, ""), ...(JSON.parse(await readFile(join(dir, n), "utf8")) as { urn: string; inputs: Record<string, unknown> }) })));
  }

  async exists(relative: string): Promise<boolean> {
    return stat(join(this.dir, relative)).then(
      () => true,
      () => false,
    );
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Wait for a child to exit and collect its output. */
export function finish(child: ChildProcess, input?: string): Promise<IacResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  if (input !== undefined) child.stdin?.end(input);
  else child.stdin?.end();
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Resolve when `check` returns true, polling; reject after `timeoutMs` naming `what`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The crash tests' kill: start `iac <args>`, wait until the run holds the stack's lock, wait a
 * random 0..`maxDelayMs`, kill -9 it, and check it was still running. Then `iac cancel` (a killed
 * run leaves its lock; one that finished first released it) and a second `iac up --yes`, which must
 * succeed. Returns that up's result and a note (the delay, the killed run's output) for messages.
 */
export async function killMidRunThenUp(project: TestProject, args: readonly string[], maxDelayMs: number): Promise<{ readonly up: IacResult; readonly note: string }> {
  const child = project.spawn(args);
  const done = finish(child);
  await waitFor("the run to take the lock", () => project.exists(join(".iac", "stacks", "dev", "lock.json")));
  const delay = Math.floor(Math.random() * maxDelayMs);
  await new Promise((r) => setTimeout(r, delay));
  child.kill("SIGKILL");
  const killed = await done;
  const note = `killed ${delay} ms after the lock was taken: ${show(killed)}`;
  assert.equal(killed.signal, "SIGKILL", `the run ended before the kill: ${note}`);
  await project.run(["cancel", "--yes"]);
  const up = await project.run(["up", "--yes"]);
  assert.equal(up.code, 0, `${note}\n--- second up ---\n${show(up)}`);
  return { up, note };
}

/** The text of a result, for assertion messages. */
export function show(r: IacResult): string {
  return `exit ${r.code}${r.signal ? ` (${r.signal})` : ""}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

/**
 * Azurite (Blob Storage emulator) for the azblob:// tests: the engine's starter, so that the
 * engine's and the CLI's tests start it the same way.
 */
export { startAzurite, type Azurite } from "../packages/engine/test/state-azblob-azurite.js";
