/**
 * Conformance scenario `image-automation` (issue 15 §3): images pushed to the local cloud's
 * registry reach git and then the cluster. The registry holds builds (`sha-<short sha>-<unix time>`)
 * and releases (semver); the program declares Flux with the image controllers, an
 * ImageRepository, two ImagePolicies and an ImageUpdateAutomation over the app's overlays.
 *
 * Steps: `iac up` -> the automation commits the newest build into the dev overlay and the highest
 * 1.x release into the prod overlay, the Kustomizations apply them; then a new build and a new
 * release are pushed -> a new commit -> the Deployments' images change; then destroy.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { it } from "node:test";
import { promisify } from "node:util";
import { parse } from "yaml";
import { pushImage } from "@iac/emulator";
import { condition, pushHistory, waitUntil, type Observation, type Stack } from "./harness.js";
import { FLUX_INSTALL_MANIFESTS, HERE, scenario } from "./scenario.js";

const exec = promisify(execFile);
const NS = "flux-system";
const IMAGE = "team/app";
const INITIAL_TAGS = ["0.9.0", "1.0.0", "2.0.0", "sha-aaaaaaa-1700000100", "sha-bbbbbbb-1700000050", "sha256-0123abcd.sig"];
const NEW_TAGS = ["1.0.1", "sha-ccccccc-1700000300"];

function registryOf(stack: Stack): string {
  return stack.registry ?? assert.fail("the local cloud serves no registry (endpoints.json has no \"registry\")");
}

/** `http://127.0.0.1:<port>` -> `127.0.0.1:<port>`, replaced by `<registry>` in observations (ports differ per target). */
function normalize(value: unknown, host: string): unknown {
  return JSON.parse(JSON.stringify(value ?? "absent").split(host).join("<registry>"));
}

