/**
 * `iac controller` (the real binary) killed with -9 while it creates the container group, then a
 * controller started again on the same work directory: it breaks the dead controller's lock, the
 * next update adopts the container group the killed one had asked ARM for (the engine's pending
 * create), and the Stack ends Ready with exactly one container group: nothing lost, nothing
 * duplicated.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { Controller, objectPath, type StackObject } from "@iac/controller";
import { spawnIac } from "../../../test/iac-run.js";
import { startExampleCloud, waitFor, type ExampleCloud } from "./fixture.js";

const exec = promisify(execFile);
const stackPath = objectPath({ apiVersion: "iac.dev/v1alpha1", plural: "stacks", namespace: "default", name: "crash" });

let x: ExampleCloud;

before(async () => {
  // The project's local cloud (.iac/local), which `iac controller --local` finds running and uses.
  x = await startExampleCloud({ prefix: "crash", dataDir: join(".iac", "local"), repo: "iac/crash.git" });
  await x.push("app");
  for (const [name, data] of [["git", { password: "t" }], ["state", { passphrase: "crash test passphrase" }]] as const) {
    await x.kube.call("POST", "/api/v1/namespaces/default/secrets", { apiVersion: "v1", kind: "Secret", metadata: { name }, stringData: data });
  }
});

after(async () => {
  await x?.close();
});

test("a controller killed with -9 mid-create is resumed by the next one: one container group, Stack Ready", async () => {
  // The container group's create is slow, so the kill lands while ARM is creating it.
  x.cloud.faults.add({ service: "arm", method: "PUT", path: "/containerGroups/", latencyMs: 4000, times: 1 });
  const workDir = join(x.dir, "controller");
  const child = spawnIac(["controller", "--local", "--work-dir", workDir], { cwd: x.dir, stdin: "ignore", env: { IAC_EMULATOR_LRO_STEP_MS: "20" } });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += String(d)));
  const exited = new Promise((r) => child.once("exit", r));
  await x.kube.call("POST", objectPath({ apiVersion: "iac.dev/v1alpha1", plural: "stacks", namespace: "default" }), {
    apiVersion: "iac.dev/v1alpha1",
    kind: "Stack",
    metadata: { name: "crash", namespace: "default" },
    spec: { git: { url: x.repoUrl, ref: { branch: "main" }, secretRef: { name: "git" } }, stack: "prod", interval: "1h", retryInterval: "1s", backend: { passphraseSecretRef: { name: "state" } } },
  });
  // The create has been sent when the stack's journal records a pending create of the container group.
  await waitFor("the container group's create in flight", async () => {
    const { stdout } = await exec("grep", ["-rl", "azure:containerinstance:ContainerGroup", join(workDir, "state")]).catch(() => ({ stdout: "" }));
    return stdout.includes("journal") ? true : undefined;
  }, 60_000, () => stderr);
  await new Promise((r) => setTimeout(r, 500));
  child.kill("SIGKILL");
  await exited;

  const controller = new Controller({ kube: x.kube, workDir, log: () => undefined });
  await controller.start();
  try {
    const s = await waitFor("the Stack Ready", async () => {
      const s = await x.kube.get<StackObject>(stackPath);
      return s?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" ? s : undefined;
    }, 60_000, () => stderr);
    assert.match(s.status!.lastAppliedRevision ?? "", /^main@sha1:/);
  } finally {
    await controller.stop();
  }
  const groups: string[] = [];
  for (const g of await x.containerGroups()) groups.push(g.name);
  assert.equal(groups.length, 1, `exactly one container group: ${groups.join(", ")}`);
  const events = await x.kube.call<{ items: { reason: string; message: string }[] }>("GET", "/api/v1/namespaces/default/events");
  assert.ok(events.items.some((e) => /Broke the stack's stale lock/.test(e.message)), "the dead controller's lock was broken, and said so");
});
