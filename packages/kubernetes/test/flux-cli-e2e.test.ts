/**
 * FluxBootstrap as a new user meets it: a program written into a fresh project (not the example),
 * `iac local serve` running the local cloud, `iac up --local --yes`, then checks from outside the
 * program: kubectl against the local cloud's kubeconfig (skipped, saying so, when /usr/bin/kubectl
 * is absent) and the same checks through @kubernetes/client-node (always, so the file asserts
 * something either way); the files in the fleet repository; a second `up --expect-no-changes`;
 * a component added upgrading in place; destroy leaving no Flux CRD and no flux-system namespace.
 */
import assert from "node:assert/strict";
import { execFile, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from "@kubernetes/client-node";
import { iacProject, ROOT, show, spawnIac, type IacProject } from "../../../test/iac-run.js";

const exec = promisify(execFile);
/** A release's install.yaml (every controller), as `version` would download it. */
const MANIFESTS = join(ROOT, "..", "shared", "reference", "flux", "install-v2.9.4.yaml");
const KUBECTL = "/usr/bin/kubectl";
const NO_KUBECTL = existsSync(KUBECTL) ? false : "kubectl not installed (/usr/bin/kubectl is absent): the same checks run through @kubernetes/client-node";
const NS = "flux-system";
const DEFAULT_CONTROLLERS = ["helm-controller", "kustomize-controller", "notification-controller", "source-controller"];
const EXTRA = ["image-reflector-controller", "image-automation-controller"];
const DEFAULT_CRDS = ["gitrepositories.source.toolkit.fluxcd.io", "kustomizations.kustomize.toolkit.fluxcd.io", "helmreleases.helm.toolkit.fluxcd.io", "alerts.notification.toolkit.fluxcd.io"];
const EXTRA_CRDS = ["imagepolicies.image.toolkit.fluxcd.io", "imagerepositories.image.toolkit.fluxcd.io", "imageupdateautomations.image.toolkit.fluxcd.io"];

/** The program a user would write: Flux on the local cluster, syncing from the local git host. */
function program(componentsExtra?: readonly string[]): string {
  return `import { readFileSync } from "node:fs";
import { Config, secret } from "@iac/sdk";
import { FluxBootstrap } from "@iac/kubernetes/flux";

const config = new Config();
const git = (JSON.parse(readFileSync(process.env.IAC_LOCAL_ENDPOINTS!, "utf8")) as { git: string }).git;

const flux = new FluxBootstrap("flux", {
  version: "v2.9.4",
  manifests: config.require("manifests"),${componentsExtra === undefined ? "" : `\n  componentsExtra: ${JSON.stringify(componentsExtra)},`}
  git: { url: \`\${git}/iac/fleet.git\`, branch: "main", path: "clusters/e2e", credentials: { username: "git", password: secret("e2e-token") } },
});

export const revision = flux.revision;
`;
}

/** What the checks need to see of the cluster; one implementation per client. */
interface ClusterView {
  namespaceExists(name: string): Promise<boolean>;
  /** The Deployments of a namespace, once all are Available (kubectl wait), by name. */
  availableDeployments(ns: string): Promise<string[]>;
  /** Flux's CRDs and whether each is Established. */
  fluxCrds(): Promise<{ name: string; established: boolean }[]>;
  /** The GitRepositories and Kustomizations of a namespace. */
  syncObjects(ns: string): Promise<KubernetesObject[]>;
}

type Cond = { type?: string; status?: string };
const condTrue = (obj: unknown, type: string) => ((obj as { status?: { conditions?: Cond[] } }).status?.conditions ?? []).some((c) => c.type === type && c.status === "True");

function kubectlView(kubeconfig: string, home: string): ClusterView {
  const kubectl = async (...args: string[]) =>
    (await exec(KUBECTL, ["--kubeconfig", kubeconfig, "--cache-dir", join(home, "kube-cache"), ...args], { env: { ...process.env, HOME: home }, timeout: 120_000 })).stdout;
  return {
    async namespaceExists(name) {
      try {
        await kubectl("get", "ns", name);
        return true;
      } catch (err) {
        if (/NotFound|not found/.test(String((err as { stderr?: string }).stderr))) return false;
        throw err;
      }
    },
    async availableDeployments(ns) {
      await kubectl("wait", "--for=condition=Available", "deployment", "--all", "-n", ns, "--timeout=90s");
      const list = JSON.parse(await kubectl("get", "deployment", "-n", ns, "-o", "json")) as { items: KubernetesObject[] };
      return list.items.filter((d) => condTrue(d, "Available")).map((d) => d.metadata!.name!);
    },
    async fluxCrds() {
      const list = JSON.parse(await kubectl("get", "crd", "-l", "app.kubernetes.io/part-of=flux", "-o", "json")) as { items: KubernetesObject[] };
      return list.items.map((c) => ({ name: c.metadata!.name!, established: condTrue(c, "Established") }));
    },
    async syncObjects(ns) {
      return (JSON.parse(await kubectl("get", "gitrepository,kustomization", "-n", ns, "-o", "json")) as { items: KubernetesObject[] }).items;
    },
  };
}

function clientNodeView(kubeconfig: string): ClusterView {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const api = KubernetesObjectApi.makeApiClient(kc);
  const list = async (apiVersion: string, kind: string, ns?: string, labelSelector?: string) => (await api.list(apiVersion, kind, ns, undefined, undefined, undefined, undefined, labelSelector)).items;
  return {
    async namespaceExists(name) {
      return (await list("v1", "Namespace")).some((n) => n.metadata?.name === name);
    },
    async availableDeployments(ns) {
      // kubectl wait's equivalent: poll until every Deployment is Available (bounded).
      for (let i = 0; ; i++) {
        const items = await list("apps/v1", "Deployment", ns);
        if (items.every((d) => condTrue(d, "Available")) || i >= 300) return items.filter((d) => condTrue(d, "Available")).map((d) => d.metadata!.name!);
        await new Promise((r) => setTimeout(r, 300));
      }
    },
    async fluxCrds() {
      return (await list("apiextensions.k8s.io/v1", "CustomResourceDefinition", undefined, "app.kubernetes.io/part-of=flux")).map((c) => ({ name: c.metadata!.name!, established: condTrue(c, "Established") }));
    },
    async syncObjects(ns) {
      return [...(await list("source.toolkit.fluxcd.io/v1", "GitRepository", ns)), ...(await list("kustomize.toolkit.fluxcd.io/v1", "Kustomization", ns))];
    },
  };
}

describe("iac up --local with a FluxBootstrap program, checked from outside", () => {
  let project: IacProject | undefined;
  let dir: string;
  let server: ChildProcess | undefined;
  let gitBase: string;
  let kubeconfig: string;
  const views: { name: string; skip: string | false; view: () => ClusterView }[] = [
    { name: "kubectl", skip: NO_KUBECTL, view: () => kubectlView(kubeconfig, join(dir, ".home")) },
    { name: "@kubernetes/client-node", skip: false, view: () => clientNodeView(kubeconfig) },
  ];

  /** `iac <args>` in the project, with a home of its own. */
  const iac = (...args: string[]) => project!.iac(args, { HOME: join(dir, ".home") });
  /** The fleet repository's URL with a token the local git host accepts (test only: never in a program). */
  const fleet = () => `${gitBase.replace("://", "://git:e2e-token@")}/iac/fleet.git`;
  const headOfMain = async () => (await exec("git", ["ls-remote", fleet(), "refs/heads/main"], { env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } })).stdout.split(/\s/)[0];

  /** Every check of a healthy install, through one view. */
  async function assertInstalled(view: ClusterView, controllers: readonly string[], crds: readonly string[]) {
    assert.equal(await view.namespaceExists(NS), true, "the flux-system namespace exists");
    const available = await view.availableDeployments(NS);
    assert.deepEqual([...available].sort(), [...controllers].sort(), "exactly the selected controllers are Deployments, all Available");
    const fluxCrds = await view.fluxCrds();
    for (const name of crds) assert.ok(fluxCrds.some((c) => c.name === name), `CRD ${name} exists`);
    assert.deepEqual(fluxCrds.filter((c) => !c.established).map((c) => c.name), [], "every Flux CRD is Established");
    const sha = await headOfMain();
    assert.match(sha, /^[0-9a-f]{40}$/);
    const objects = await view.syncObjects(NS);
    const repo = objects.find((o) => o.kind === "GitRepository" && o.metadata?.name === NS) as Record<string, any> | undefined;
    const ks = objects.find((o) => o.kind === "Kustomization" && o.metadata?.name === NS) as Record<string, any> | undefined;
    assert.ok(repo && ks, "the sync GitRepository and Kustomization exist");
    assert.ok(condTrue(repo, "Ready") && condTrue(ks, "Ready"), "both sync objects are Ready");
    assert.equal(repo.status.artifact.revision, `main@sha1:${sha}`, "the GitRepository is at the git host's main");
    assert.equal(ks.status.lastAppliedRevision, `main@sha1:${sha}`, "the Kustomization applied the git host's main");
  }

  before(async () => {
    project = await iacProject({
      under: join(ROOT, "packages", "kubernetes", "test", ".tmp"),
      prefix: "cli-e2e",
      files: {
        "iac.yaml": "name: flux-e2e\nmain: index.ts\n",
        "package.json": JSON.stringify({ name: "flux-e2e", private: true, type: "module" }) + "\n",
        "index.ts": program(),
      },
      // The user's kubectl setup stays out: the program and kubectl use the local cloud's kubeconfig.
      env: { IAC_CONFIG_PASSPHRASE: "e2e-test", KUBECONFIG: undefined },
    });
    dir = project.dir;
    await mkdir(join(dir, ".home"), { recursive: true });
    const set = await iac("config", "set", "manifests", MANIFESTS);
    assert.equal(set.code, 0, show(set));
    // The user's first terminal: the local cloud, so kubectl can talk to it between commands.
    server = spawnIac(["local", "serve", "--port", "0"], { cwd: dir, stdin: "ignore" });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      server!.stdout!.setEncoding("utf8").on("data", (d: string) => {
        out += d;
        if (out.includes("Press Ctrl-C") || out.includes("use this server")) resolve();
      });
      server!.stderr!.setEncoding("utf8").on("data", (d: string) => {
        out += d;
        if (out.includes("Press Ctrl-C")) resolve();
      });
      server!.on("exit", (code) => reject(new Error(`iac local serve exited (${code}):\n${out}`)));
    });
    const endpoints = JSON.parse(await readFile(join(dir, ".iac", "local", "endpoints.json"), "utf8")) as { git: string; kubeconfig: string };
    gitBase = endpoints.git;
    kubeconfig = join(dir, ".iac", "local", "kubeconfig");
    assert.equal(endpoints.kubeconfig, kubeconfig);
  });

  after(async () => {
    if (server !== undefined && server.exitCode === null) {
      const exited = new Promise((r) => server!.once("exit", r));
      server.kill("SIGINT");
      await exited;
    }
    await project?.remove();
  });

  it("up --local --yes bootstraps Flux", async () => {
    const r = await iac("up", "--local", "--yes");
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout + r.stderr, /Using the running local cloud/);
    assert.ok(!(r.stdout + r.stderr).includes("e2e-token"), "the git token is not printed");
  });

  for (const v of views) {
    it(`${v.name} sees the namespace, the controllers Available, the CRDs Established and the sync Ready at the git host's revision`, { skip: v.skip }, async () => {
      await assertInstalled(v.view(), DEFAULT_CONTROLLERS, DEFAULT_CRDS);
    });
  }

  it("pushed gotk-components.yaml, gotk-sync.yaml and kustomization.yaml to the fleet repository", async () => {
    const clone = join(dir, "fleet-clone");
    await exec("git", ["clone", "--quiet", "--branch", "main", fleet(), clone], { env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
    const files = join(clone, "clusters", "e2e", "flux-system");
    const components = await readFile(join(files, "gotk-components.yaml"), "utf8");
    assert.match(components, /^# Flux Version: v2\.9\.4/m);
    assert.match(components, /^# Components: source-controller,kustomize-controller,helm-controller,notification-controller$/m);
    assert.match(components, /kind: Deployment\n(.*\n){1,12}?  name: source-controller\n/);
    const sync = await readFile(join(files, "gotk-sync.yaml"), "utf8");
    assert.match(sync, /kind: GitRepository/);
    assert.match(sync, /path: \.\/clusters\/e2e/);
    assert.match(sync, /secretRef:\s*\n\s*name: flux-system/);
    assert.ok(!sync.includes("e2e-token") && !components.includes("e2e-token"), "no credential is committed");
    assert.match(await readFile(join(files, "kustomization.yaml"), "utf8"), /gotk-components\.yaml[\s\S]*gotk-sync\.yaml/);
  });

  it("a second up with no changes exits 0 with --expect-no-changes", async () => {
    const r = await iac("up", "--local", "--yes", "--expect-no-changes");
    assert.equal(r.code, 0, show(r));
  });

  it("adding componentsExtra upgrades in place: the image controllers become Available", async () => {
    const before = await headOfMain();
    await writeFile(join(dir, "index.ts"), program(EXTRA));
    const r = await iac("up", "--local", "--yes");
    assert.equal(r.code, 0, show(r));
    assert.doesNotMatch(r.stdout, /replac/i, "the install is updated, not replaced");
    assert.notEqual(await headOfMain(), before, "the new components were committed");
    for (const v of views) {
      if (v.skip) continue;
      await assertInstalled(v.view(), [...DEFAULT_CONTROLLERS, ...EXTRA], [...DEFAULT_CRDS, ...EXTRA_CRDS]);
    }
  });

  it("destroy --local --yes leaves no Flux CRD and no flux-system namespace", async () => {
    const r = await iac("destroy", "--local", "--yes");
    assert.equal(r.code, 0, show(r));
    for (const v of views) {
      if (v.skip) continue;
      const view = v.view();
      assert.deepEqual(await view.fluxCrds(), [], `${v.name}: no Flux CRD is left`);
      assert.equal(await view.namespaceExists(NS), false, `${v.name}: the flux-system namespace is gone`);
    }
  });
});
