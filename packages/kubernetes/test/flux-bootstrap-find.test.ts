/**
 * A bootstrap interrupted by a crash (issue 8, item 2): the next run's `find` adopts the install as
 * it stands once its namespace exists — not Ready, so the diff re-applies it and `up` completes
 * it — and answers absent before that (a new create re-applies any cluster-scoped object by name).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { PropertyMap } from "@iac/sdk/provider";
import { context, startTestCloud, type TestCloud } from "./local-cloud.js";

const GOTK = new URL("../../../../shared/reference/flux/gotk-components-v2.9.4.yaml", import.meta.url).pathname;
const TYPE = "flux:index:FluxBootstrap";

describe("FluxBootstrap find", () => {
  let t: TestCloud;
  before(async () => {
    t = await startTestCloud({ git: true });
  });
  after(async () => {
    await t?.close();
  });
  const ctx = () => context({ type: TYPE, name: "flux" });

  it("answers absent before the install's namespace exists, and adopts a half-made install as not Ready", async () => {
    const p = t.provider(TYPE);
    const c = await p.check({ manifests: GOTK, git: { url: `${t.cloud.endpoints.git}/iac/fleet.git`, branch: "main", path: "clusters/dev" } }, undefined, ctx());
    assert.deepEqual(c.failures, []);
    assert.equal(await p.find!(c.inputs, ctx()), undefined);

    // What the first stage of an interrupted create left: the namespace, no sync yet.
    await t.client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "flux-system" } });
    const found = await p.find!(c.inputs, ctx());
    assert.ok(found);
    assert.equal(found.id, "flux-system");
    assert.equal(found.outputs.ready, false);
    assert.match(String((found.outputs.problems as string[]).join("; ")), /GitRepository flux-system\/flux-system is missing/);

    const d = await p.diff!(found.id, { inputs: c.inputs as PropertyMap, outputs: found.outputs }, c.inputs, ctx());
    assert.equal(d.changes, true, "the next up completes the install");
    assert.deepEqual(d.replaces, []);
  });
});
