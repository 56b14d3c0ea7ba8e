/**
 * Helpers of the end-to-end tests: run the real `iac` binary in a project directory made under
 * `test/.tmp/` (inside the repository, so the program resolves `@iac/*` from the workspace), and
 * open the project's local cloud to look at what ARM holds with the real SDK clients.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { ResourceManagementClient } from "@azure/arm-resources";
import { StorageManagementClient } from "@azure/arm-storage";
import { createArmService, startLocalCloud, type LocalCloud } from "@iac/emulator";
import { localCredential } from "@iac/azure";

/** The example's directory. */
export const EXAMPLE = fileURLToPath(new URL("..", import.meta.url));
const ROOT = join(EXAMPLE, "..", "..");
const IAC = join(ROOT, "packages", "cli", "bin", "iac.js");

export interface IacResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A project directory with its own key home; `remove()` deletes it all. */
export interface TempProject {
  readonly dir: string;
  /** `iac <args>` in the project; `env` is added to (and may unset, with undefined) the environment. */
  iac(args: readonly string[], env?: Readonly<Record<string, string | undefined>>): Promise<IacResult>;
  remove(): Promise<void>;
}

/**
 * A project under `examples/aci-realtime/test/.tmp/`: the example's own files, or the given ones
 * (`iac.yaml`, `index.ts`, ...).
 */
export async function tempProject(files?: Readonly<Record<string, string>>): Promise<TempProject> {
  const dir = join(EXAMPLE, "test", ".tmp", `run-${randomBytes(6).toString("hex")}`);
  await mkdir(dir, { recursive: true });
  if (files === undefined) {
    for (const f of ["index.ts", "iac.yaml", "package.json"]) await cp(join(EXAMPLE, f), join(dir, f));
  } else {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  }
  return {
    dir,
    iac: (args, env = {}) => runIac(dir, args, env),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

function runIac(dir: string, args: readonly string[], extra: Readonly<Record<string, string | undefined>>): Promise<IacResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", IAC_HOME: join(dir, ".iac-home"), IAC_EMULATOR_LRO_STEP_MS: "20" };
  // The child is not a test runner, and must choose its own cloud.
  delete env.NODE_TEST_CONTEXT;
  delete env.IAC_LOCAL_ENDPOINTS;
  delete env.FORCE_COLOR;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = spawn(process.execPath, [IAC, ...args], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A result, printed for an assertion message. */
export const show = (r: IacResult): string => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

/** The engine events of a `--json` run (one JSON object per stdout line). */
export function events(r: IacResult): Record<string, unknown>[] {
  return r.stdout
    .split("\n")
    .filter((l) => l.trim().startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The SDK clients of a local cloud opened over a project's data (`.iac/local`). */
export interface LocalArm {
  readonly cloud: LocalCloud;
  readonly resources: ResourceManagementClient;
  readonly storage: StorageManagementClient;
  readonly containers: ContainerInstanceManagementClient;
  close(): Promise<void>;
}

/** Open the project's local cloud (not while an `iac --local` command runs on it). */
export async function openLocalArm(projectDir: string): Promise<LocalArm> {
  const cloud = await startLocalCloud({ dataDir: join(projectDir, ".iac", "local"), services: { arm: createArmService } });
  const options = { endpoint: cloud.endpoints.arm, tlsOptions: { ca: await readFile(cloud.endpoints.ca, "utf8") } };
  const sub = cloud.endpoints.subscriptionId;
  return {
    cloud,
    resources: new ResourceManagementClient(localCredential, sub, options),
    storage: new StorageManagementClient(localCredential, sub, options),
    containers: new ContainerInstanceManagementClient(localCredential, sub, options),
    close: () => cloud.close(),
  };
}

/** Resources of an `iac state export` (what the tests need of them). */
export interface ExportedState {
  readonly resources: readonly { readonly urn: string; readonly type: string; readonly id?: string; readonly inputs?: Record<string, unknown>; readonly outputs?: Record<string, unknown> }[];
  readonly pendingOperations?: readonly { readonly urn: string; readonly type: string; readonly inputs?: Record<string, unknown> }[];
}

/** The stack's state, as `iac state export` prints it (secrets stay encrypted). */
export async function exportState(project: TempProject): Promise<ExportedState> {
  const r = await project.iac(["state", "export"]);
  if (r.code !== 0) throw new Error(`iac state export failed\n${show(r)}`);
  return JSON.parse(r.stdout) as ExportedState;
}
