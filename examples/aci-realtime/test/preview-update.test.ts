/**
 * Preview is exact where it can be: changing only the resource group's tags updates the group in
 * place, which keeps its name (the providers' `stableOutputs`), so the storage account, the share
 * and the container group, whose inputs use `rg.name`, are planned `same` rather than replaced.
 * Then `up` does exactly what preview said, and the cloud objects keep their ids.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { events, exportState, openLocalArm, show, tempProject, type IacResult, type TempProject } from "./iac-cli.js";

const RG = "urn:iac:dev::aci-realtime::azure:resources:ResourceGroup::realtime";
const TAGS = `{ tags: { app: "realtime" } }`;

let project: TempProject;

/** Step kind per URN of the events of `kind` (`step-planned`, `step-done`). */
function stepKinds(r: IacResult, kind: string): Record<string, string> {
  const steps = events(r)
    .filter((e) => e.kind === kind)
    .map((e) => e.step as { urn: string; kind: string });
  return Object.fromEntries(steps.map((s) => [s.urn, s.kind]));
}

/** The summary event's step counts. */
function counts(r: IacResult): unknown {
  return events(r).find((e) => e.kind === "summary")?.counts;
}

const ids = async () => Object.fromEntries((await exportState(project)).resources.filter((r) => r.id !== undefined).map((r) => [r.urn, r.id]));

before(async () => {
  project = await tempProject();
  const up = await project.iac(["up", "--local", "--yes"]);
  assert.equal(up.code, 0, show(up));
  // Only the resource group's tags change.
  const index = join(project.dir, "index.ts");
  const source = await readFile(index, "utf8");
  assert.ok(source.includes(TAGS), "the example's resource group tags are where this test changes them");
  await writeFile(index, source.replace(TAGS, `{ tags: { app: "realtime", owner: "ops" } }`));
});
after(async () => {
  await project?.remove();
});

test("changing only the resource group's tags: preview plans one update, every other resource same, and up does the same", async () => {
  const before = await ids();
  assert.equal(Object.keys(before).length, 4, JSON.stringify(before));

  const preview = await project.iac(["preview", "--local", "--json"]);
  assert.equal(preview.code, 0, show(preview));
  const planned = stepKinds(preview, "step-planned");
  const others = Object.keys(planned).filter((urn) => urn !== RG && urn.includes("::azure:"));
  assert.equal(planned[RG], "update", show(preview));
  assert.equal(others.length, 3, show(preview));
  for (const urn of others) assert.equal(planned[urn], "same", `${urn} in preview\n${show(preview)}`);
  assert.deepEqual(counts(preview), { update: 1, same: 3 }, show(preview));
  // The container group keeps its FQDN, so the stack output is known already.
  const outputs = events(preview).find((e) => e.kind === "outputs")?.outputs as Record<string, unknown> | undefined;
  assert.equal(outputs?.url, "https://realtime-go-demo.westeurope.azurecontainer.io", show(preview));

  const up = await project.iac(["up", "--local", "--yes", "--json"]);
  assert.equal(up.code, 0, show(up));
  assert.deepEqual(stepKinds(up, "step-planned"), planned, show(up));
  assert.deepEqual(counts(up), counts(preview), show(up));
  assert.deepEqual(await ids(), before);

  const arm = await openLocalArm(project.dir);
  try {
    const rg = before[RG]!.split("/")[4]!;
    assert.deepEqual((await arm.resources.resourceGroups.get(rg)).tags, { app: "realtime", owner: "ops" });
  } finally {
    await arm.close();
  }
});