async function gitLog(stack: Stack, dir: string): Promise<{ head: string; files: Record<string, string>; author: string; subject: string }> {
  const url = `${stack.git.replace("http://", "http://dev:token@")}/iac/app.git`;
  const work = await mkdtemp(join(dir, "clone-"));
  try {
    const env = { ...process.env, HOME: work, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
    await exec("git", ["clone", "--quiet", "--branch", "main", url, "repo"], { cwd: work, env });
    const repo = join(work, "repo");
    const show = async (fmt: string) => (await exec("git", ["log", "-1", `--format=${fmt}`], { cwd: repo, env })).stdout.trim();
    const files: Record<string, string> = {};
    for (const env2 of ["dev", "prod"]) files[env2] = await readFile(join(repo, "deploy", "overlays", env2, "kustomization.yaml"), "utf8");
    return { head: await show("%H"), files, author: await show("%an <%ae>"), subject: await show("%s") };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function observe(stack: Stack, dir: string, phase: string): Promise<Observation> {
  const c = stack.client;
  const host = new URL(registryOf(stack)).host;
  const n = (v: unknown) => normalize(v, host);
  const o: Observation = {};
  const status = (x: Record<string, unknown> | undefined) => (x?.["status"] ?? {}) as Record<string, unknown>;
  const ready = (x: Record<string, unknown> | undefined) => `${condition(x, "Ready")?.status ?? "absent"}/${condition(x, "Ready")?.reason ?? ""}`;
  const git = await gitLog(stack, dir);

  const repo = await c.get({ apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImageRepository", namespace: NS, name: "app" });
  const scan = status(repo)["lastScanResult"] as { tagCount?: number; latestTags?: string[]; revision?: string } | undefined;
  o[`${phase}.imageRepository.ready`] = ready(repo);
  o[`${phase}.imageRepository.message`] = condition(repo, "Ready")?.message ?? "absent";
  o[`${phase}.imageRepository.canonicalImageName`] = n(status(repo)["canonicalImageName"]);
  o[`${phase}.imageRepository.lastScanResult`] = scan ? { tagCount: scan.tagCount, latestTags: scan.latestTags, revision: scan.revision } : "absent";
  o[`${phase}.imageRepository.finalizers`] = (repo?.["metadata"] as { finalizers?: string[] } | undefined)?.finalizers ?? [];
  for (const name of ["app-builds", "app-releases"]) {
    const p = await c.get({ apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImagePolicy", namespace: NS, name });
    o[`${phase}.imagePolicy.${name}.ready`] = ready(p);
    o[`${phase}.imagePolicy.${name}.message`] = n(condition(p, "Ready")?.message ?? "absent");
    o[`${phase}.imagePolicy.${name}.latestRef`] = n(status(p)["latestRef"]);
  }
  const auto = await c.get({ apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImageUpdateAutomation", namespace: NS, name: "app" });
  const a = status(auto);
  o[`${phase}.automation.ready`] = ready(auto);
  o[`${phase}.automation.message`] = condition(auto, "Ready")?.message ?? "absent";
  o[`${phase}.automation.lastPushCommit`] = a["lastPushCommit"] === git.head ? "HEAD" : a["lastPushCommit"] ?? "absent";
  o[`${phase}.automation.observedSourceRevision`] = a["observedSourceRevision"] === `main@sha1:${git.head}` ? "main@sha1:HEAD" : a["observedSourceRevision"] ?? "absent";
  o[`${phase}.automation.observedPolicies`] = n(a["observedPolicies"]);
  o[`${phase}.automation.lastPushTime`] = typeof a["lastPushTime"] === "string" ? "set" : "absent";
  o[`${phase}.git.head.author`] = git.author;
  o[`${phase}.git.head.subject`] = git.subject;
  for (const env of ["dev", "prod"] as const) {
    // The overlay as kustomize reads it (the real controller re-serialises the file; its meaning is compared).
    o[`${phase}.git.${env}.images`] = n((parse(git.files[env]!) as { images?: unknown }).images);
    const d = await c.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: `app-${env}`, name: "app" });
    const spec = d?.["spec"] as { template: { spec: { containers: { image: string }[] } } } | undefined;
    o[`${phase}.${env}.deployment.images`] = n(spec ? spec.template.spec.containers.map((x) => x.image) : "absent");
  }
  return o;
}

/** The fixture repository with the registry's host filled in, as files for {@link pushHistory}. */
async function fixtureFiles(host: string): Promise<Record<string, string>> {
  const root = join(HERE, "fixtures", "image-repo");
  const files: Record<string, string> = {};
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else files[relative(root, p)] = (await readFile(p, "utf8")).split("${REGISTRY}").join(host);
    }
  };
  await walk(root);
  return files;
}

/** Wait until both Deployments run the images the policies should pick. */
async function waitForImages(stack: Stack, expected: { dev: string; prod: string }, timeoutMs: number): Promise<void> {
  const host = new URL(registryOf(stack)).host;
  await waitUntil(`the Deployments to run ${expected.dev} (dev) and ${expected.prod} (prod)`, async () => {
    for (const env of ["dev", "prod"] as const) {
      const d = await stack.client.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: `app-${env}`, name: "app" });
      const image = (d?.["spec"] as { template: { spec: { containers: { image: string }[] } } } | undefined)?.template.spec.containers[0]?.image;
      if (image !== `${host}/${IMAGE}:${expected[env]}`) return undefined;
    }
    return true;
  }, timeoutMs).catch(() => undefined); // the observation records what was reached
}

scenario("image-automation", {
  program: "image-automation",
  async setup(run) {
    const registry = registryOf(run.stack);
    for (const tag of INITIAL_TAGS) await pushImage(registry, IMAGE, tag);
    await pushHistory(run.stack.git, "iac/app.git", await mkdtemp(join(run.project.dir, "app-")), [{ files: await fixtureFiles(new URL(registry).host) }]);
    return { manifests: FLUX_INSTALL_MANIFESTS };
  },
}, (run) => {
  it("iac up --local: the automation writes the newest build (dev) and release (prod) into git, and Flux applies them", async () => {
    const r = await run.up();
    assert.equal(r.code, 0, run.explain(r));
    await waitForImages(run.stack, { dev: "sha-aaaaaaa-1700000100", prod: "1.0.0" }, run.timeout(240_000, 60_000));
    const o = await observe(run.stack, run.project.dir, "up");
    Object.assign(run.o, o);
    if (run.real) {
      assert.equal(o["up.imageRepository.ready"], "True/Succeeded");
      assert.deepEqual((o["up.imageRepository.lastScanResult"] as { tagCount: number }).tagCount, 5, "the cosign .sig tag is excluded");
      assert.deepEqual(o["up.imagePolicy.app-builds.latestRef"], { name: "<registry>/team/app", tag: "sha-aaaaaaa-1700000100" });
      assert.deepEqual(o["up.imagePolicy.app-releases.latestRef"], { name: "<registry>/team/app", tag: "1.0.0" });
      assert.equal(o["up.automation.ready"], "True/Succeeded");
      assert.equal(o["up.automation.lastPushCommit"], "HEAD");
      assert.equal(o["up.git.head.author"], "fluxbot <fluxbot@example.com>");
      assert.deepEqual(o["up.dev.deployment.images"], ["<registry>/team/app:sha-aaaaaaa-1700000100"]);
      assert.deepEqual(o["up.prod.deployment.images"], ["<registry>/team/app:1.0.0"]);
    }
  });

  it("a new build and a new release pushed to the registry (iac local push) reach git and the Deployments", async () => {
    // As CI pushes a build: `iac local push` against the running local cloud.
    for (const tag of NEW_TAGS) {
      const pushed = await run.iac(["local", "push", `${IMAGE}:${tag}`]);
      assert.equal(pushed.code, 0, run.explain(pushed));
    }
    await waitForImages(run.stack, { dev: "sha-ccccccc-1700000300", prod: "1.0.1" }, run.timeout(240_000, 60_000));
    const o = await observe(run.stack, run.project.dir, "push");
    Object.assign(run.o, o);
    if (run.real) {
      assert.deepEqual(o["push.imagePolicy.app-builds.latestRef"], { name: "<registry>/team/app", tag: "sha-ccccccc-1700000300" });
      assert.deepEqual(o["push.imagePolicy.app-releases.latestRef"], { name: "<registry>/team/app", tag: "1.0.1" });
      assert.equal(o["push.automation.lastPushCommit"], "HEAD");
      assert.deepEqual(o["push.dev.deployment.images"], ["<registry>/team/app:sha-ccccccc-1700000300"]);
      assert.deepEqual(o["push.prod.deployment.images"], ["<registry>/team/app:1.0.1"]);
    }
  });

  it("iac destroy --local removes the image automation objects and Flux", async () => {
    const r = await run.destroy();
    assert.equal(r.code, 0, run.explain(r));
    const crds = await run.stack.client.list("apiextensions.k8s.io/v1", "CustomResourceDefinition", {});
    run.o["destroy.imageCrds"] = crds.map((x) => x.metadata.name ?? "").filter((n) => n.endsWith("image.toolkit.fluxcd.io")).sort();
    assert.deepEqual(run.o["destroy.imageCrds"], []);
  });
});
