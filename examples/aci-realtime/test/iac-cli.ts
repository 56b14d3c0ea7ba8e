/**
 * Helpers of the end-to-end tests: run the real `iac` binary in a project directory made under
 * `test/.tmp/` (inside the repository, so the program resolves `@iac/*` from the workspace), and
 * open the project's local cloud to look at what ARM holds with the real SDK clients.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { ResourceManagementClient } from "@azure/arm-resources";
import { StorageManagementClient } from "@azure/arm-storage";
import { createArmService, startLocalCloud, type LocalCloud } from "@iac/emulator";
import { localCredential } from "@iac/azure";
import { iacProject, show, type IacProject, type IacResult } from "../../../test/iac-run.js";

export { show, type IacResult };

/** The example's directory. */
export const EXAMPLE = fileURLToPath(new URL("..", import.meta.url));

/** A project directory with its own key home; `remove()` deletes it all. */
export type TempProject = IacProject;

/**
 * A project under `examples/aci-realtime/test/.tmp/`: the example's own files, or the given ones
 * (`iac.yaml`, `index.ts`, ...). Its runs step the emulator's long-running operations fast.
 */
export function tempProject(files?: Readonly<Record<string, string>>): Promise<TempProject> {
  return iacProject({
    under: join(EXAMPLE, "test", ".tmp"),
    ...(files === undefined ? { copy: { from: EXAMPLE, files: ["index.ts", "iac.yaml", "package.json"] } } : { files }),
    env: { IAC_EMULATOR_LRO_STEP_MS: "20" },
  });
}

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
