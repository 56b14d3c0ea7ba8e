/**
 * A GitRepository names one reference (issue 8, item 12): Flux keeps one of several ref fields by
 * precedence and silently ignores the others, so `check` refuses the combination before any call,
 * naming the property, through every type that can carry a GitRepository.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UNKNOWN, type PropertyMap } from "@iac/sdk/provider";
import { createProviderSet } from "../src/provider-module.js";
import { TYPES } from "../src/types.js";
import { context } from "./local-cloud.js";

// check never reaches the cluster: a settings object with no usable kubeconfig proves it.
const providers = createProviderSet({ kubeconfig: "", source: "test" });
const GIT = "flux:source/v1:GitRepository";

async function failuresOf(type: string, ref: PropertyMap): Promise<{ property: string; reason: string }[]> {
  const spec = { url: "https://example.com/repo.git", interval: "1m", ref };
  const inputs: PropertyMap = type === GIT ? { spec } : { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "app", namespace: "flux-system" }, spec };
  const r = await providers.provider(type)!.check(inputs, undefined, context({ type, name: "app" }));
  return [...r.failures];
}

describe("a GitRepository's spec.ref", () => {
  for (const type of [GIT, TYPES.manifest]) {
    it(`refuses branch with semver, naming the branch Flux would ignore (${type})`, async () => {
      const failures = await failuresOf(type, { branch: "main", semver: ">=1.0.0" });
      assert.equal(failures.length, 1, JSON.stringify(failures));
      assert.equal(failures[0]!.property, "spec.ref.branch");
      assert.match(failures[0]!.reason, /sets semver and branch: Flux would use semver and silently ignore branch .*Keep one of them\./);
    });
  }

  const refused: [PropertyMap, string][] = [
    [{ tag: "v1.0.0", semver: "1.x" }, "spec.ref.tag"],
    [{ branch: "main", tag: "v1.0.0" }, "spec.ref.branch"],
    [{ name: "refs/heads/main", branch: "main" }, "spec.ref.branch"],
    [{ commit: "a0c1f2e", tag: "v1.0.0" }, "spec.ref.tag"],
    [{ commit: "a0c1f2e", branch: "main", semver: "1.x" }, "spec.ref.semver"],
    [{ branch: "main", semver: UNKNOWN }, "spec.ref.branch"],
  ];
  for (const [ref, property] of refused) {
    it(`refuses ${JSON.stringify(ref).replaceAll(UNKNOWN, "(unknown)")}`, async () => {
      const failures = await failuresOf(GIT, ref);
      assert.deepEqual(failures.map((f) => f.property), [property]);
    });
  }

  const accepted: PropertyMap[] = [{ branch: "main" }, { semver: ">=1.0.0" }, { tag: "v1" }, { name: "refs/pull/1/head" }, { commit: "a0c1f2e" }, { commit: "a0c1f2e", branch: "main" }, {}];
  for (const ref of accepted) {
    it(`accepts ${JSON.stringify(ref)}`, async () => {
      assert.deepEqual(await failuresOf(GIT, ref), []);
    });
  }
});
