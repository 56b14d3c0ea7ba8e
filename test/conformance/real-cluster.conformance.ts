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
import { buildRealCluster, loadOrCreateCa, startRealCluster, UNPULLABLE_REGISTRY, type BuildResult, type RealCluster } from "@iac/emulator";
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

const FLUX_DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: source-controller, namespace: default }
spec:
  selector: { matchLabels: { app: source-controller } }
  template:
    metadata: { labels: { app: source-controller } }
    spec:
      containers:
      - name: manager
        image: ghcr.io/fluxcd/source-controller:v1.9.1
        args:
        - --log-level=debug
        - --storage-adv-addr=source-controller.$(RUNTIME_NAMESPACE).svc.cluster.local.
        - --enable-leader-election
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

  it("keeps a pod of an image that cannot be pulled Pending with ImagePullBackOff, so its Deployment never becomes Available", async () => {
    writeFileSync(join(dir, "stuck.yaml"), DEPLOYMENT.replace(/web/g, "stuck").replace("nginx:1.27", `${UNPULLABLE_REGISTRY}app:1`).replace("replicas: 2", "replicas: 1"));
    await kubectl("apply", "--server-side", "-f", join(dir, "stuck.yaml"));
    const waiting = await waitUntil("the pod's container to be waiting", async () => {
      const reason = await kubectl("get", "pods", "-l", "app=stuck", "-o", "jsonpath={.items[0].status.containerStatuses[0].state.waiting.reason}");
      return reason === "" ? undefined : reason;
    }, 60_000);
    assert.equal(waiting, "ImagePullBackOff");
    // kwok plays stages within a second: a few seconds later the pod is still not Ready.
    await new Promise((r) => setTimeout(r, 5000));
    assert.equal(await kubectl("get", "pods", "-l", "app=stuck", "-o", "jsonpath={.items[0].status.phase}/{.items[0].status.conditions[?(@.type==\"Ready\")].status}"), "Pending/False");
    assert.equal(await kubectl("get", "deployment", "stuck", "-o", "jsonpath={.status.conditions[?(@.type==\"Available\")].status}"), "False");
    await kubectl("delete", "deployment", "stuck");
  });

  it("runs a Flux controller's binary while its Deployment exists, as its service account, and stops it when the Deployment goes", async () => {
    // A stand-in for the controller's binary: it records its args and environment, then waits.
    const script = join(dir, "fake-source-controller");
    writeFileSync(script, '#!/bin/sh\necho "$@" > "$HOME/args"\nenv > "$HOME/env"\nexec sleep 600\n', { mode: 0o755 });
    await cluster!.close();
    cluster = await startRealCluster({ dataDir: dir, ca: loadOrCreateCa(dir), binaries: { ...built.binaries, "source-controller": script }, files: built.files });
    writeFileSync(kubeconfig, cluster.kubeconfig, { mode: 0o600 });
    writeFileSync(join(dir, "flux.yaml"), FLUX_DEPLOYMENT);
    await kubectl("apply", "--server-side", "-f", join(dir, "flux.yaml"));
    const home = join(cluster.dir, "flux", "default-source-controller");
    const args = await waitUntil("the controller to be started", async () => (existsSync(join(home, "env")) ? readFileSync(join(home, "args"), "utf8").trim().split(" ") : undefined), 60_000);
    assert.ok(args.includes("--log-level=debug"), args.join(" "));
    assert.ok(!args.some((a) => a.includes("svc.cluster.local")), `cluster DNS names are replaced: ${args.join(" ")}`);
    assert.ok(args.some((a) => /^--storage-adv-addr=127\.0\.0\.1:\d+$/.test(a)), args.join(" "));
    assert.ok(args.includes("--enable-leader-election=false"));
    const env = readFileSync(join(home, "env"), "utf8");
    assert.match(env, /^RUNTIME_NAMESPACE=default$/m);
    // Its kubeconfig carries a token of the Deployment's service account.
    const who = (await exec("kubectl", ["--kubeconfig", join(home, "kubeconfig"), "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"], { env: { ...process.env, HOME: dir } })).stdout;
    assert.equal(who, "system:serviceaccount:default:default");
    const pid = (JSON.parse(readFileSync(join(cluster.dir, "pids.json"), "utf8")) as Record<string, { pid: number }>)["default-source-controller"]?.pid;
    assert.ok(pid, "the controller's process is recorded");
    await kubectl("delete", "deployment", "source-controller");
    await waitUntil("the controller to stop", async () => (existsSync(`/proc/${pid}`) ? undefined : true), 60_000);
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
