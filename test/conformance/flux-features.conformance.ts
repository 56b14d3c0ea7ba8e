/**
 * Conformance scenario `flux-features`: what Flux does with the objects a program declares, beyond
 * the seed's layout. GitRepository by branch, tag, semver range and commit; a Kustomization's drift
 * corrected at its interval (an object edited behind Flux's back), `prune` when a file leaves git,
 * `dependsOn`, `suspend`, `postBuild.substitute`, and `wait` failing on a Deployment that never
 * becomes ready; FluxBootstrap's components upgraded (helm and notification added); destroy in
 * `flux uninstall`'s order leaving no Flux CRD, namespace or finalizer behind.
 * One iac program (programs/flux-features.ts) in phases, run against each target.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { it } from "node:test";
import { condition, pushHistory, waitUntil, type CommitSpec, type Stack } from "./harness.js";
import { FLUX_MANIFESTS, scenario } from "./scenario.js";

const NS = "features";
const configMap = (name: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${NS}\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join("\n")}\n`;

/** The app repository's history: A (v1.0.0), B (v1.1.0), C (v2.0.0, main's head); D (pushed later) drops a file. */
const HISTORY: readonly CommitSpec[] = [
  {
    tag: "v1.0.0",
    files: {
      VERSION: "1.0.0\n",
      "base/settings.yaml": configMap("base-settings", { COLOR: "blue" }),
      "base/extra.yaml": configMap("base-extra", { EXTRA: "yes" }),
      "dependent/settings.yaml": configMap("dependent-settings", { NEEDS: "base" }),
      "substituted/settings.yaml": configMap("substituted", { GREETING: "hello ${name}", TIER: "${tier}", REGION: "${region:=eu}" }),
      "suspended/settings.yaml": configMap("suspended-settings", { SUSPENDED: "no" }),
      "stuck/deployment.yaml": [
        "apiVersion: apps/v1",
        "kind: Deployment",
        `metadata: { name: stuck, namespace: ${NS} }`,
        "spec:",
        "  replicas: 1",
        "  selector: { matchLabels: { app: stuck } }",
        "  template:",
        "    metadata: { labels: { app: stuck } }",
        "    spec:",
        "      containers:",
        "      - name: app",
        // The real cluster's fake node never starts this image (packages/emulator/src/real/kwok-stages.ts).
        "        image: unpullable.invalid/app:1",
        "",
      ].join("\n"),
    },
  },
  { tag: "v1.1.0", files: { VERSION: "1.1.0\n" } },
  { tag: "v2.0.0", files: { VERSION: "2.0.0\n" } },
];
const PRUNE_COMMIT: CommitSpec = { files: { "base/extra.yaml": null } };
const SOURCES = ["branch", "tag", "semver", "commit"] as const;
const KUSTOMIZATIONS = ["base", "dependent", "substituted", "suspended"] as const;

/** Commit hashes to the history's names, so that the two targets' observations compare. */
let names = new Map<string, string>();
const label = (revision: unknown): unknown => (typeof revision === "string" ? revision.replace(/[0-9a-f]{40}/, (sha) => names.get(sha) ?? "unknown-commit") : revision ?? "absent");

const getFlux = (stack: Stack, kind: "GitRepository" | "Kustomization", name: string) =>
  stack.client.get({ apiVersion: kind === "GitRepository" ? "source.toolkit.fluxcd.io/v1" : "kustomize.toolkit.fluxcd.io/v1", kind, namespace: "flux-system", name });
const readyOf = (obj: Record<string, unknown> | undefined) => (obj ? `${condition(obj, "Ready")?.status ?? "absent"}/${condition(obj, "Ready")?.reason ?? ""}` : "absent");

async function configMaps(stack: Stack): Promise<Record<string, unknown>> {
  const list = await stack.client.list("v1", "ConfigMap", { namespace: NS });
  // kube-root-ca.crt is published into every namespace by the real controller-manager; it is not the app's.
  return Object.fromEntries(list.filter((m) => m.metadata.name !== "kube-root-ca.crt").map((m) => [m.metadata.name, m["data"]]).sort(([a], [b]) => String(a).localeCompare(String(b))));
}

async function controllers(stack: Stack): Promise<string[]> {
  const list = await stack.client.list("apps/v1", "Deployment", { namespace: "flux-system" });
  return list.map((d) => `${d.metadata.name}: ${condition(d, "Available")?.status ?? "absent"}`).sort();
}

let commits: string[] = [];

