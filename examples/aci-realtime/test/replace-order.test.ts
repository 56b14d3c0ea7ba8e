/**
 * A container group's location cannot change in place: `up` replaces it and says why. The order of
 * the two halves follows from what must stay unique, as seen in the `--json` events (the step's
 * `deleteBeforeReplace`, and the provider's "deleting"/"creating" diagnostics in the order they
 * happened):
 * - a fixed `containerGroupName` is taken until the old group is gone: delete first;
 * - a generated name and a DNS label (unique per region: `<label>.<region>.azurecontainer.io`) do
 *   not collide with the old group in another region: create first, then delete;
 * - a fixed DNS label in the SAME region (an image change) collides: delete first.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { events, show, tempProject, type IacResult, type TempProject } from "./iac-cli.js";

const PROGRAM = `
import { Config } from "@iac/sdk";
import { ContainerGroup, ResourceGroup } from "@iac/azure";

const config = new Config();
const name = config.get("name");
const label = config.get("dnsLabel");
const group = new ResourceGroup("rg", {});
const app = new ContainerGroup("app", {
  resourceGroupName: group.name,
  ...(name === undefined ? {} : { containerGroupName: name }),
  location: config.get("location") ?? "westeurope",
  osType: "Linux",
  containers: [{ name: "web", image: config.get("image") ?? "nginx:1.27", ports: [{ port: 80 }], resources: { requests: { cpu: 1, memoryInGB: 1 } } }],
  ipAddress: { type: "Public", ports: [{ port: 80, protocol: "TCP" }], ...(label === undefined ? {} : { dnsNameLabel: label }) },
});
export const id = app.id;
`;

const URN = "urn:iac:dev::replace-order::azure:containerinstance:ContainerGroup::app";

interface Step {
  readonly urn: string;
  readonly kind: string;
  readonly deleteBeforeReplace?: boolean;
  readonly diffs?: readonly { readonly path: string; readonly replace: boolean; readonly reason?: string }[];
}

/** The group's replace step and the provider's delete/create diagnostics in event order. */
function replacement(r: IacResult): { step: Step; order: string[] } {
  const all = events(r);
  const step = all.filter((e) => e.kind === "step-done").map((e) => e.step as Step).find((s) => s.urn === URN);
  assert.ok(step, show(r));
  const order = all
    .filter((e) => e.kind === "diagnostic" && e.urn === URN)
    .map((e) => /^(deleting|creating) container group "([^"]+)"/.exec(String(e.message)))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2]}`);
  return { step, order };
}

async function project(config: Readonly<Record<string, string>>): Promise<TempProject> {
  const p = await tempProject({ "iac.yaml": "name: replace-order\nmain: index.ts\n", "package.json": '{ "name": "replace-order", "private": true, "type": "module" }\n', "index.ts": PROGRAM });
  for (const [k, v] of Object.entries(config)) {
    const r = await p.iac(["config", "set", k, v]);
    assert.equal(r.code, 0, show(r));
  }
  const up = await p.iac(["up", "--local", "--yes"]);
  assert.equal(up.code, 0, show(up));
  return p;
}

async function change(p: TempProject, key: string, value: string): Promise<IacResult> {
  const set = await p.iac(["config", "set", key, value]);
  assert.equal(set.code, 0, show(set));
  const up = await p.iac(["up", "--local", "--yes", "--json"]);
  assert.equal(up.code, 0, show(up));
  return up;
}

describe("replacing a container group", () => {
  const open: TempProject[] = [];
  after(async () => {
    for (const p of open) await p.remove();
  });

  it("with a fixed name, a location change deletes the old group first, and says why", async () => {
    const p = await project({ name: "fixed-app" });
    open.push(p);
    const set = await p.iac(["config", "set", "location", "northeurope"]);
    assert.equal(set.code, 0, show(set));
    const preview = await p.iac(["preview", "--local", "--diff"]);
    assert.equal(preview.code, 0, show(preview));
    assert.match(preview.stdout, /ContainerGroup\s+app\s+replace \(delete first\)/, show(preview));
    assert.match(preview.stdout, /location: "westeurope" => "northeurope" \[replace: a container group cannot move to another location\]/, show(preview));

    const { step, order } = replacement(await change(p, "location", "northeurope"));
    assert.equal(step.kind, "replace");
    assert.equal(step.deleteBeforeReplace, true);
    const location = step.diffs?.find((d) => d.path === "location");
    assert.equal(location?.replace, true);
    assert.equal(location?.reason, "a container group cannot move to another location");
    assert.deepEqual(order, ["deleting fixed-app", "creating fixed-app"]);
  });

  it("with a generated name and a DNS label, a location change creates the new group first", async () => {
    const p = await project({ dnsLabel: "order-label" });
    open.push(p);
    const { step, order } = replacement(await change(p, "location", "northeurope"));
    assert.equal(step.kind, "replace");
    assert.notEqual(step.deleteBeforeReplace, true);
    assert.equal(step.diffs?.find((d) => d.path === "location")?.replace, true);
    assert.equal(order.length, 2, order.join(", "));
    const [first, second] = order as [string, string];
    assert.match(first, /^creating app-[a-z0-9]{8}$/);
    assert.match(second, /^deleting app-[a-z0-9]{8}$/);
    assert.notEqual(first.split(" ")[1], second.split(" ")[1], "the replacement has a new name");
  });

  it("with a fixed DNS label in the same region, an image change deletes the old group first", async () => {
    const p = await project({ dnsLabel: "order-same" });
    open.push(p);
    const { step, order } = replacement(await change(p, "image", "nginx:1.28"));
    assert.equal(step.deleteBeforeReplace, true);
    assert.match(step.diffs?.find((d) => d.path.startsWith("containers[0].image"))?.reason ?? "", /image/);
    assert.equal(order.length, 2, order.join(", "));
    assert.match(order[0]!, /^deleting app-/);
    assert.match(order[1]!, /^creating app-/);
  });
});
