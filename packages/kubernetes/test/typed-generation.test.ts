/**
 * The typed modules are generated from the captured data: deterministic, up to date with what is
 * committed, and complete (every apply-able built-in kind and every Flux v2.9.4 kind has a class).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { kubernetesSpec } from "@iac/kubernetes-spec";
import { generateAll } from "../gen/main.js";
import { FLUX_CRDS, fluxModuleOf } from "../gen/flux.js";
import { builtinModuleOf } from "../src/typed/schemas.js";

const PACKAGE = fileURLToPath(new URL("..", import.meta.url));
const REPO = join(PACKAGE, "..", "..");

describe("generated typed modules", () => {
  const files = generateAll(REPO);

  it("are the same on every run, and the committed files are up to date (run npm run gen:kubernetes)", () => {
    assert.deepEqual(generateAll(REPO), files);
    for (const [p, text] of Object.entries(files)) assert.equal(readFileSync(join(PACKAGE, "generated", p), "utf8"), text, `generated/${p} is stale: run npm run gen:kubernetes`);
    const pkg = JSON.parse(readFileSync(join(PACKAGE, "package.json"), "utf8")) as { exports: Record<string, unknown> };
    for (const p of Object.keys(files).filter((f) => f.endsWith(".js"))) assert.ok(pkg.exports[`./${p.slice(0, -3)}`], `package.json exports ./${p.slice(0, -3)}`);
  });

  it("give every apply-able built-in kind of the captured apiserver a class", async () => {
    const kinds = Object.values(kubernetesSpec.index.kinds).filter((k) => k.apply);
    assert.ok(kinds.length >= 60, `the captured data holds the built-in kinds (${kinds.length})`);
    for (const k of kinds) {
      const mod = `${builtinModuleOf(k.group)}/${k.version}`;
      const loaded = (await import(`@iac/kubernetes/${mod}`)) as Record<string, unknown>;
      assert.equal(typeof loaded[k.kind], "function", `@iac/kubernetes/${mod} exports ${k.kind}`);
      assert.equal((loaded[k.kind] as { name: string }).name, k.kind);
      assert.match(files[`${mod}.d.ts`]!, new RegExp(`export declare class ${k.kind} extends`), `${mod}.d.ts declares ${k.kind}`);
    }
    // The ones not apply-able are reviews and read-only kinds, never a class.
    const others = Object.values(kubernetesSpec.index.kinds).filter((k) => !k.apply).map((k) => k.kind).sort();
    assert.deepEqual(others, ["Binding", "ComponentStatus", "LocalSubjectAccessReview", "SelfSubjectAccessReview", "SelfSubjectReview", "SelfSubjectRulesReview", "SubjectAccessReview", "TokenReview"]);
  });

  it("give every kind of every Flux v2.9.4 CRD a class with the flux token", async () => {
    const crds = parseAllDocuments(readFileSync(join(REPO, FLUX_CRDS), "utf8"))
      .map((d) => d.toJSON() as Record<string, any>)
      .filter((d) => d?.kind === "CustomResourceDefinition");
    const expected = crds.flatMap((c) => (c.spec.versions as { name: string; served: boolean }[]).filter((v) => v.served).map((v) => ({ group: c.spec.group as string, version: v.name, kind: c.spec.names.kind as string })));
    assert.ok(expected.length >= 14, "every Flux component's CRDs");
    for (const e of expected) {
      const mod = `flux/${fluxModuleOf(e.group)}/${e.version}`;
      const loaded = (await import(`@iac/kubernetes/${mod}`)) as Record<string, unknown>;
      assert.equal(typeof loaded[e.kind], "function", `@iac/kubernetes/${mod} exports ${e.kind}`);
      const data = JSON.parse(files[`${mod}.json`]!) as { kinds: Record<string, { token: string }> };
      assert.equal(data.kinds[e.kind]!.token, `flux:${fluxModuleOf(e.group)}/${e.version}:${e.kind}`);
    }
    for (const k of ["GitRepository", "OCIRepository", "Bucket", "HelmRepository", "HelmChart", "Kustomization", "HelmRelease", "Alert", "Provider", "Receiver", "ImageRepository", "ImagePolicy", "ImageUpdateAutomation"]) {
      assert.ok(expected.some((e) => e.kind === k), `${k} is among them`);
    }
  });

  it("keep the tokens of the hand-written Flux classes, so a program can switch without a replace", () => {
    const tokens = ["flux:source/v1:GitRepository", "flux:source/v1:HelmRepository", "flux:kustomize/v1:Kustomization", "flux:helm/v2:HelmRelease"];
    const all = Object.entries(files)
      .filter(([p]) => p.startsWith("flux/") && p.endsWith(".json"))
      .flatMap(([, t]) => Object.values((JSON.parse(t) as { kinds: Record<string, { token: string }> }).kinds).map((k) => k.token));
    for (const t of tokens) assert.ok(all.includes(t), t);
  });
});
