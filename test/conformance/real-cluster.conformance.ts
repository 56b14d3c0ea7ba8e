/**
 * The real cluster on its own (docs/real-cluster.md): built from the cache, started on loopback,
 * kubectl works against it with the kubeconfig it writes, RBAC is on, a Deployment becomes
 * Available through kwok's fake node, a restart keeps the data, and stopping it leaves no process.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { buildRealCluster, loadOrCreateCa, startRealCluster, type BuildResult, type RealCluster } from "@iac/emulator";
import { ROOT, targets, waitUntil } from "./harness.js";

const SKIP = targets().includes("real") ? false : `IAC_CONFORMANCE_TARGETS=${targets().join(",")} leaves the real cluster out`;

const exec = promisify(execFile);
const dir = join(ROOT, "test", "conformance", ".tmp", `real-cluster-${process.pid}`);
const kubeconfig = join(dir, "kubeconfig");
let built: BuildResult;
let cluster: RealCluster | undefined;

const kubectl = async (...args: string[]) => (await exec("kubectl", ["--kubeconfig", kubeconfig, ...args], { env: { ...process.env, HOME: dir } })).stdout;

async function start(): Promise<number> {
  const t0 = Date.now();
  cluster = await startRealCluster({ dataDir: dir, ca: loadOrCreateCa(dir), binaries: built.binaries, files: built.files });
  writeFileSync(kubeconfig, cluster.kubeconfig, { mode: 0o600 });
  return Date.now() - t0;
}

const DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: default }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - name: web
        image: nginx:1.27
`;

before(async () => {
  if (SKIP) return;
  await mkdir(dir, { recursive: true });
  built = await buildRealCluster({ only: ["etcd", "kube", "kwok"] });
  assert.deepEqual(built.failed.map((f) => f.error.message), [], "the control plane must build");
});
after(async () => {
  await cluster?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the real cluster on its own", { skip: SKIP }, () => {
  it("starts, and kubectl lists its node as Ready", async () => {
    const ms = await start();
    console.log(`# cold start (new data directory): ${ms} ms`);
    const version = JSON.parse(await kubectl("version", "-o", "json")) as { serverVersion: { gitVersion: string } };
    assert.equal(version.serverVersion.gitVersion, "v1.36.3");
    await waitUntil("the kwok node to be Ready", async () => ((await kubectl("get", "node", "kwok-node-0", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")) === "True" ? true : undefined), 60_000);
  });

  it("refuses requests without a valid token (RBAC and authentication on)", async () => {
    const bad = await exec("kubectl", ["--kubeconfig", kubeconfig, "--token", "not-a-token", "get", "secrets"], { env: { ...process.env, HOME: dir } }).then(() => "allowed", (e: { stderr: string }) => e.stderr);
    assert.match(bad, /Unauthorized|must be logged in/);
    const can = (await kubectl("auth", "can-i", "get", "secrets", "--as", "system:serviceaccount:default:default").catch((e: { stdout: string }) => e.stdout)).trim();
    assert.equal(can, "no");
  });

  it("runs a Deployment to Available through kwok's fake node", async () => {
    writeFileSync(join(dir, "web.yaml"), DEPLOYMENT);
    await kubectl("apply", "--server-side", "-f", join(dir, "web.yaml"));
    await kubectl("wait", "--for=condition=Available", "deployment/web", "--timeout=120s");
    const ready = await kubectl("get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}");
    assert.equal(ready, "2");
    const pods = await kubectl("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].status.phase}");
    assert.deepEqual(pods.split(" "), ["Running", "Running"]);
  });

  it("restarts on the same data (the Deployment is still there) and stops without leaving a process", async () => {
    const pids = JSON.parse(readFileSync(join(cluster!.dir, "pids.json"), "utf8")) as Record<string, { pid: number }>;
    assert.deepEqual(Object.keys(pids).sort(), ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"]);
    await cluster!.close();
    cluster = undefined;
    for (const { pid } of Object.values(pids)) assert.equal(existsSync(`/proc/${pid}`), false, `pid ${pid} still runs`);
    const ms = await start();
    console.log(`# warm start (existing data): ${ms} ms`);
    assert.equal(await kubectl("get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"), "2");
  });
});