scenario("flux-features", {
  program: "flux-features",
  async setup(run) {
    commits = await pushHistory(run.stack.git, "iac/features.git", join(run.project.dir, "features-repo"), HISTORY);
    names = new Map(commits.map((sha, i) => [sha, "ABC"[i]!]));
    return { manifests: FLUX_MANIFESTS, commit: commits[0]!, phase: "1" };
  },
}, (run) => {
  const { o } = run;

  it("phase 1: sources by branch, tag, semver range and commit; dependsOn, postBuild.substitute and suspend", async () => {
    const r = await run.up();
    o["up1.exitCode"] = r.code;
    assert.equal(r.code, 0, run.explain(r));
    // The dependent Kustomization is applied after its dependency is Ready: give Flux its interval.
    await waitUntil("the dependent Kustomization to settle", async () => (readyOf(await getFlux(run.stack, "Kustomization", "dependent")).startsWith("True") ? true : undefined), run.timeout(120_000)).catch(() => undefined);
    for (const s of SOURCES) {
      const repo = await getFlux(run.stack, "GitRepository", `features-${s}`);
      o[`sources.${s}.ready`] = readyOf(repo);
      o[`sources.${s}.revision`] = label((repo?.["status"] as { artifact?: { revision?: string } } | undefined)?.artifact?.revision);
    }
    for (const k of KUSTOMIZATIONS) o[`ks.${k}.ready`] = readyOf(await getFlux(run.stack, "Kustomization", k));
    const { substituted, ...maps } = await configMaps(run.stack);
    o["phase1.configMaps"] = maps;
    o["substituted.data"] = substituted ?? "absent";
    o["phase1.controllers"] = await controllers(run.stack);
    if (run.real) {
      assert.deepEqual(SOURCES.map((s) => o[`sources.${s}.revision`]), ["main@sha1:C", "v1.0.0@sha1:A", "v1.1.0@sha1:B", "main@sha1:A"]);
      assert.equal(o["ks.dependent.ready"], "True/ReconciliationSucceeded");
      assert.equal(o["ks.suspended.ready"], "absent/", "a suspended Kustomization is never reconciled");
      assert.deepEqual(o["phase1.configMaps"], {
        "base-extra": { EXTRA: "yes" },
        "base-settings": { COLOR: "blue" },
        "dependent-settings": { NEEDS: "base" },
      });
      assert.deepEqual(o["substituted.data"], { GREETING: "hello world", TIER: "gold", REGION: "eu" });
      assert.deepEqual(o["phase1.controllers"], ["kustomize-controller: True", "source-controller: True"]);
    }
  });

  it("corrects drift at the Kustomization's interval: an object edited behind Flux's back is put back", async () => {
    // What `kubectl edit` does: an update under another field manager.
    await run.stack.client.mergePatch({ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "base-settings" }, { data: { COLOR: "red" } });
    const edited = ((await run.stack.client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "base-settings" }))?.["data"] as { COLOR?: string } | undefined)?.COLOR;
    assert.equal(edited, "red", "the edit behind Flux's back took effect");
    o["drift.corrected"] = await waitUntil("Flux to put the ConfigMap back", async () => {
      const data = (await run.stack.client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "base-settings" }))?.["data"] as { COLOR?: string } | undefined;
      return data?.COLOR === "blue" ? true : undefined;
    }, run.timeout(90_000, 45_000), 2000).catch(() => false);
    assert.equal(o["drift.corrected"], true);
  });

  it("prunes an object whose file leaves git", async () => {
    const [d] = await pushHistory(run.stack.git, "iac/features.git", join(run.project.dir, "features-repo"), [PRUNE_COMMIT]);
    names.set(d!, "D");
    const applied = await waitUntil("the base Kustomization to apply the new commit", async () => {
      const ks = await getFlux(run.stack, "Kustomization", "base");
      const rev = (ks?.["status"] as { lastAppliedRevision?: string } | undefined)?.lastAppliedRevision;
      return rev?.endsWith(d!) ? true : undefined;
    }, run.timeout(120_000, 45_000), 2000).catch(() => false);
    o["prune.appliedNewCommit"] = applied;
    const maps = await configMaps(run.stack);
    o["prune.extraGone"] = !("base-extra" in maps);
    o["prune.settingsKept"] = "base-settings" in maps;
    if (run.real) {
      assert.equal(applied, true);
      assert.equal(o["prune.extraGone"], true);
      assert.equal(o["prune.settingsKept"], true);
    }
  });

  it("phase 2: FluxBootstrap's components upgraded in place (helm and notification added)", async () => {
    await run.config({ phase: "2" });
    const r = await run.up();
    o["up2.exitCode"] = r.code;
    assert.equal(r.code, 0, run.explain(r));
    await waitUntil("the controllers to be available", async () => ((await controllers(run.stack)).every((c) => c.endsWith("True")) ? true : undefined), run.timeout(120_000)).catch(() => undefined);
    o["phase2.controllers"] = await controllers(run.stack);
    const crds = await run.stack.client.list("apiextensions.k8s.io/v1", "CustomResourceDefinition", {});
    o["phase2.fluxCrds"] = crds.map((c) => c.metadata.name ?? "").filter((n) => n.endsWith(".toolkit.fluxcd.io")).sort();
    // The upgraded Deployments roll their pods: the new kustomize-controller reconciles the sync
    // Kustomization again as it starts (Ready is Unknown meanwhile), so it is read once settled.
    const syncReady = async () => readyOf(await getFlux(run.stack, "Kustomization", "flux-system"));
    o["phase2.sync"] = await waitUntil("the sync Kustomization Ready after the upgrade", async () => ((await syncReady()) === "True/ReconciliationSucceeded" ? "True/ReconciliationSucceeded" : undefined), run.timeout(60_000)).catch(syncReady);
    if (run.real) {
      assert.deepEqual(o["phase2.controllers"], ["helm-controller: True", "kustomize-controller: True", "notification-controller: True", "source-controller: True"]);
      assert.ok((o["phase2.fluxCrds"] as string[]).includes("helmreleases.helm.toolkit.fluxcd.io"));
      assert.equal(o["phase2.sync"], "True/ReconciliationSucceeded");
    }
  });

  it("phase 3: a Kustomization with wait fails on a Deployment that never becomes ready, and iac says so", async () => {
    await run.config({ phase: "3" });
    const r = await run.up();
    o["up3.exitCode"] = r.code;
    const out = r.stdout + r.stderr;
    o["up3.namesTheKustomization"] = /stuck/.test(out);
    o["up3.namesTheDeployment"] = /Deployment\/features\/stuck/.test(out);
    const ks = await getFlux(run.stack, "Kustomization", "stuck");
    o["ks.stuck.ready"] = readyOf(ks);
    const deployment = await run.stack.client.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name: "stuck" });
    o["stuck.deployment.available"] = deployment ? condition(deployment, "Available")?.status ?? "absent" : "no deployment";
    assert.equal(r.code, 1, run.explain(r));
    if (run.real) {
      assert.equal(o["up3.namesTheDeployment"], true, run.explain(r));
      assert.equal(o["ks.stuck.ready"], "False/HealthCheckFailed");
      assert.equal(o["stuck.deployment.available"], "False");
    }
  });

  it("phase 2 again: the failed Kustomization is removed, and Flux deletes what it applied", async () => {
    await run.config({ phase: "2" });
    const r = await run.up();
    o["up4.exitCode"] = r.code;
    assert.equal(r.code, 0, run.explain(r));
    o["stuck.deploymentGone"] = await waitUntil("the stuck Deployment to go", async () => ((await run.stack.client.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name: "stuck" })) === undefined ? true : undefined), run.timeout(60_000)).catch(() => false);
    assert.equal(o["stuck.deploymentGone"], true);
  });

  it("destroy leaves no Flux CRD, namespace or finalizer behind", async () => {
    const r = await run.destroy();
    o["destroy.exitCode"] = r.code;
    assert.equal(r.code, 0, run.explain(r));
    const crds = await run.stack.client.list("apiextensions.k8s.io/v1", "CustomResourceDefinition", {});
    o["destroy.fluxCrds"] = crds.map((c) => c.metadata.name ?? "").filter((n) => n.endsWith(".toolkit.fluxcd.io")).sort();
    // A namespace held by a finalizer stays Terminating: wait for both to be gone.
    o["destroy.namespacesGone"] = await waitUntil("the namespaces to go", async () => {
      const list = await run.stack.client.list("v1", "Namespace", {});
      return list.some((n) => n.metadata.name === "flux-system" || n.metadata.name === NS) ? undefined : true;
    }, run.timeout(120_000)).catch(() => false);
    if (run.real) {
      assert.deepEqual(o["destroy.fluxCrds"], []);
      assert.equal(o["destroy.namespacesGone"], true);
    }
  });
});

