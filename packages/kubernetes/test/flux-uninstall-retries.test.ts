/**
 * Uninstalling Flux goes on through the apiserver's "not now" answers: on a real cluster, removing
 * the finalizers of a Flux kind while CRDs come and go is answered 429 "storage is (re)initializing"
 * for longer than the client's own retries (the helm-release conformance scenario). The uninstall
 * retries such answers and ends with nothing left.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { uninstallFlux } from "../src/flux/uninstall.js";
import { startTestCloud, type TestCloud } from "./local-cloud.js";

let t: TestCloud;
before(async () => {
  t = await startTestCloud();
});
after(async () => {
  await t?.close();
});

const labels = { "app.kubernetes.io/part-of": "flux", "app.kubernetes.io/instance": "flux-system" };
const CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "externalartifacts.source.toolkit.fluxcd.io", labels },
  spec: {
    group: "source.toolkit.fluxcd.io",
    names: { kind: "ExternalArtifact", plural: "externalartifacts", singular: "externalartifact", listKind: "ExternalArtifactList" },
    scope: "Namespaced",
    versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
  },
};

describe("flux uninstall against an apiserver that says 'storage is (re)initializing'", () => {
  it("retries past the client's own retries and removes the finalizers, the CRD and the namespace", async () => {
    await t.client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "flux-system", labels } } as never);
    await t.client.apply(CRD as never);
    const key = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: CRD.metadata.name };
    await t.client.waitFor(key, (l) => ((l["status"] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions?.some((c) => c.type === "Established" && c.status === "True") ? { kind: "ready" } : { kind: "pending", message: "establishing" }), { timeoutMs: 20_000 });
    await t.client.retryNoMatch("source.toolkit.fluxcd.io/v1", () => t.client.apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "ExternalArtifact", metadata: { name: "held", namespace: "flux-system", finalizers: ["finalizers.fluxcd.io"] } } as never), { timeoutMs: 20_000 });
    // More 429s than the client retries (6): only a retry in the uninstall gets through.
    t.cloud.faults.add({ service: "kubernetes", method: "GET", path: "/externalartifacts$", status: 429, retryAfterSeconds: 0, times: 9 });
    const logs: string[] = [];
    const problems = await uninstallFlux(t.client, { namespace: "flux-system", keepNamespace: false, timeoutMs: 60_000, log: (m) => logs.push(m) });
    assert.deepEqual(problems, []);
    assert.ok(logs.some((m) => /removing the finalizers of the ExternalArtifacts: .*retrying/.test(m)), JSON.stringify(logs));
    assert.equal(t.cloud.faults.rules().length, 0, "every fault was met");
    assert.equal(await t.client.get(key), undefined);
    assert.equal(await t.client.get({ apiVersion: "v1", kind: "Namespace", name: "flux-system" }), undefined);
  });
});
