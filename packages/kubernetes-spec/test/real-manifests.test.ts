/**
 * No false alarms: objects that real clusters accept pass the validator. Flux v2.9.4's install.yaml
 * (Deployments, Services, RBAC, NetworkPolicies, ResourceQuota and 14 CRDs, whose schemas exercise
 * apiextensions' JSONSchemaProps), and the built-in objects of the repository's example app.
 */
import { strict as assert } from "node:assert";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { kubernetesSpec, validate } from "../src/index.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

function objectsOf(file: string): Record<string, any>[] {
  return parseAllDocuments(readFileSync(file, "utf8"))
    .map((d) => d.toJSON() as Record<string, any>)
    .filter((o) => o && typeof o === "object" && typeof o.kind === "string");
}

function failuresOf(objects: Record<string, any>[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const kind = kubernetesSpec.tryFindKind(o.apiVersion, o.kind);
    if (kind === undefined) continue; // a custom kind (or kustomize's own files)
    for (const f of validate(o, `@${kind.type}`, { types: kubernetesSpec.types })) out.push(`${o.kind}/${o.metadata?.name}: ${f.property}: ${f.reason}`);
  }
  return out;
}

test("every built-in object of Flux v2.9.4's install.yaml passes", () => {
  const objects = objectsOf(join(REPO, "..", "shared", "reference", "flux", "install-v2.9.4.yaml"));
  const builtin = objects.filter((o) => kubernetesSpec.tryFindKind(o.apiVersion, o.kind));
  assert.ok(builtin.length > 40, `the file holds Flux's objects (${builtin.length})`);
  assert.ok(builtin.some((o) => o.kind === "CustomResourceDefinition"));
  assert.deepEqual(failuresOf(objects), []);
});

test("the example app's and the conformance seed's built-in objects pass", () => {
  const dirs = ["examples/flux-gitops/app-repo/deploy/overlays/dev", "examples/flux-gitops/app-repo/deploy/overlays/prod", "test/conformance/fixtures/seed-repo/deploy/bases/realtimeapp"];
  const objects = dirs.flatMap((d) => readdirSync(join(REPO, d)).filter((f) => f.endsWith(".yaml")).map((f) => objectsOf(join(REPO, d, f))).flat());
  assert.ok(objects.some((o) => o.kind === "Deployment"));
  assert.deepEqual(failuresOf(objects), []);
});
