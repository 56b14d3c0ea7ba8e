/**
 * Conformance scenario `gitops-azure`: the iac controller against the kube-apiserver and the
 * source-controller of each target (real: the real ones; emulated: the emulation, whose
 * source-controller serves artifacts too), with the local cloud's ARM. FluxBootstrap and a
 * GitRepository of the gitops-azure program (programs/gitops-azure.ts, through `iac up`); the
 * artifact the source-controller advertises fetched and its digest verified, its shape (fields,
 * URL form, revision form, files) compared between the targets; the Stack CRD and a Stack with
 * `sourceRef` to it; the controller (in this process) downloads the artifact, verifies its digest,
 * and deploys the program; a push changes Azure; a container group deleted behind iac's back is
 * recreated at the next interval; deleting the Stack destroys what it deployed.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
import { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { localCredential } from "@iac/azure";
import { Controller, Kube, objectPath, type StackObject } from "@iac/controller";
import { parseAllDocuments } from "yaml";
import { iacProject, show, type IacProject } from "../iac-run.js";
import { canonical, ROOT, startStack, targets, waitUntil, type Observation, type Stack, type Target } from "./harness.js";
import { FLUX_MANIFESTS, HERE } from "./scenario.js";

const exec = promisify(execFile);
const EXAMPLE = join(ROOT, "examples", "gitops-azure");
const STACK = objectPath({ apiVersion: "iac.dev/v1alpha1", plural: "stacks", namespace: "flux-system", name: "gitops-azure" });

const observed = new Map<Target, Observation>();

for (const target of targets()) describe(`gitops-azure on the ${target} Kubernetes and source-controller`, () => {
  const o: Observation = {};
  observed.set(target, o);
  let project: IacProject;
  let stack: Stack | undefined;
  let kube: Kube;
  let aci: ContainerInstanceManagementClient;
  let controller: Controller | undefined;
  let programDir: string;
  const logs: string[] = [];
  const previous = process.env.IAC_LOCAL_ENDPOINTS;

  after(async () => {
    await controller?.stop();
    await stack?.stop();
    if (previous === undefined) delete process.env.IAC_LOCAL_ENDPOINTS;
    else process.env.IAC_LOCAL_ENDPOINTS = previous;
    await project?.remove();
  });

  const get = () => kube.get<StackObject>(STACK);
  const ready = (s: StackObject | undefined) => s?.status?.conditions?.find((c) => c.type === "Ready");
  const explain = () => `\n--- controller:\n${logs.slice(-20).join("\n")}`;
  const groups = async () => {
    const out: { name: string; images: string[] }[] = [];
    for await (const g of aci.containerGroups.list()) out.push({ name: g.name!, images: g.containers.map((c) => c.image) });
    return out;
  };
  /** Commits the example's program, index.ts edited, in one working repository and pushes it (fast-forward) to the local git host. */
  const push = async (edit: (s: string) => string = (s) => s) => {
    await writeFile(join(programDir, "index.ts"), edit(await readFile(join(EXAMPLE, "index.ts"), "utf8")));
    const env = { ...process.env, HOME: programDir, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
    const git = async (...a: string[]) => (await exec("git", ["-c", "user.name=Dev", "-c", "user.email=dev@example.com", "-c", "init.defaultBranch=main", ...a], { cwd: programDir, env })).stdout.trim();
    await git("init", "--quiet");
    await git("add", "-A");
    await git("commit", "--quiet", "-m", "gitops-azure program");
    await git("push", "--quiet", `${stack!.git.replace("http://", "http://dev:token@")}/iac/gitops-azure.git`, "HEAD:refs/heads/main");
    return git("rev-parse", "HEAD");
  };

  it("installs Flux and a GitRepository of the program, whose artifact the source-controller serves", async () => {
    await mkdir(join(HERE, ".tmp"), { recursive: true });
    project = await iacProject({
      under: join(HERE, ".tmp"),
      prefix: `gitops-azure-${target}`,
      copy: { from: join(ROOT, "examples", "flux-gitops"), files: ["package.json"] },
      files: { "iac.yaml": "name: conformance-gitops-azure\nmain: index.ts\n" },
      env: { IAC_CONFIG_PASSPHRASE: "conformance" },
    });
    await copyFile(join(HERE, "programs", "gitops-azure.ts"), join(project.dir, "index.ts"));
    stack = await startStack(project.dir, target);
    process.env.IAC_LOCAL_ENDPOINTS = stack.endpointsFile;
    const endpoints = JSON.parse(await readFile(stack.endpointsFile, "utf8")) as { kubeconfig: string; arm: string; ca: string; subscriptionId: string };
    kube = Kube.load({ kubeconfig: endpoints.kubeconfig });
    aci = new ContainerInstanceManagementClient(localCredential, endpoints.subscriptionId, { endpoint: endpoints.arm, tlsOptions: { ca: await readFile(endpoints.ca, "utf8") } });
    programDir = await mkdtemp(join(project.dir, "program-"));
    await copyFile(join(EXAMPLE, "iac.yaml"), join(programDir, "iac.yaml"));
    await writeFile(join(programDir, "package.json"), JSON.stringify({ name: "gitops-azure-program", private: true, type: "module" }));
    await push();
    const set = await project.iac(["config", "set", "manifests", FLUX_MANIFESTS]);
    assert.equal(set.code, 0, show(set));
    const up = await project.iac(["up", "--local", "--yes"]);
    assert.equal(up.code, 0, `${show(up)}\n${stack.log()}`);
    const repo = await waitUntil("the GitRepository's artifact", async () => {
      const r = await kube.get<{ status?: { artifact?: { url?: string; digest?: string } } }>(objectPath({ apiVersion: "source.toolkit.fluxcd.io/v1", plural: "gitrepositories", namespace: "flux-system", name: "gitops-azure" }));
      return r?.status?.artifact?.url ? r : undefined;
    }, 180_000);
    assert.match(repo.status!.artifact!.digest!, /^sha256:[0-9a-f]{64}$/);
  });

  it("the artifact is a tar.gz of the program's files whose sha256 is the advertised digest", async () => {
    const repo = await kube.get<{ status: { artifact: Record<string, unknown> & { url: string; digest: string; revision: string; path: string; size?: number } } }>(objectPath({ apiVersion: "source.toolkit.fluxcd.io/v1", plural: "gitrepositories", namespace: "flux-system", name: "gitops-azure" }));
    const artifact = repo!.status.artifact;
    const commit = artifact.revision.replace(/^main@sha1:/, "");
    o["artifact.fields"] = Object.keys(artifact).sort();
    o["artifact.revision"] = artifact.revision.replace(commit, "<commit>");
    o["artifact.path"] = artifact.path.replace(commit, "<commit>");
    o["artifact.url"] = artifact.url.replace(commit, "<commit>").replace(/^http:\/\/127\.0\.0\.1:\d+\//, "http://127.0.0.1:<port>/");
    const res = await fetch(artifact.url);
    o["artifact.status"] = res.status;
    const bytes = Buffer.from(await res.arrayBuffer());
    o["artifact.digestVerified"] = artifact.digest === `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    o["artifact.sizeMatches"] = artifact.size === bytes.length;
    const unpacked = await mkdtemp(join(project.dir, "artifact-"));
    await writeFile(join(unpacked, "a.tar.gz"), bytes);
    // Regular files only: the real archive has a "." entry and directories without a slash, git archive's end in one.
    o["artifact.files"] = (await exec("tar", ["-tvzf", join(unpacked, "a.tar.gz")])).stdout.split("\n").filter((l) => l.startsWith("-")).map((l) => l.split(/\s+/).at(-1)!).sort();
    await writeFile(join(HERE, ".tmp", `gitops-azure-${target}.json`), JSON.stringify(o, null, 2) + "\n");
    assert.equal(o["artifact.digestVerified"], true);
  });

  it("deploys the program from the artifact, verified, with Flux's status", async () => {
    for (const doc of parseAllDocuments(await readFile(join(ROOT, "packages", "controller", "deploy", "crd.yaml"), "utf8"))) {
      await kube.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", doc.toJS());
    }
    await waitUntil("the Stack CRD served", async () => (await kube.call<{ items: unknown[] }>("GET", "/apis/iac.dev/v1alpha1/stacks")).items, 60_000, 500);
    await kube.call("POST", "/api/v1/namespaces/flux-system/secrets", { apiVersion: "v1", kind: "Secret", metadata: { name: "gitops-azure-state" }, stringData: { passphrase: "conformance passphrase" } });
    await kube.call("POST", objectPath({ apiVersion: "iac.dev/v1alpha1", plural: "stacks", namespace: "flux-system" }), {
      apiVersion: "iac.dev/v1alpha1",
      kind: "Stack",
      metadata: { name: "gitops-azure", namespace: "flux-system" },
      spec: {
        sourceRef: { kind: "GitRepository", name: "gitops-azure" },
        stack: "prod",
        interval: "5s",
        retryInterval: "5s",
        driftDetection: { mode: "enabled" },
        destroyOnDelete: true,
        config: { dnsLabel: { value: "gitops-conformance" } },
        backend: { passphraseSecretRef: { name: "gitops-azure-state" } },
      },
    });
    controller = new Controller({ kube, workDir: join(project.dir, "controller"), log: (l) => logs.push(l) });
    await controller.start();
    const s = await waitUntil("the Stack Ready", async () => ((await get().then(ready))?.status === "True" ? get() : undefined), 120_000, 500).catch((e: Error) => assert.fail(e.message + explain()));
    const artifact = (await kube.get<{ status: { artifact: { revision: string } } }>(objectPath({ apiVersion: "source.toolkit.fluxcd.io/v1", plural: "gitrepositories", namespace: "flux-system", name: "gitops-azure" })))!.status.artifact;
    assert.equal(s!.status!.lastAppliedRevision, artifact.revision);
    assert.deepEqual((await groups()).map((g) => g.images), [["ghcr.io/example/realtime-go:1.0.0", "redis:7-alpine"]]);
  });

  it("a push changes Azure once the source-controller has the new artifact", async () => {
    const head = await push((s) => s.replace("realtime-go:1.0.0", "realtime-go:1.1.0"));
    await waitUntil("the new revision applied", async () => ((await get())?.status?.lastAppliedRevision === `main@sha1:${head}` ? true : undefined), 120_000, 500).catch((e: Error) => assert.fail(e.message + explain()));
    assert.deepEqual((await groups()).map((g) => g.images), [["ghcr.io/example/realtime-go:1.1.0", "redis:7-alpine"]]);
  });

  it("a container group deleted behind iac's back is recreated at the next interval", async () => {
    const outputs = (await kube.get<{ data: Record<string, string> }>("/api/v1/namespaces/flux-system/configmaps/gitops-azure-outputs"))!.data;
    await aci.containerGroups.beginDeleteAndWait(outputs["resourceGroup"]!, outputs["containerGroup"]!);
    await waitUntil("the container group recreated", async () => ((await groups()).length === 1 ? true : undefined), 120_000, 500).catch((e: Error) => assert.fail(e.message + explain()));
  });

  it("deleting the Stack destroys what it deployed", async () => {
    await kube.call("DELETE", STACK);
    await waitUntil("the Stack gone", async () => ((await get()) === undefined ? true : undefined), 120_000, 500).catch((e: Error) => assert.fail(e.message + explain()));
    assert.deepEqual(await groups(), []);
    await rm(programDir, { recursive: true, force: true });
  });
});

describe("gitops-azure: the emulated source-controller's artifact against the real one's", () => {
  it("has the same fields, URL, path and revision forms, and files", (t) => {
    if (!observed.has("emulated") || !observed.has("real")) {
      t.skip(`IAC_CONFORMANCE_TARGETS=${targets().join(",")}: comparing needs both targets`);
      return;
    }
    assert.deepEqual(JSON.parse(canonical(observed.get("emulated"))), JSON.parse(canonical(observed.get("real"))));
  });
});
