/**
 * kubectl, a real client, sees what the provider applied: the field manager, the fields, and the
 * object gone after delete. Skips when /usr/bin/kubectl is absent.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { checkedCreate, context, startTestCloud, type TestCloud } from "./local-cloud.js";

const exec = promisify(execFile);
const KUBECTL = "/usr/bin/kubectl";
const skip = existsSync(KUBECTL) ? false : "kubectl not installed";

describe("kubectl against objects the provider applied", { skip }, () => {
  let t: TestCloud;
  let home: string;
  const kubectl = async (...args: string[]) =>
    (await exec(KUBECTL, ["--kubeconfig", t.cloud.endpoints.kubeconfig, "--cache-dir", join(home, "cache"), ...args], { env: { ...process.env, HOME: home }, timeout: 60_000 })).stdout;

  before(async () => {
    t = await startTestCloud();
    home = join(t.dir, "home");
    mkdirSync(home, { recursive: true });
  });
  after(async () => {
    await t?.close();
  });

  it("shows the ConfigMap with iac as its field manager, then not at all after delete", async () => {
    const man = t.provider("kubernetes:index:Manifest");
    const ctx = context();
    const c = await checkedCreate(man, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "seen", namespace: "default" }, data: { greeting: "hello" } }, ctx);
    const obj = JSON.parse(await kubectl("get", "configmap", "seen", "-n", "default", "-o", "json", "--show-managed-fields"));
    assert.equal(obj.data.greeting, "hello");
    assert.deepEqual(obj.metadata.managedFields.map((m: { manager: string; operation: string }) => `${m.manager}/${m.operation}`), ["iac/Apply"]);
    await man.delete(c.id, c, ctx);
    await assert.rejects(kubectl("get", "configmap", "seen", "-n", "default"), /NotFound|not found/);
  });
});
