/**
 * Conformance scenario `gitops-azure`: the iac controller against the kube-apiserver and the
 * source-controller of each target (real: the real ones; emulated: the emulation, whose
 * source-controller serves artifacts too), with the local cloud's ARM. FluxBootstrap and a
 * GitRepository of the gitops-azure program (programs/gitops-azure.ts, through `iac up`); the
 * artifact the source-controller advertises fetched and its digest verified, its shape (fields,
 * URL form, revision form, files) compared between the targets; the Stack CRD and a Stack with
 * `sourceRef` to it; the controller (in this process) downloads the artifact, verifies its digest,
 * and deploys the program; a push changes Azure; a container group deleted behind iac's back is
 * recreated at the next interval; with driftDetection warn, drift only reported; a program that
 * throws gives Ready=False with its error; on the real tier, a second Stack whose `sourceRef` is an
 * OCIRepository of the program pushed to the local registry as `flux push artifact` pushes it;
 * deleting the Stack destroys what it deployed; 20 Stacks reconciled together within their
 * intervals; `iac controller` killed with -9 during an update and restarted (nothing lost or
 * duplicated). The checks' outcomes are compared between the targets.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { request as httpsRequest } from "node:https";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
import { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { localCredential } from "@iac/azure";
import { Controller, Kube, objectPath, type StackObject } from "@iac/controller";
import { parseAllDocuments } from "yaml";
import { iacProject, show, spawnIac, type IacProject } from "../iac-run.js";
import { canonical, pushHistory, ROOT, startStack, targets, waitUntil, type Observation, type Stack, type Target } from "./harness.js";
import { FLUX_MANIFESTS, HERE } from "./scenario.js";

const exec = promisify(execFile);
const EXAMPLE = join(ROOT, "examples", "gitops-azure");
const STACK = objectPath({ apiVersion: "iac.dev/v1alpha1", plural: "stacks", namespace: "flux-system", name: "gitops-azure" });

const GIT_REPOSITORY = objectPath({ apiVersion: "source.toolkit.fluxcd.io/v1", plural: "gitrepositories", namespace: "flux-system", name: "gitops-azure" });
const observed = new Map<Target, Observation>();
const WORKERS = 4;

/** Sets the local cloud's fault rules (`PUT /_iac/faults` on its ARM port). */
function setFaults(endpoints: { arm: string; ca: string }, rules: unknown[]): Promise<void> {
  return readFile(endpoints.ca, "utf8").then((ca) => new Promise<void>((resolve, reject) => {
    const body = JSON.stringify({ rules });
    const req = httpsRequest(new URL("/_iac/faults", endpoints.arm), { method: "PUT", ca, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`PUT /_iac/faults answered ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end(body);
  }));
}

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
    // What this target observed, for reading next to the other one.
    await writeFile(join(HERE, ".tmp", `gitops-azure-${target}.json`), JSON.stringify(o, null, 2) + "\n").catch(() => undefined);
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
    // As a Receiver does on a push webhook: the source-controller fetches now, not at its next interval.
    if (kube) await kube.mergePatch(GIT_REPOSITORY, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": new Date().toISOString() } } }).catch(() => undefined);
    return git("rev-parse", "HEAD");
  };

  // The steps after the first need its Flux and GitRepository (or the Stack CRD and controller that
  // the third installs): when the first failed, they are skipped rather than each failing again
  // after its own timeout (the first failure is the one to read).
  let installed = false;
  const afterInstall = (name: string, ...rest: [() => Promise<void>] | [{ skip: string | false }, () => Promise<void>]) => {
    const [options, fn] = rest.length === 2 ? rest : [{}, rest[0]];
    return it(name, options, async (t) => {
      if (!installed) return t.skip("the first step (Flux and the GitRepository) failed");
      await fn();
    });
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
    installed = true;
  });

  afterInstall("the artifact is a tar.gz of the program's files whose sha256 is the advertised digest", async () => {
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
    assert.equal(o["artifact.digestVerified"], true);
  });

  afterInstall("deploys the program from the artifact, verified, with Flux's status", async () => {
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

  afterInstall("a push changes Azure once the source-controller has the new artifact", async () => {
    const head = await push((s) => s.replace("realtime-go:1.0.0", "realtime-go:1.1.0"));
    await waitUntil("the new revision applied", async () => ((await get())?.status?.lastAppliedRevision === `main@sha1:${head}` ? true : undefined), 120_000, 500).catch((e: Error) => assert.fail(e.message + explain()));
    assert.deepEqual((await groups()).map((g) => g.images), [["ghcr.io/example/realtime-go:1.1.0", "redis:7-alpine"]]);
  });

  afterInstall("a container group deleted behind iac's back is recreated at the next interval", async () => {
    const outputs = (await kube.get<{ data: Record<string, string> }>("/api/v1/namespaces/flux-system/configmaps/gitops-azure-outputs"))!.data;
    await aci.containerGroups.beginDeleteAndWait(outputs["resourceGroup"]!, outputs["containerGroup"]!);
    await waitUntil("the container group recreated", async () => ((await groups()).length === 1 ? true : undefined), 120_000, 500).catch((e: Error) => assert.fail(e.message + explain()));
  });

  afterInstall("with driftDetection warn, drift is only reported: status.drift and the Ready message, a DriftDetected Event, nothing corrected", async () => {
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

  afterInstall("a broken program gives Ready=False with the error and keeps the last applied revision; fixed, it applies", async () => {
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

  afterInstall("a Stack whose sourceRef is an OCIRepository (a `flux push artifact` of the program in the local registry) is deployed", { skip: target === "real" ? false : "the emulated source-controller does not reconcile OCIRepository (docs/local-cloud.md)" }, async () => {
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

  afterInstall("deleting the Stack destroys what it deployed", async () => {
    await kube.call("DELETE", STACK);
    await waitUntil("the Stack gone", async () => ((await get()) === undefined ? true : undefined), 120_000, 500).catch((e: Error) => assert.fail(e.message + explain()));
    assert.deepEqual(await groups(), []);
  });

  afterInstall("20 Stacks are reconciled together, each to Ready with its own state, and again at their interval", async () => {
    // Each program waits, once its resource is declared, until a second one has got as far (a
    // meeting point on globalThis: the controller runs the programs in this process): had the
    // updates run one at a time, the first would wait for ever (the timeouts are hang guards).
    const work = await mkdtemp(join(project.dir, "meet-"));
    await writeFile(join(work, "iac.yaml"), "name: meet\nmain: index.ts\n");
    await writeFile(join(work, "index.ts"), `import { RandomString } from "@iac/sdk/random";\nconst word = new RandomString("word", { length: 8 });\nawait (globalThis as any)[Symbol.for("iac.conformance.meeting")]?.();\nexport const value = word.result;\n`);
    await pushHistory(stack!.git, "iac/meet.git", work, [{ files: {} }]);
    let arrived = 0;
    let release!: () => void;
    const met = new Promise<void>((resolve) => (release = resolve));
    (globalThis as Record<symbol, unknown>)[Symbol.for("iac.conformance.meeting")] = () => {
      if (++arrived === 2) release();
      return met;
    };
    const ns = "many";
    const names = Array.from({ length: 20 }, (_, i) => `many-${i}`);
    const path = (name?: string) => objectPath({ apiVersion: "iac.dev/v1alpha1", plural: "stacks", namespace: ns, ...(name ? { name } : {}) });
    const status = (name: string) => kube.get<StackObject>(path(name)).then((s) => s?.status);
    try {
      await kube.call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
      for (const [name, data] of [["git", { username: "git", password: "t" }], ["state", { passphrase: "many stacks passphrase" }]] as const) {
        await kube.call("POST", `/api/v1/namespaces/${ns}/secrets`, { apiVersion: "v1", kind: "Secret", metadata: { name }, stringData: data });
      }
      maxUpdating = 0;
      await Promise.all(names.map((name) => kube.call("POST", path(), {
        apiVersion: "iac.dev/v1alpha1", kind: "Stack", metadata: { name, namespace: ns },
        spec: { git: { url: `${stack!.git}/iac/meet.git`, ref: { branch: "main" }, secretRef: { name: "git" } }, stack: "dev", interval: "10s", backend: { passphraseSecretRef: { name: "state" } } },
      })));
      const first = await waitUntil("20 Stacks Ready", async () => {
        const all = await Promise.all(names.map(status));
        return all.every((s) => s?.conditions?.find((c) => c.type === "Ready")?.status === "True") ? all : undefined;
      }, 180_000, 1000).catch((e: Error) => assert.fail(e.message + explain()));
      const values = new Set(await Promise.all(names.map(async (n) => (await kube.get<{ data: Record<string, string> }>(`/api/v1/namespaces/${ns}/configmaps/${n}-outputs`))!.data["value"])));
      o["many.ready"] = first.length;
      o["many.ownState"] = values.size;
      o["many.overlapped"] = maxUpdating > 1;
      o["many.withinWorkers"] = maxUpdating <= WORKERS;
      // Each is reconciled again at its interval: a later update than the first.
      await waitUntil("each Stack reconciled again at its interval", async () => {
        const again = await Promise.all(names.map(status));
        return again.every((s, i) => s?.lastUpdate?.startTime !== undefined && s.lastUpdate.startTime > first[i]!.lastUpdate!.endTime!) ? true : undefined;
      }, 180_000, 1000).catch((e: Error) => assert.fail(e.message + explain()));
      o["many.reconciledAgain"] = true;
      assert.equal(o["many.ownState"], 20, "each Stack has its own state");
      assert.equal(o["many.overlapped"], true, `updates overlapped (at most ${maxUpdating} at once)`);
      assert.equal(o["many.withinWorkers"], true, `no more updates at once than workers (${maxUpdating} > ${WORKERS})`);
    } finally {
      await Promise.all(names.map((n) => kube.call("DELETE", path(n)).catch(() => undefined)));
      delete (globalThis as Record<symbol, unknown>)[Symbol.for("iac.conformance.meeting")];
    }
  });

  afterInstall("`iac controller` killed with -9 while ARM creates the container group, then started again: one container group, Stack Ready, the dead one's lock broken", async () => {
    // The in-process controller stops: the `iac controller` process below is the only one.
    await controller?.stop();
    controller = undefined;
    const endpoints = JSON.parse(await readFile(stack!.endpointsFile, "utf8")) as { kubeconfig: string; arm: string; ca: string };
    // The container group's create is slow (the local cloud's fault rules), so the kill lands while ARM creates it.
    await setFaults(endpoints, [{ service: "arm", method: "PUT", path: "/containerGroups/", latencyMs: 4000, times: 1 }]);
    const crashPath = objectPath({ apiVersion: "iac.dev/v1alpha1", plural: "stacks", namespace: "flux-system", name: "crash" });
    const workDir = await mkdtemp(join(project.dir, "crash-"));
    const child = spawnIac(["controller", "--kubeconfig", endpoints.kubeconfig, "--namespace", "flux-system", "--work-dir", workDir], { cwd: project.dir, stdin: "ignore", env: { IAC_LOCAL_ENDPOINTS: stack!.endpointsFile } });
    let output = "";
    child.stdout?.on("data", (d: Buffer) => (output += String(d)));
    child.stderr?.on("data", (d: Buffer) => (output += String(d)));
    const exited = new Promise((r) => child.once("exit", r));
    try {
      await kube.call("POST", objectPath({ apiVersion: "iac.dev/v1alpha1", plural: "stacks", namespace: "flux-system" }), {
        apiVersion: "iac.dev/v1alpha1", kind: "Stack", metadata: { name: "crash", namespace: "flux-system" },
        spec: { sourceRef: { kind: "GitRepository", name: "gitops-azure" }, stack: "crash", interval: "1h", retryInterval: "1s", config: { dnsLabel: { value: "gitops-crash" } }, backend: { passphraseSecretRef: { name: "gitops-azure-state" } } },
      });
      // The create has been sent when the stack's journal records a pending create of the container group.
      await waitUntil("the container group's create in flight", async () => {
        const { stdout } = await exec("grep", ["-rl", "azure:containerinstance:ContainerGroup", join(workDir, "state")]).catch(() => ({ stdout: "" }));
        return stdout.includes("journal") ? true : undefined;
      }, 120_000, 200).catch((e: Error) => assert.fail(`${e.message}\n${output}`));
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    controller = new Controller({ kube, workDir, log: (l) => logs.push(l) });
    await controller.start();
    const s = await waitUntil("the Stack Ready", async () => {
      const s = await kube.get<StackObject>(crashPath);
      return s?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" ? s : undefined;
    }, 120_000, 500).catch(async (e: Error) => assert.fail(`${e.message}\n${JSON.stringify((await kube.get<StackObject>(crashPath))?.status)}${explain()}`));
    o["crash.ready"] = /^main@sha1:/.test(s.status!.lastAppliedRevision ?? "");
    o["crash.groups"] = (await groups()).length;
    const events = await kube.call<{ items: { reason: string; message: string; involvedObject: { name: string } }[] }>("GET", "/api/v1/namespaces/flux-system/events");
    o["crash.lockBroken"] = events.items.some((e) => e.involvedObject.name === "crash" && /Broke the stack's stale lock/.test(e.message));
    assert.equal(o["crash.groups"], 1, "exactly one container group: nothing lost, nothing duplicated");
    assert.equal(o["crash.lockBroken"], true, "the dead controller's lock was broken, and said so");
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
