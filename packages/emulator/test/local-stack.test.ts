import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { parseAllDocuments, stringify } from "yaml";
import type { KubeService } from "../src/kube/index.js";
import { serveLocalCloud, type ServedLocalCloud } from "../src/local.js";

const exec = promisify(execFile);
const KUBECTL = "/usr/bin/kubectl";
const skip = existsSync(KUBECTL) ? false : "kubectl not installed";
const GOTK = new URL("../../../../shared/reference/flux/gotk-components-v2.9.4.yaml", import.meta.url);

describe("the whole local cloud through real clients: kubectl and git", { skip }, () => {
  let dir: string;
  let cloud: ServedLocalCloud;
  const kubectl = (...args: string[]) => exec(KUBECTL, ["--kubeconfig", cloud.endpoints.kubeconfig, ...args], { env: { ...process.env, HOME: dir } });
  const git = (cwd: string, ...args: string[]) =>
    exec("git", ["-c", "user.name=T", "-c", "user.email=t@example.com", ...args], { cwd, env: { ...process.env, HOME: dir, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0" } });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "iac-stack-"));
    cloud = await serveLocalCloud({ projectDir: dir, port: 0 });
  });
  after(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("reports a Deployment applied with kubectl as Available to kubectl wait", async () => {
    const manifest = join(dir, "web.yaml");
    await writeFile(
      manifest,
      stringify({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default" }, spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } } } }),
    );
    await kubectl("apply", "--server-side", "-f", manifest);
    const { stdout } = await kubectl("wait", "--for=condition=Available", "deployment/web", "--timeout=20s");
    assert.match(stdout, /deployment.apps\/web condition met/);
    const { stdout: ready } = await kubectl("get", "deployment/web", "-o", "jsonpath={.status.readyReplicas}");
    assert.equal(ready, "2");
  });

  it("syncs a pushed repository through GitRepository and Kustomization applied with kubectl", async () => {
    // Flux installed as far as the sync needs: its namespace, two CRDs and the two controllers'
    // Deployments (the emulated controllers act only while those exist, as on a real cluster).
    const install = parseAllDocuments(await readFile(GOTK, "utf8"))
      .map((d) => d.toJS() as { kind?: string; metadata?: { name?: string } } | null)
      .filter(
        (o) =>
          (o?.kind === "CustomResourceDefinition" && /^(gitrepositories|kustomizations)\./.test(o.metadata?.name ?? "")) ||
          (o?.kind === "Deployment" && /^(source|kustomize)-controller$/.test(o.metadata?.name ?? "")),
      );
    const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "flux-system" } };
    await writeFile(join(dir, "crds.yaml"), [ns, ...install].map((c) => stringify(c)).join("---\n"));
    await kubectl("apply", "--server-side", "-f", join(dir, "crds.yaml"));
    await kubectl("wait", "--for=condition=Established", "crd/gitrepositories.source.toolkit.fluxcd.io", "crd/kustomizations.kustomize.toolkit.fluxcd.io", "--timeout=20s");

    const work = join(dir, "work");
    await mkdir(join(work, "deploy"), { recursive: true });
    await writeFile(join(work, "deploy", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-git\n  namespace: default\ndata:\n  greeting: hello\n");
    await git(work, "init", "--quiet", "--initial-branch=main");
    await git(work, "add", ".");
    await git(work, "commit", "--quiet", "-m", "first");
    const url = `${cloud.endpoints.git}/team/fleet.git`;
    await git(work, "push", "--quiet", url.replace("http://", "http://git:token@"), "main");
    const sha = (await git(work, "rev-parse", "HEAD")).stdout.trim();

    const sync = [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "flux-system" } },
      // The git host refuses anonymous clones, as Flux's source-controller would find.
      { apiVersion: "v1", kind: "Secret", metadata: { name: "flux-system", namespace: "flux-system" }, stringData: { username: "git", password: "token" } },
      { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "flux-system", namespace: "flux-system" }, spec: { secretRef: { name: "flux-system" }, interval: "1m0s", ref: { branch: "main" }, url } },
      { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "flux-system", namespace: "flux-system" }, spec: { interval: "10m0s", path: "./deploy", prune: true, sourceRef: { kind: "GitRepository", name: "flux-system" } } },
    ];
    await writeFile(join(dir, "sync.yaml"), sync.map((o) => stringify(o)).join("---\n"));
    await kubectl("apply", "--server-side", "-f", join(dir, "sync.yaml"));
    await kubectl("wait", "--for=condition=Ready", "-n", "flux-system", "gitrepository/flux-system", "kustomization/flux-system", "--timeout=20s");
    const { stdout: revision } = await kubectl("get", "-n", "flux-system", "kustomization/flux-system", "-o", "jsonpath={.status.lastAppliedRevision}");
    assert.equal(revision, `main@sha1:${sha}`);
    const { stdout: greeting } = await kubectl("get", "configmap/from-git", "-o", "jsonpath={.data.greeting}");
    assert.equal(greeting, "hello");
  });

  it("keeps the cluster, the repositories and the ports across a restart", async () => {
    const before = cloud.endpoints;
    await cloud.close();
    cloud = await serveLocalCloud({ projectDir: dir });
    assert.equal(cloud.endpoints.git, before.git);
    const store = cloud.service<KubeService>("kubernetes")!.store;
    const ks = store.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: "flux-system" }) as { status?: { conditions?: { type: string; status: string }[] } } | undefined;
    assert.equal(ks?.status?.conditions?.find((c) => c.type === "Ready")?.status, "True");
    assert.ok(store.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "from-git" }));
    assert.deepEqual(await cloud.service<import("../src/git/index.js").GitService>("git")!.listRepos(), ["team/fleet.git"]);
  });
});
