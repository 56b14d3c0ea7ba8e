/**
 * The real `iac` binary run as a child process in a throwaway project, for the end-to-end tests of
 * the packages and examples (the CLI's own tests use {@link TestProject} of `cli-fixture.ts`, whose
 * child process and output collection this module shares).
 *
 * A project lives inside the repository (each test puts it under its own `test/.tmp/`) so that its
 * program resolves `@iac/*` through the workspace's node_modules.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cp, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { finish, IAC, ROOT, show, type IacResult } from "./cli-fixture.js";

export { IAC, ROOT, show, type IacResult };

/** Variables to set in a child's environment; `undefined` unsets one. */
export type EnvChanges = Readonly<Record<string, string | undefined>>;

/**
 * What of the caller's own setup never reaches the child: the test runner's marker (the child is
 * not a test), colour, the local cloud of the caller (the child chooses its own), and the
 * backend, passphrase and storage credentials (a test that needs one sets it).
 */
const CALLER_SETUP = [
  "NODE_TEST_CONTEXT",
  "FORCE_COLOR",
  "IAC_LOCAL_ENDPOINTS",
  "IAC_BACKEND_URL",
  "IAC_CONFIG_PASSPHRASE",
  "AZURE_STORAGE_CONNECTION_STRING",
  "AZURE_STORAGE_ACCOUNT",
  "AZURE_STORAGE_KEY",
] as const;

/**
 * The environment of `iac` run in `dir`: no colour, the key home `<dir>/.iac-home` (not the user's),
 * none of {@link CALLER_SETUP}; then `changes` applied.
 */
export function iacEnv(dir: string, changes: EnvChanges = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", IAC_HOME: join(dir, ".iac-home") };
  for (const name of CALLER_SETUP) delete env[name];
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

export interface IacRunOptions {
  /** The project directory: where `iac` runs, and what {@link iacEnv} is made for. */
  readonly cwd: string;
  /** Changes to {@link iacEnv}'s environment. */
  readonly env?: EnvChanges;
}

/**
 * Start `iac <args>` (stdout and stderr pipes; stdin a pipe, or `"ignore"` for a long-running
 * command such as `iac local serve`).
 */
export function spawnIac(args: readonly string[], options: IacRunOptions & { readonly stdin?: "pipe" | "ignore" }): ChildProcess {
  return spawn(process.execPath, [IAC, ...args], { cwd: options.cwd, env: iacEnv(options.cwd, options.env), stdio: [options.stdin ?? "pipe", "pipe", "pipe"] });
}

/** Run `iac <args>` to the end; `input` is written to its stdin, which is then closed. */
export function runIac(args: readonly string[], options: IacRunOptions & { readonly input?: string }): Promise<IacResult> {
  return finish(spawnIac(args, options), options.input);
}

/** A project directory; `remove()` deletes it all (its local cloud data and key home included). */
export interface IacProject {
  readonly dir: string;
  /** `iac <args>` in the project, with the project's environment changes and then `env`. */
  iac(args: readonly string[], env?: EnvChanges): Promise<IacResult>;
  remove(): Promise<void>;
}

export interface IacProjectOptions {
  /** The folder the project is made in, as a fresh `<prefix>-<random>` directory (inside the repository). */
  readonly under: string;
  /** Default `run`. */
  readonly prefix?: string;
  /** Files copied in, by name, from a directory (an example's `index.ts`, `iac.yaml`, `package.json`). */
  readonly copy?: { readonly from: string; readonly files: readonly string[] };
  /** Files written in, by name relative to the project. */
  readonly files?: Readonly<Record<string, string>>;
  /** Environment changes of every run in the project (see {@link iacEnv}). */
  readonly env?: EnvChanges;
}

/** Make a project directory with these files. */
export async function iacProject(options: IacProjectOptions): Promise<IacProject> {
  const dir = join(options.under, `${options.prefix ?? "run"}-${randomBytes(6).toString("hex")}`);
  await mkdir(dir, { recursive: true });
  for (const name of options.copy?.files ?? []) await cp(join(options.copy!.from, name), join(dir, name));
  for (const [name, text] of Object.entries(options.files ?? {})) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return {
    dir,
    iac: (args, env = {}) => runIac(args, { cwd: dir, env: { ...options.env, ...env } }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
