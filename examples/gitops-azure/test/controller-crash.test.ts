/**
 * `iac controller` (the real binary) killed with -9 while it creates the container group, then a
 * controller started again on the same work directory: it breaks the dead controller's lock, the
 * next update adopts the container group the killed one had asked ARM for (the engine's pending
 * create), and the Stack ends Ready with exactly one container group: nothing lost, nothing
 * duplicated.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { localCredential } from "@iac/azure";
import { Controller, Kube, objectPath, type StackObject } from "@iac/controller";
import { createArmService, createGitService, kubeServiceWithControllers, startLocalCloud, type LocalCloud } from "@iac/emulator";
import { parseAllDocuments } from "yaml";
import { spawnIac } from "../../../test/iac-run.js";

const exec = promisify(execFile);
const EXAMPLE = fileURLToPath(new URL("..", import.meta.url));
const CRD = fileURLToPath(new URL("../../../packages/controller/deploy/crd.yaml", import.meta.url));
const TMP = join(EXAMPLE, "test", ".tmp");

let dir: string;
let cloud: LocalCloud;
let kube: Kube;
let aci: ContainerInstanceManagementClient;
const previousEndpoints = process.env.IAC_LOCAL_ENDPOINTS;
const stackPath = objectPath({ apiVersion: "iac.dev/v1alpha1", plural: "stacks", namespace: "default", name: "crash" });

async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000, explain: () => string = () => ""): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${explain()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  await mkdir(TMP, { recursive: true });
  dir = await mkdtemp(join(TMP, "crash-"));
  // The project's local cloud (.iac/local), which `iac controller --local` finds running and uses.
  cloud = await startLocalCloud({ dataDir: join(dir, ".iac", "local"), services: { arm: createArmService, kubernetes: kubeServiceWithControllers(), git: createGitService } });
  process.env.IAC_LOCAL_ENDPOINTS = join(dir, ".iac", "local", "endpoints.json");
  kube = Kube.load({ kubeconfig: cloud.endpoints.kubeconfig });
  aci = new ContainerInstanceManagementClient(localCredential, cloud.endpoints.subscriptionId, { endpoint: cloud.endpoints.arm, tlsOptions: { ca: await readFile(cloud.endpoints.ca, "utf8") } });
  for (const doc of parseAllDocuments(await readFile(CRD, "utf8"))) await kube.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", doc.toJS());
  await waitFor("the CRD served", async () => (await kube.call<{ items: unknown[] }>("GET", "/apis/iac.dev/v1alpha1/stacks")).items);
  const work = join(dir, "repo");
  await mkdir(work);
  await writeFile(join(work, "iac.yaml"), await readFile(join(EXAMPLE, "iac.yaml"), "utf8"));
  await writeFile(join(work, "index.ts"), await readFile(join(EXAMPLE, "index.ts"), "utf8"));
  await writeFile(join(work, "package.json"), JSON.stringify({ name: "gitops-azure-program", private: true, type: "module" }));
  const env = { ...process.env, HOME: dir, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
  const git = (...a: string[]) => exec("git", ["-c", "user.name=T", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", ...a], { cwd: work, env });
  await git("init", "--quiet");
  await git("add", "-A");
  await git("commit", "--quiet", "-m", "app");
  await git("push", "--quiet", `${cloud.endpoints.git.replace("http://", "http://t:t@")}/iac/crash.git`, "HEAD:refs/heads/main");
  for (const [name, data] of [["git", { password: "t" }], ["state", { passphrase: "crash test passphrase" }]] as const) {
    await kube.call("POST", "/api/v1/namespaces/default/secrets", { apiVersion: "v1", kind: "Secret", metadata: { name }, stringData: data });
  }
});

after(async () => {
  await cloud?.close();
  if (previousEndpoints === undefined) delete process.env.IAC_LOCAL_ENDPOINTS;
  else process.env.IAC_LOCAL_ENDPOINTS = previousEndpoints;
  await rm(dir, { recursive: true, force: true });
});

test("a controller killed with -9 mid-create is resumed by the next one: one container group, Stack Ready", async () => {
  // The container group's create is slow, so the kill lands while ARM is creating it.
  cloud.faults.add({ service: "arm", method: "PUT", path: "/containerGroups/", latencyMs: 4000, times: 1 });
  const workDir = join(dir, "controller");
  const child = spawnIac(["controller", "--local", "--work-dir", workDir], { cwd: dir, stdin: "ignore", env: { IAC_EMULATOR_LRO_STEP_MS: "20" } });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += String(d)));
  const exited = new Promise((r) => child.once("exit", r));
  await kube.call("POST", objectPath({ apiVersion: "iac.dev/v1alpha1", plural: "stacks", namespace: "default" }), {
    apiVersion: "iac.dev/v1alpha1",
    kind: "Stack",
    metadata: { name: "crash", namespace: "default" },
    spec: { git: { url: `${cloud.endpoints.git}/iac/crash.git`, ref: { branch: "main" }, secretRef: { name: "git" } }, stack: "prod", interval: "1h", retryInterval: "1s", backend: { passphraseSecretRef: { name: "state" } } },
  });
  // The create has been sent when the stack's journal records a pending create of the container group.
  await waitFor("the container group's create in flight", async () => {
    const { stdout } = await exec("grep", ["-rl", "azure:containerinstance:ContainerGroup", join(workDir, "state")]).catch(() => ({ stdout: "" }));
    return stdout.includes("journal") ? true : undefined;
  }, 60_000, () => stderr);
  await new Promise((r) => setTimeout(r, 500));
  child.kill("SIGKILL");
  await exited;

  const controller = new Controller({ kube, workDir, log: () => undefined });
  await controller.start();
  try {
    const s = await waitFor("the Stack Ready", async () => {
      const s = await kube.get<StackObject>(stackPath);
      return s?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" ? s : undefined;
    }, 60_000, () => stderr);
    assert.match(s.status!.lastAppliedRevision ?? "", /^main@sha1:/);
  } finally {
    await controller.stop();
  }
  const groups: string[] = [];
  for await (const g of aci.containerGroups.list()) groups.push(g.name!);
  assert.equal(groups.length, 1, `exactly one container group: ${groups.join(", ")}`);
  const events = await kube.call<{ items: { reason: string; message: string }[] }>("GET", "/api/v1/namespaces/default/events");
  assert.ok(events.items.some((e) => /Broke the stack's stale lock/.test(e.message)), "the dead controller's lock was broken, and said so");
});
