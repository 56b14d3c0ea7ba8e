/**
 * Conformance scenario `leader-election`: the `coordination.k8s.io/v1` Lease as the apiserver serves
 * it (discovery, `kubectl get`'s columns, MicroTime decoding and its UTC form, the spec validation,
 * create on PUT, no PUT without `resourceVersion`, a stale one refused), then two `iac controller
 * --leader-elect` replicas (the real binary, two processes) on one Stack whose state is in the
 * cluster (`kubernetes://`): exactly one leads and only it reconciles; the leader killed with -9,
 * the other takes over once the Lease has expired (not before) and reconciles with the same state
 * (nothing recreated); a leader whose Lease another holder took stops and exits 1.
 */
import assert from "node:assert/strict";
import { execFile, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { after, it } from "node:test";
import { promisify } from "node:util";
import { Kube, KubeApiError, objectPath, type StackObject } from "@iac/controller";
import { parseAllDocuments } from "yaml";
import { finish } from "../cli-fixture.js";
import { spawnIac } from "../iac-run.js";
import { ROOT, waitUntil } from "./harness.js";
import { scenario } from "./scenario.js";

const exec = promisify(execFile);
const NS = "leaders";
const LEASES = objectPath({ apiVersion: "coordination.k8s.io/v1", plural: "leases", namespace: NS });
const lease = (name: string) => objectPath({ apiVersion: "coordination.k8s.io/v1", plural: "leases", namespace: NS, name });
const STACK = objectPath({ apiVersion: "iac.dev/v1alpha1", plural: "stacks", namespace: NS, name: "words" });
const PROGRAM = `import { RandomString } from "@iac/sdk/random";\nexport const value = new RandomString("word", { length: 12 }).result;\n`;

interface LeaseObject {
  metadata: { name: string; resourceVersion?: string; [k: string]: unknown };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number; [k: string]: unknown };
}

/** The Lease bodies the apiserver refuses, by observation key. */
const REFUSED: Readonly<Record<string, Record<string, unknown>>> = {
  durationZero: { holderIdentity: "a", leaseDurationSeconds: 0 },
  durationString: { holderIdentity: "a", leaseDurationSeconds: "15" },
  durationFraction: { holderIdentity: "a", leaseDurationSeconds: 1.5 },
  transitionsNegative: { holderIdentity: "a", leaseTransitions: -1 },
  renewSeconds: { holderIdentity: "a", renewTime: "2026-12-06T22:00:00Z" },
  renewMillis: { holderIdentity: "a", renewTime: "2026-12-06T22:00:00.123Z" },
  renewNanos: { holderIdentity: "a", renewTime: "2026-12-06T22:00:00.123456789Z" },
  renewWords: { holderIdentity: "a", acquireTime: "yesterday" },
  renewNumber: { holderIdentity: "a", renewTime: 1765058400 },
  holderNumber: { holderIdentity: 7 },
};

