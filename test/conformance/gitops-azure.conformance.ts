/**
 * Conformance scenario `gitops-azure`: the iac controller against the kube-apiserver and the
 * source-controller of each target (real: the real ones; emulated: the emulation, whose
 * source-controller serves artifacts too), with the local cloud's ARM. FluxBootstrap and a
 * GitRepository of the gitops-azure program (programs/gitops-azure.ts, through `iac up`); the
 * artifact the source-controller advertises fetched and its digest verified, its shape (fields,
 * URL form, revision form, files) compared between the targets; the Stack CRD and a Stack with
 * `sourceRef` to it; the controller (in this process) downloads the artifact, verifies its digest,
 * and deploys the program; a push changes Azure; a container group deleted behind iac's back is
 * recreated at the next interval; on the real tier, a second Stack whose `sourceRef` is an
 * OCIRepository of the program pushed to the local registry as `flux push artifact` pushes it;
 * deleting the Stack destroys what it deployed.
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
const WORKERS = 4;

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

  const updating = new Set<string>();
  let maxUpdating = 0;
  const get = () => kube.get<StackObject>(STACK);
  const ready = (s: StackObject | undefined) => s?.status?.conditions?.find((c) => c.type === "Ready");
  const explain = () => `\n--- controller:\n${logs.slice(-20).join("\n")}`;
  const groups = async () => {
    const out: { name: string; images: string[] }[] = [];
    for await (const g of aci.containerGroups.list()) out.push({ name: g.name!, images: g.containers.map((c) => c.image) });
    return out;
  };
  const stackEvents = async () => {
    const list = await kube.call<{ items: { reason: string; type: string; involvedObject: { kind: string; name: string } }[] }>("GET", "/api/v1/namespaces/flux-system/events");
    return list.items.filter((e) => e.involvedObject.kind === "Stack" && e.involvedObject.name === "gitops-azure");
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
    controller = new Controller({
      kube,
      workDir: join(project.dir, "controller"),
      workers: WORKERS,
      log: (l) => logs.push(l),
      onUpdateEvent: (key, event) => {
        if (event.kind === "prelude") updating.add(key);
        if (event.kind === "summary") updating.delete(key);
        maxUpdating = Math.max(maxUpdating, updating.size);
      },
    });
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

  it("with driftDetection warn, drift is only reported: status.drift and the Ready message, a DriftDetected Event, nothing corrected", async () => {
    await kube.mergePatch(STACK, { spec: { driftDetection: { mode: "warn" } } });
    await waitUntil("the new generation observed", async () => {
      const s = await get();
      return s?.status?.observedGeneration === s?.metadata.generation && ready(s)?.status === "True" ? true : undefined;
    }, 60_000, 500).catch((e: Error) => assert.fail(e.message + explain()));
    const outputs = (await kube.get<{ data: Record<string, string> }>("/api/v1/namespaces/flux-system/configmaps/gitops-azure-outputs"))!.data;
    await aci.containerGroups.beginDeleteAndWait(outputs["resourceGroup"]!, outputs["containerGroup"]!);
    const s = await waitUntil("drift reported in the status", async () => {
      const s = await get();
      return s?.status?.drift?.detected === true && /drift detected/.test(ready(s)?.message ?? "") ? s : undefined;
    }, 60_000, 500).catch((e: Error) => assert.fail(e.message + explain()));
    o["warn.ready"] = { status: ready(s)!.status, reason: ready(s)!.reason, message: ready(s)!.message.replace(/sha1:[0-9a-f]{40}/, "sha1:<commit>") };
    o["warn.drift"] = s.status!.drift!.resourceChanges;
    const seen = controller!.reconciled;
    await waitUntil("another reconciliation", async () => (controller!.reconciled >= seen + 1 ? true : undefined), 60_000, 500);
    o["warn.groupsAfterAnotherInterval"] = (await groups()).length;
    o["warn.event"] = (await stackEvents()).filter((e) => e.reason === "DriftDetected").map((e) => e.type)[0] ?? "absent";
    assert.equal(o["warn.groupsAfterAnotherInterval"], 0, "warn does not correct the drift");
    assert.match(ready(s)!.message, /drift detected: 1 create \(not corrected: driftDetection.mode is warn\)/);
    await kube.mergePatch(STACK, { spec: { driftDetection: { mode: "enabled" } } });
    await waitUntil("the container group recreated once drift detection corrects again", async () => ((await groups()).length === 1 ? true : undefined), 120_000, 500).catch((e: Error) => assert.fail(e.message + explain()));
  });

  it("a broken program gives Ready=False with the error and keeps the last applied revision; fixed, it applies", async () => {
    const applied = (await get())!.status!.lastAppliedRevision;
    const broken = await push((s) => `${s.replace("realtime-go:1.0.0", "realtime-go:1.1.0")}\nthrow new Error("the realtime config is missing its region");\n`);
    const s = await waitUntil("Ready=False", async () => {
      const s = await get();
      return s?.status?.lastAttemptedRevision === `main@sha1:${broken}` && ready(s)?.status === "False" ? s : undefined;
    }, 120_000, 500).catch((e: Error) => assert.fail(e.message + explain()));
    o["broken.ready"] = { status: ready(s)!.status, reason: ready(s)!.reason };
    o["broken.messageHasError"] = /the realtime config is missing its region/.test(ready(s)!.message);
    o["broken.keepsLastApplied"] = s.status!.lastAppliedRevision === applied;
    o["broken.lastUpdate"] = s.status!.lastUpdate!.result;
    o["broken.event"] = (await stackEvents()).filter((e) => e.reason === "ReconciliationFailed").map((e) => e.type)[0] ?? "absent";
    o["broken.groups"] = (await groups()).length;
    assert.deepEqual(o["broken.ready"], { status: "False", reason: "ReconciliationFailed" });
    assert.equal(o["broken.messageHasError"], true, ready(s)!.message);
    assert.equal(o["broken.keepsLastApplied"], true);
    assert.equal(o["broken.groups"], 1, "what was deployed stays");
    const fixed = await push((s) => s.replace("realtime-go:1.0.0", "realtime-go:1.1.0"));
    await waitUntil("the fix applied", async () => ((await get())?.status?.lastAppliedRevision === `main@sha1:${fixed}` ? true : undefined), 120_000, 500).catch((e: Error) => assert.fail(e.message + explain()));
  });

  it("a Stack whose sourceRef is an OCIRepository (a `flux push artifact` of the program in the local registry) is deployed", { skip: target === "real" ? false : "the emulated source-controller does not reconcile OCIRepository (docs/local-cloud.md)" }, async () => {
    // The artifact as `flux push artifact` makes it: the program as one tar.gz layer of Flux's
    // content media type, Flux's config media type, the source and revision annotations.
    const registry = stack!.registry!;
    const layer = (await exec("tar", ["-czf", "-", "-C", programDir, "iac.yaml", "index.ts", "package.json"], { encoding: "buffer" })).stdout as Buffer;
    const config = Buffer.from("{}");
    const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
    for (const blob of [layer, config]) {
      const r = await fetch(`${registry}/v2/iac/gitops-azure/blobs/uploads/?digest=${sha(blob)}`, { method: "POST", body: blob, headers: { "content-type": "application/octet-stream" } });
      assert.equal(r.status, 201, await r.text());
    }
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.cncf.flux.config.v1+json", digest: sha(config), size: config.length },
      layers: [{ mediaType: "application/vnd.cncf.flux.content.v1.tar+gzip", digest: sha(layer), size: layer.length }],
      annotations: { "org.opencontainers.image.created": new Date().toISOString(), "org.opencontainers.image.source": `${stack!.git}/iac/gitops-azure.git`, "org.opencontainers.image.revision": "main@sha1:conformance" },
    });
    const put = await fetch(`${registry}/v2/iac/gitops-azure/manifests/v1`, { method: "PUT", body: manifest, headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" } });
    assert.equal(put.status, 201, await put.text());
    const ociPath = objectPath({ apiVersion: "source.toolkit.fluxcd.io/v1", plural: "ocirepositories", namespace: "flux-system" });
    await kube.call("POST", ociPath, {
      apiVersion: "source.toolkit.fluxcd.io/v1", kind: "OCIRepository", metadata: { name: "gitops-azure-oci", namespace: "flux-system" },
      spec: { url: `oci://${registry.replace(/^http:\/\//, "")}/iac/gitops-azure`, ref: { tag: "v1" }, interval: "1m", insecure: true },
    });
    const artifact = await waitUntil("the OCIRepository's artifact", async () => (await kube.get<{ status?: { artifact?: { revision: string; digest: string } } }>(`${ociPath}/gitops-azure-oci`))?.status?.artifact, 120_000)
      .catch(async (e: Error) => assert.fail(`${e.message}\n${JSON.stringify((await kube.get<{ status?: unknown }>(`${ociPath}/gitops-azure-oci`))?.status)}`));
    o["oci.revision"] = artifact.revision.replace(/sha256:[0-9a-f]{64}/, "sha256:<digest>");
    const ociStack = objectPath({ apiVersion: "iac.dev/v1alpha1", plural: "stacks", namespace: "flux-system", name: "gitops-azure-oci" });
    await kube.call("POST", objectPath({ apiVersion: "iac.dev/v1alpha1", plural: "stacks", namespace: "flux-system" }), {
      apiVersion: "iac.dev/v1alpha1", kind: "Stack", metadata: { name: "gitops-azure-oci", namespace: "flux-system" },
      spec: { sourceRef: { kind: "OCIRepository", name: "gitops-azure-oci" }, stack: "oci", interval: "1h", destroyOnDelete: true, config: { dnsLabel: { value: "gitops-oci" } }, backend: { passphraseSecretRef: { name: "gitops-azure-state" } } },
    });
    const s = await waitUntil("the OCI Stack Ready", async () => {
      const s = await kube.get<StackObject>(ociStack);
      return s?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" ? s : undefined;
    }, 120_000, 500).catch(async (e: Error) => assert.fail(`${e.message}\n${JSON.stringify((await kube.get<StackObject>(ociStack))?.status)}${explain()}`));
    assert.equal(s.status!.lastAppliedRevision, artifact.revision);
    assert.equal((await groups()).length, 2, "the OCI Stack's container group beside the git Stack's");
    await kube.call("DELETE", ociStack);
    await waitUntil("the OCI Stack gone", async () => ((await kube.get(ociStack)) === undefined ? true : undefined), 120_000, 500).catch((e: Error) => assert.fail(e.message + explain()));
    assert.equal((await groups()).length, 1);
  });

  it("deleting the Stack destroys what it deployed", async () => {
    await kube.call("DELETE", STACK);
    await waitUntil("the Stack gone", async () => ((await get()) === undefined ? true : undefined), 120_000, 500).catch((e: Error) => assert.fail(e.message + explain()));
    assert.deepEqual(await groups(), []);
    await rm(programDir, { recursive: true, force: true });
  });
});

describe("gitops-azure: the emulated source-controller's artifact against the real one's", () => {
  it("has the same fields, URL, path and revision forms, and files; the controller's checks end the same", (t) => {
    if (!observed.has("emulated") || !observed.has("real")) {
      t.skip(`IAC_CONFORMANCE_TARGETS=${targets().join(",")}: comparing needs both targets`);
      return;
    }
    // Every observation but the OCIRepository step's (it runs on the real tier only).
    const artifact = (o: Observation) => JSON.parse(canonical(Object.fromEntries(Object.entries(o).filter(([k]) => !k.startsWith("oci.")))));
    assert.deepEqual(artifact(observed.get("emulated")!), artifact(observed.get("real")!));
  });
});
