/**
 * Conformance scenario `aks-flux`: the program of examples/aks-flux, unchanged, both ways. First
 * FluxBootstrap through the AKS cluster's own kubeconfig (the local ARM hands out the local cloud's
 * credentials, so on the real cluster its real token), the seed's overlays applied by Flux, destroy;
 * then `flux: extension`: the local ARM's microsoft.flux extension installs Flux on that Kubernetes
 * API and the fluxConfiguration's objects apply the same overlays, with the compliance AKS reports;
 * destroy. The infrastructure layer (Helm) is left out: its chart repository is on the internet.
 */
import assert from "node:assert/strict";
import { copyFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { it } from "node:test";
import { ResourceManagementClient } from "@azure/arm-resources";
import { localCredential } from "@iac/azure";
import { condition, pushRepo, waitUntil, type Observation, type Stack } from "./harness.js";
import { FLUX_MANIFESTS, HERE, scenario, type ScenarioRun } from "./scenario.js";

const EXAMPLE = join(HERE, "..", "..", "examples", "aks-flux");
// What the microsoft.flux extension installs (read by `iac local serve`, which inherits it).
process.env["IAC_LOCAL_FLUX_MANIFESTS"] ??= join(HERE, "..", "..", "..", "shared", "reference", "flux", "install-v2.9.4.yaml");

async function observeApp(stack: Stack, prefix: string): Promise<Observation> {
  const o: Observation = {};
  for (const env of ["dev", "prod"] as const) {
    const k = await stack.client.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: `realtimeapp-${env}` });
    const ready = condition(k, "Ready");
    o[`${prefix}.${env}.kustomization.ready`] = `${ready?.status ?? "absent"}/${ready?.reason ?? ""}`;
    const deployments = await stack.client.list("apps/v1", "Deployment", { namespace: `realtime-${env}` });
    o[`${prefix}.${env}.deployments`] = deployments
      .map((d) => {
        const spec = d["spec"] as { replicas?: number; template: { spec: { containers: { image: string }[] } } };
        return { name: d.metadata.name, replicas: spec.replicas, images: spec.template.spec.containers.map((c) => c.image) };
      })
      .sort((a, b) => String(a.name).localeCompare(String(b.name)));
  }
  return o;
}

async function settle(stack: Stack, timeoutMs: number): Promise<void> {
  await waitUntil("the app's Kustomizations to be Ready", async () => {
    for (const env of ["dev", "prod"]) {
      const k = await stack.client.get({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: `realtimeapp-${env}` });
      if (condition(k, "Ready")?.status !== "True") return undefined;
    }
    return true;
  }, timeoutMs).catch(() => undefined);
}

async function observeGone(run: ScenarioRun, prefix: string): Promise<void> {
  const crds = await run.stack.client.list("apiextensions.k8s.io/v1", "CustomResourceDefinition", {});
  run.o[`${prefix}.destroy.fluxCrds`] = crds.map((x) => x.metadata.name ?? "").filter((n) => n.endsWith(".toolkit.fluxcd.io")).sort();
  await waitUntil("the namespaces to go", async () => {
    const left = (await run.stack.client.list("v1", "Namespace", {})).map((n) => n.metadata.name ?? "").filter((n) => n === "flux-system" || n.startsWith("realtime-"));
    return left.length === 0 ? true : undefined;
  }, run.timeout(120_000)).catch(() => undefined);
  run.o[`${prefix}.destroy.namespaces`] = (await run.stack.client.list("v1", "Namespace", {})).map((n) => n.metadata.name ?? "").filter((n) => n === "flux-system" || n.startsWith("realtime-")).sort();
}

async function armClient(run: ScenarioRun): Promise<ResourceManagementClient> {
  const ep = JSON.parse(await readFile(run.stack.endpointsFile, "utf8")) as { arm: string; ca: string; subscriptionId: string };
  return new ResourceManagementClient(localCredential, ep.subscriptionId, { endpoint: ep.arm, tlsOptions: { ca: await readFile(ep.ca, "utf8") } });
}

scenario("aks-flux", {
  program: "seed-gitops",
  async setup(run) {
    // The example's own program, not a copy kept under programs/.
    await copyFile(join(EXAMPLE, "index.ts"), join(run.project.dir, "index.ts"));
    await pushRepo(run.stack.git, "iac/realtimeapp-infra.git", join(EXAMPLE, "app-repo"), run.project.dir);
    return { manifests: FLUX_MANIFESTS, helm: "false" };
  },
}, (run) => {
  it("FluxBootstrap through the AKS cluster's kubeconfig applies both overlays", async () => {
    const r = await run.up();
    run.o["bootstrap.up.exitCode"] = r.code;
    if (run.real) assert.equal(r.code, 0, run.explain(r));
    await settle(run.stack, run.timeout(180_000, 60_000));
    const o = await observeApp(run.stack, "bootstrap");
    Object.assign(run.o, o);
    if (run.real) {
      assert.equal(o["bootstrap.dev.kustomization.ready"], "True/ReconciliationSucceeded");
      assert.deepEqual(o["bootstrap.prod.deployments"], [
        { name: "prod-realtime", replicas: 3, images: ["registry.example.com/realtime-go:v1.4.0"] },
        { name: "prod-redis", replicas: 1, images: ["redis:7-alpine"] },
      ]);
    }
  });

  it("destroy uninstalls Flux, then deletes the cluster", async () => {
    const r = await run.destroy();
    assert.equal(r.code, 0, run.explain(r));
    await observeGone(run, "bootstrap");
  });

  it("flux: extension: the microsoft.flux extension and the fluxConfiguration apply both overlays", async () => {
    await run.config({ flux: "extension" });
    const r = await run.up();
    run.o["extension.up.exitCode"] = r.code;
    if (run.real) assert.equal(r.code, 0, run.explain(r));
    await settle(run.stack, run.timeout(240_000, 60_000));
    Object.assign(run.o, await observeApp(run.stack, "extension"));
    const arm = await armClient(run);
    let config = "";
    for await (const g of arm.resourceGroups.list()) {
      for await (const x of arm.resources.listByResourceGroup(g.name!)) {
        if (x.type === "Microsoft.ContainerService/managedClusters") config = `${x.id}/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/realtimeapp`;
      }
    }
    const compliance = await waitUntil("the fluxConfiguration to be Compliant", async () => {
      const c = (await arm.resources.getById(config, "2025-04-01")) as { properties?: { complianceState?: string } };
      return c.properties?.complianceState === "Compliant" ? c.properties.complianceState : undefined;
    }, run.timeout(120_000, 30_000), 1000).catch(() => "not Compliant");
    run.o["extension.fluxConfiguration.complianceState"] = compliance;
    if (run.real) {
      assert.equal(run.o["extension.dev.kustomization.ready"], "True/ReconciliationSucceeded");
      assert.equal(compliance, "Compliant");
    }
  });

  it("flux: extension: destroy removes the configuration and uninstalls Flux", async () => {
    const r = await run.destroy();
    assert.equal(r.code, 0, run.explain(r));
    await observeGone(run, "extension");
  });
});
