/**
 * The flux-gitops example end to end, through the real `iac` binary against the local cloud:
 * up bootstraps Flux (the fleet repository gets the flux-system files), declares the app's
 * GitRepository and the dev and prod Kustomizations; the local cloud's Flux controllers then apply
 * the overlays; destroy uninstalls Flux and leaves no Flux CRD or namespace.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createGitService, kubeServiceWithControllers, startLocalCloud } from "@iac/emulator";
import { KubeClient, resolveSettings } from "@iac/kubernetes";
import { iacProject, ROOT, show, type IacProject } from "../../../test/iac-run.js";

const exec = promisify(execFile);
const EXAMPLE = fileURLToPath(new URL("..", import.meta.url));
const MANIFESTS = join(ROOT, "..", "shared", "reference", "flux", "gotk-components-v2.9.4.yaml");

let project: IacProject;
let dir: string;

const iac = (args: readonly string[]) => project.iac(args);

/** Runs `fn` with the project's local cloud (its persisted data) started in this process. */
async function withCloud<T>(fn: (c: { client: KubeClient; git: string }) => Promise<T>): Promise<T> {
  const cloud = await startLocalCloud({ dataDir: join(dir, ".iac", "local"), services: { kubernetes: kubeServiceWithControllers({ requireControllerDeployments: true }), git: createGitService } });
  try {
    const settings = resolveSettings({ config: {}, env: { IAC_LOCAL_ENDPOINTS: join(dir, ".iac", "local", "endpoints.json") } });
    return await fn({ client: new KubeClient(settings), git: cloud.endpoints.git });
  } finally {
    await cloud.close();
  }
}

before(async () => {
  project = await iacProject({
    under: join(EXAMPLE, "test", ".tmp"),
    copy: { from: EXAMPLE, files: ["index.ts", "iac.yaml", "package.json"] },
    env: { IAC_CONFIG_PASSPHRASE: "example-test" },
  });
  dir = project.dir;
  // The app's infrastructure repository, as the developer would have pushed it.
  await withCloud(async ({ git }) => {
    const work = await mkdtemp(join(dir, "app-"));
    await cp(join(EXAMPLE, "app-repo"), work, { recursive: true });
    const env = { ...process.env, HOME: dir, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
    const git_ = (...a: string[]) => exec("git", ["-c", "user.name=Dev", "-c", "user.email=dev@example.com", "-c", "init.defaultBranch=main", ...a], { cwd: work, env });
    await git_("init", "--quiet");
    await git_("add", "-A");
    await git_("commit", "--quiet", "-m", "realtimeapp deploy overlays");
    await git_("push", "--quiet", `${git.replace("http://", "http://dev:token@")}/iac/realtimeapp-infra.git`, "HEAD:refs/heads/main");
    await rm(work, { recursive: true, force: true });
  });
  const set = await iac(["config", "set", "manifests", MANIFESTS]);
  assert.equal(set.code, 0, show(set));
});
after(async () => {
  await project?.remove();
});

test("up --local bootstraps Flux and declares the app's source and its two Kustomizations", async () => {
  const r = await iac(["up", "--local", "--yes"]);
  assert.equal(r.code, 0, show(r));
  assert.ok(!(r.stdout + r.stderr).includes("local-cloud-accepts-any-token"), "the git token is not printed");
  await withCloud(async ({ client }) => {
    const root = await client.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: "flux-system" });
    assert.equal((root?.["spec"] as { path?: string }).path, "./clusters/dev");
    const source = await client.get({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", namespace: "flux-system", name: "realtimeapp-infra" });
    assert.match(String((source?.["spec"] as { url?: string }).url), /\/iac\/realtimeapp-infra\.git$/);
    for (const env of ["dev", "prod"]) {
      const ks = await client.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: `realtimeapp-${env}` });
      const spec = ks?.["spec"] as { path?: string; prune?: boolean; healthChecks?: unknown[] };
      assert.equal(spec.path, `./deploy/overlays/${env}`);
      assert.equal(spec.prune, true);
      assert.equal(spec.healthChecks?.length, 2);
    }
  });
});

test("the stack output fluxRevision is the fleet repository's commit", async () => {
  const r = await iac(["stack", "output", "fluxRevision"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /main@sha1:[0-9a-f]{40}/);
});

test("destroy --local uninstalls Flux: no Flux CRD or namespace is left", async () => {
  const r = await iac(["destroy", "--local", "--yes"]);
  assert.equal(r.code, 0, show(r));
  await withCloud(async ({ client }) => {
    const crds = await client.list("apiextensions.k8s.io/v1", "CustomResourceDefinition", { labelSelector: "app.kubernetes.io/part-of=flux" });
    assert.deepEqual(crds.map((c) => c.metadata.name), []);
    assert.equal(await client.get({ apiVersion: "v1", kind: "Namespace", name: "flux-system" }), undefined);
  });
});
