/**
 * The setup both gitops-azure tests share: a local cloud (ARM, Kubernetes with the emulated
 * controllers, git) in a fresh directory under the example (the programs the controller unpacks
 * resolve @iac/* from the repository), the process pointed at it (`IAC_LOCAL_ENDPOINTS`, restored by
 * `close`), the Stack CRD served, a container-instance client, and a working repository holding the
 * example's program that `push` commits and pushes to the local git host.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { localCredential } from "@iac/azure";
import { Kube } from "@iac/controller";
import { createArmService, createGitService, kubeServiceWithControllers, startLocalCloud, type LocalCloud } from "@iac/emulator";
import { parseAllDocuments } from "yaml";

const exec = promisify(execFile);
export const EXAMPLE = fileURLToPath(new URL("..", import.meta.url));
const CRD = fileURLToPath(new URL("../../../packages/controller/deploy/crd.yaml", import.meta.url));
const TMP = join(EXAMPLE, "test", ".tmp");

export interface ExampleCloud {
  readonly dir: string;
  readonly cloud: LocalCloud;
  readonly kube: Kube;
  readonly aci: ContainerInstanceManagementClient;
  /** The program's repository on the local git host. */
  readonly repoUrl: string;
  /** Commits the example's program (index.ts edited by `edit`) and pushes it to `repoUrl`; the commit. */
  push(message: string, edit?: (source: string) => string): Promise<string>;
  containerGroups(): Promise<{ name: string; images: string[] }[]>;
  close(): Promise<void>;
}

/**
 * Waits until `check` gives a value other than undefined or false (its errors count as not yet);
 * on timeout the error names `what`, the last error and `explain()`.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000, explain: () => string = () => ""): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}\n${explain()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * @param options.prefix the directory's name prefix under test/.tmp
 * @param options.dataDir the cloud's data directory under the test directory (`.iac/local` is
 *   where `iac controller --local` run in the directory finds it running)
 * @param options.repo the repository's path on the git host
 */
export async function startExampleCloud(options: { readonly prefix: string; readonly dataDir: string; readonly repo: string }): Promise<ExampleCloud> {
  await mkdir(TMP, { recursive: true });
  const dir = await mkdtemp(join(TMP, `${options.prefix}-`));
  const previous = { endpoints: process.env.IAC_LOCAL_ENDPOINTS, lro: process.env.IAC_EMULATOR_LRO_STEP_MS };
  // Container groups provision in 20 ms steps rather than the emulator's realistic pace.
  process.env.IAC_EMULATOR_LRO_STEP_MS = "20";
  const cloud = await startLocalCloud({ dataDir: join(dir, options.dataDir), ports: { arm: 0, kubernetes: 0, git: 0 }, services: { arm: createArmService, kubernetes: kubeServiceWithControllers(), git: createGitService } });
  process.env.IAC_LOCAL_ENDPOINTS = join(dir, options.dataDir, "endpoints.json");
  const kube = Kube.load({ kubeconfig: cloud.endpoints.kubeconfig });
  const aci = new ContainerInstanceManagementClient(localCredential, cloud.endpoints.subscriptionId, { endpoint: cloud.endpoints.arm, tlsOptions: { ca: await readFile(cloud.endpoints.ca, "utf8") } });
  for (const doc of parseAllDocuments(await readFile(CRD, "utf8"))) await kube.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", doc.toJS());
  await waitFor("the Stack CRD to be served", async () => (await kube.call<{ items: unknown[] }>("GET", "/apis/iac.dev/v1alpha1/stacks")).items);

  const repoUrl = `${cloud.endpoints.git}/${options.repo}`;
  const work = join(dir, "repo");
  await mkdir(work);
  const env = { ...process.env, HOME: dir, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
  const git = async (...args: string[]) => (await exec("git", ["-c", "user.name=Dev", "-c", "user.email=dev@example.com", "-c", "init.defaultBranch=main", ...args], { cwd: work, env })).stdout.trim();
  await git("init", "--quiet");
  await writeFile(join(work, "iac.yaml"), await readFile(join(EXAMPLE, "iac.yaml"), "utf8"));
  await writeFile(join(work, "package.json"), JSON.stringify({ name: "gitops-azure-program", private: true, type: "module" }));

  return {
    dir,
    cloud,
    kube,
    aci,
    repoUrl,
    async push(message, edit = (s) => s) {
      await writeFile(join(work, "index.ts"), edit(await readFile(join(EXAMPLE, "index.ts"), "utf8")));
      await git("add", "-A");
      await git("commit", "--quiet", "--allow-empty", "-m", message);
      await git("push", "--quiet", repoUrl.replace("http://", "http://dev:token@"), "HEAD:refs/heads/main");
      return git("rev-parse", "HEAD");
    },
    async containerGroups() {
      const out = [];
      for await (const g of aci.containerGroups.list()) out.push({ name: g.name!, images: g.containers.map((c) => c.image) });
      return out;
    },
    async close() {
      await cloud.close();
      for (const [name, value] of [["IAC_LOCAL_ENDPOINTS", previous.endpoints], ["IAC_EMULATOR_LRO_STEP_MS", previous.lro]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
