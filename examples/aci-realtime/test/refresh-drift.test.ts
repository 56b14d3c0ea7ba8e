/**
 * Changes made behind iac's back: after `up --local`, a tag of the resource group is changed and
 * the file share deleted directly through the ARM SDK against the local cloud. `iac refresh`
 * reports the tag drift and the share gone, and the next `iac up` recreates the share (the
 * container group follows it: its volume names the share) and restores the tag.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { events, openLocalArm, show, tempProject, type TempProject } from "./iac-cli.js";

let project: TempProject;
before(async () => {
  project = await tempProject();
});
after(async () => {
  await project?.remove();
});

const RG_URN = "urn:iac:dev::aci-realtime::azure:resources:ResourceGroup::realtime";
const SHARE_URN = "urn:iac:dev::aci-realtime::azure:storage:FileShare::certmagic";

/** The one resource group, account and share the example made, read through ARM. */
async function cloud(): Promise<{ group: string; tags: Record<string, string>; account: string; shares: string[]; mounted?: string }> {
  const arm = await openLocalArm(project.dir);
  try {
    const groups = [];
    for await (const g of arm.resources.resourceGroups.list()) groups.push(g);
    assert.equal(groups.length, 1);
    const group = groups[0]!.name!;
    const accounts = [];
    for await (const a of arm.storage.storageAccounts.listByResourceGroup(group)) accounts.push(a.name!);
    assert.equal(accounts.length, 1);
    const shares: string[] = [];
    for await (const s of arm.storage.fileShares.list(group, accounts[0]!)) shares.push(s.name!);
    let mounted: string | undefined;
    for await (const cg of arm.containers.containerGroups.listByResourceGroup(group)) mounted = cg.volumes?.[0]?.azureFile?.shareName;
    return { group, tags: groups[0]!.tags ?? {}, account: accounts[0]!, shares, mounted };
  } finally {
    await arm.close();
  }
}

test("up --local creates the example", async () => {
  const r = await project.iac(["up", "--local", "--yes"]);
  assert.equal(r.code, 0, show(r));
  const c = await cloud();
  assert.deepEqual(c.tags, { app: "realtime" });
  assert.equal(c.shares.length, 1);
});

test("a tag changed and the share deleted through the ARM SDK, refresh reports both", async () => {
  const before = await cloud();
  const arm = await openLocalArm(project.dir);
  try {
    await arm.resources.resourceGroups.update(before.group, { tags: { app: "changed-by-hand" } });
    await arm.storage.fileShares.delete(before.group, before.account, before.shares[0]!);
  } finally {
    await arm.close();
  }

  const json = await project.iac(["refresh", "--local", "--yes", "--json"]);
  assert.equal(json.code, 0, show(json));
  const done = events(json).filter((e) => e.kind === "step-done").map((e) => e.step as { urn: string; diffs?: { path: string; kind: string; reason?: string }[]; olds?: unknown; news?: unknown });
  const rg = done.find((s) => s.urn === RG_URN);
  assert.deepEqual(rg?.diffs?.map((d) => d.path), ["tags"], show(json));
  assert.deepEqual(rg?.olds, { tags: { app: "realtime" } });
  assert.deepEqual(rg?.news, { tags: { app: "changed-by-hand" } });
  const share = done.find((s) => s.urn === SHARE_URN);
  assert.deepEqual(share?.diffs, [{ path: "id", kind: "delete", replace: false, reason: "the object no longer exists in the cloud" }], show(json));
  const warning = events(json).find((e) => e.kind === "diagnostic" && e.severity === "warning" && e.urn === SHARE_URN);
  assert.match(String(warning?.message), new RegExp(`shares/${before.shares[0]}\\) no longer exists in the cloud; it was removed from the state`));
});

test("after the refresh, the state records the drift: a second refresh finds nothing new", async () => {
  const r = await project.iac(["refresh", "--local", "--yes"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /3 unchanged/);
  assert.doesNotMatch(r.stdout, /refreshed/);
});

test("up --local recreates the share, mounts it, and restores the tag", async () => {
  const r = await project.iac(["up", "--local", "--yes"]);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /azure:storage:FileShare\s+certmagic\s+create/, show(r));
  assert.match(r.stdout, /azure:resources:ResourceGroup\s+realtime\s+update/, show(r));
  const c = await cloud();
  assert.deepEqual(c.tags, { app: "realtime" });
  assert.equal(c.shares.length, 1);
  assert.equal(c.mounted, c.shares[0], "the container group mounts the new share");
  const again = await project.iac(["preview", "--local", "--refresh", "--expect-no-changes"]);
  assert.equal(again.code, 0, show(again));
});