scenario("leader-election", { program: "leader-election" }, (run) => {
  const { o } = run;
  let kube: Kube;
  const answer = async (method: string, path: string, body?: unknown) => {
    try {
      const r = await kube.call<LeaseObject>(method, path, body);
      return { code: 200, spec: r.spec };
    } catch (e) {
      if (e instanceof KubeApiError) return { code: e.status, message: e.message.replace(/^\S+ \S+: /, "") };
      throw e;
    }
  };
  const kubectl = async (args: string[]) => {
    const r = await exec("kubectl", ["--kubeconfig", join(run.project.dir, ".iac", "local", "kubeconfig"), ...args], { env: { ...process.env, HOME: run.project.dir } }).catch((e: { code?: number; stdout?: string; stderr?: string }) => e);
    return { code: (r as { code?: number }).code ?? 0, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  };

  it("creates the namespace", async () => {
    const r = await run.up();
    assert.equal(r.code, 0, run.explain(r));
    const endpoints = JSON.parse(await readFile(run.stack.endpointsFile, "utf8")) as { kubeconfig: string };
    kube = Kube.load({ kubeconfig: endpoints.kubeconfig });
  });

  it("serves Leases: discovery, kubectl's columns, MicroTime in UTC with six digits", async () => {
    const group = await kube.call<{ resources: { name: string; namespaced: boolean; kind: string; verbs: string[]; shortNames?: string[] }[] }>("GET", "/apis/coordination.k8s.io/v1");
    const leases = group.resources.find((r) => r.name === "leases");
    o["discovery.leases"] = leases ? { namespaced: leases.namespaced, kind: leases.kind, verbs: [...leases.verbs].sort(), shortNames: leases.shortNames ?? [] } : "absent";
    o["discovery.subresources"] = group.resources.filter((r) => r.name.startsWith("leases/")).map((r) => r.name);
    const created = await answer("POST", LEASES, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "valid" }, spec: { holderIdentity: "someone", leaseDurationSeconds: 15, acquireTime: "2026-12-06T23:00:00.123456+01:00", renewTime: "2026-12-06T22:00:01.000001Z", leaseTransitions: 0, strategy: "OldestEmulationVersion", preferredHolder: "other" } });
    o["create.valid"] = created;
    const got = await kubectl(["get", "leases", "-n", NS, "valid"]);
    o["kubectl.get.header"] = got.stdout.split("\n")[0]!.trim().split(/\s+/);
    o["kubectl.get.holder"] = got.stdout.split("\n")[1]?.trim().split(/\s+/)[1] ?? "absent";
    const nulls = await answer("POST", LEASES, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "nulls" }, spec: { holderIdentity: "x", renewTime: null } });
    o["create.nullRenewTime"] = nulls;
    if (run.real) assert.equal(created.code, 200, JSON.stringify(created));
  });

  it("refuses what the Lease's decoding and validation refuse; drops strategy and preferredHolder (CoordinatedLeaderElection is off)", async () => {
    let i = 0;
    for (const [key, spec] of Object.entries(REFUSED)) {
      o[`refused.${key}`] = await answer("POST", LEASES, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: `bad-${i++}` }, spec });
    }
    o["dropped.preferredHolderAlone"] = await answer("POST", LEASES, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "preferred" }, spec: { preferredHolder: "b" } });
    o["dropped.badStrategy"] = await answer("POST", LEASES, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "strategy" }, spec: { strategy: "Youngest" } });
    if (run.real) assert.equal((o["refused.durationZero"] as { code: number }).code, 422);
  });

  it("a PUT creates a Lease; a PUT without resourceVersion, or with a stale one, is refused", async () => {
    const body = (rv?: string, holder = "putter") => ({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "put", ...(rv ? { resourceVersion: rv } : {}) }, spec: { holderIdentity: holder, leaseDurationSeconds: 5 } });
    o["put.create"] = await answer("PUT", lease("put"), body());
    const first = await kube.get<LeaseObject>(lease("put"));
    o["put.noResourceVersion"] = await answer("PUT", lease("put"), body());
    o["put.current"] = await answer("PUT", lease("put"), body(first?.metadata.resourceVersion, "second"));
    o["put.stale"] = await answer("PUT", lease("put"), body(first?.metadata.resourceVersion, "third"));
  });

  // Two `iac controller --leader-elect` processes.
  interface Replica { readonly child: ChildProcess; readonly identity: string; output: string; readonly exited: Promise<{ code: number | null }> }
  const replicas: Replica[] = [];
  after(() => {
    for (const r of replicas) if (r.child.exitCode === null) r.child.kill("SIGKILL");
  });
  const startReplica = async (n: number): Promise<Replica> => {
    const workDir = await mkdtemp(join(run.project.dir, `controller-${n}-`));
    const child = spawnIac(["controller", "--kubeconfig", join(run.project.dir, ".iac", "local", "kubeconfig"), "--leader-elect", "--leader-election-namespace", NS, "--namespace", NS, "--work-dir", workDir], { cwd: run.project.dir, stdin: "ignore" });
    const r: Replica = { child, identity: `${hostname()}-${child.pid}`, output: "", exited: finish(child).then((x) => ({ code: x.code })) };
    child.stdout?.on("data", (d: Buffer) => (r.output += String(d)));
    child.stderr?.on("data", (d: Buffer) => (r.output += String(d)));
    replicas.push(r);
    return r;
  };
  const explain = () => replicas.map((r, i) => `--- replica ${i} (${r.identity}):\n${r.output.split("\n").slice(-15).join("\n")}`).join("\n");
  const holder = async () => (await kube.get<LeaseObject>(lease("iac-controller-leader")))?.spec;
  const stackReady = async () => (await kube.get<StackObject>(STACK))?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
  const outputs = async () => (await kube.get<{ data: Record<string, string> }>(`/api/v1/namespaces/${NS}/configmaps/words-outputs`))?.data?.["value"];
  let leader: Replica;
  let follower: Replica;
  let firstValue: string | undefined;

  it("of two controller replicas exactly one leads, and only it reconciles the Stack", async () => {
    for (const doc of parseAllDocuments(await readFile(join(ROOT, "packages", "controller", "deploy", "crd.yaml"), "utf8"))) {
      await kube.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", doc.toJS());
    }
    await waitUntil("the Stack CRD served", async () => (await kube.call<{ items: unknown[] }>("GET", "/apis/iac.dev/v1alpha1/stacks")).items, 60_000, 500);
    const work = await mkdtemp(join(run.project.dir, "program-"));
    await mkdir(join(work, "src"));
    await writeFile(join(work, "src", "iac.yaml"), "name: words\nmain: index.ts\n");
    await writeFile(join(work, "src", "index.ts"), PROGRAM);
    const env = { ...process.env, HOME: work, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };
    const git = (...a: string[]) => exec("git", ["-c", "user.name=T", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", ...a], { cwd: work, env });
    await git("init", "--quiet");
    await git("add", "-A");
    await git("commit", "--quiet", "-m", "words");
    const url = `${run.stack.git}/iac/words.git`;
    await git("push", "--quiet", url.replace("http://", "http://t:t@"), "HEAD:refs/heads/main");
    for (const [name, data] of [["git", { username: "t", password: "t" }], ["state", { passphrase: "leader election passphrase" }]] as const) {
      await kube.call("POST", `/api/v1/namespaces/${NS}/secrets`, { apiVersion: "v1", kind: "Secret", metadata: { name }, stringData: data });
    }
    await kube.call("POST", objectPath({ apiVersion: "iac.dev/v1alpha1", plural: "stacks", namespace: NS }), {
      apiVersion: "iac.dev/v1alpha1",
      kind: "Stack",
      metadata: { name: "words", namespace: NS },
      spec: { git: { url, ref: { branch: "main" }, secretRef: { name: "git" } }, path: "src", stack: "dev", interval: "1h", backend: { url: `kubernetes://${NS}`, passphraseSecretRef: { name: "state" } } },
    });
    const a = await startReplica(0);
    const b = await startReplica(1);
    const spec = await waitUntil("a leader", async () => {
      const s = await holder();
      return s?.holderIdentity ? s : undefined;
    }, run.timeout(60_000, 30_000)).catch((e: Error) => assert.fail(e.message + explain()));
    [leader, follower] = spec.holderIdentity === a.identity ? [a, b] : [b, a];
    o["lease.holderIsAReplica"] = spec.holderIdentity === a.identity || spec.holderIdentity === b.identity;
    o["lease.duration"] = spec.leaseDurationSeconds;
    o["lease.renewTimeForm"] = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(spec.renewTime ?? "");
    await waitUntil("the Stack Ready", async () => ((await stackReady()) ? true : undefined), run.timeout(120_000, 60_000)).catch((e: Error) => assert.fail(e.message + explain()));
    firstValue = await outputs();
    await waitUntil("the follower waiting", async () => (follower.output.includes("Waiting to lead") ? true : undefined), 30_000).catch((e: Error) => assert.fail(e.message + explain()));
    o["follower.waits"] = true;
    o["follower.reconciledNothing"] = !follower.output.includes(`${NS}/words:`);
    o["leader.reconciled"] = leader.output.includes(`${NS}/words:`);
    assert.equal(o["follower.reconciledNothing"], true, explain());
  });

  it("the leader killed with -9: the other takes over once the Lease has expired, and reconciles with the same state", async () => {
    const before = (await holder())!;
    leader.child.kill("SIGKILL");
    await leader.exited;
    const taken = await waitUntil("the follower to lead", async () => {
      const s = await holder();
      return s?.holderIdentity === follower.identity ? s : undefined;
    }, 60_000).catch((e: Error) => assert.fail(e.message + explain()));
    // Taken over only once the killed leader's last renewal plus the lease duration had passed
    // (read from the Lease: its renewTime before the kill, the new holder's acquireTime; the
    // leader may have renewed once more between the read and the kill: one renewal period).
    const acquired = Date.parse(taken.acquireTime!);
    o["takeover.notBeforeExpiry"] = acquired >= Date.parse(before.renewTime!) + (before.leaseDurationSeconds ?? 0) * 1000;
    o["takeover.transitions"] = (taken.leaseTransitions ?? 0) - (before.leaseTransitions ?? 0);
    await waitUntil("the new leader to reconcile", async () => (follower.output.includes(`${NS}/words:`) ? true : undefined), 60_000).catch((e: Error) => assert.fail(e.message + explain()));
    o["takeover.reconciled"] = true;
    o["takeover.sameState"] = firstValue !== undefined && (await outputs()) === firstValue;
    assert.equal(o["takeover.sameState"], true, explain());
  });

  it("a leader whose Lease another holder took stops and exits 1", async () => {
    const current = (await kube.get<LeaseObject>(lease("iac-controller-leader")))!;
    const now = new Date().toISOString().replace("Z", "000Z");
    await kube.call("PUT", lease("iac-controller-leader"), { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: current.metadata, spec: { ...current.spec, holderIdentity: "intruder", renewTime: now, acquireTime: now } });
    const exit = await Promise.race([follower.exited, new Promise<{ code: null }>((r) => setTimeout(() => r({ code: null }), 30_000))]);
    o["lost.exitCode"] = exit.code;
    o["lost.said"] = /lost the leader Lease/.test(follower.output);
    assert.equal(exit.code, 1, explain());
    for (const r of replicas) r.child.kill("SIGKILL");
  });
});
