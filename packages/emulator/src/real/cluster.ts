/**
 * Start the real cluster on loopback from the built binaries: etcd, kube-apiserver (the local
 * cloud's CA signs its certificate, bearer tokens from a token file, RBAC on), kube-controller-manager,
 * kube-scheduler, kwok (one fake node whose pods become Ready, except those of an image that cannot be
 * pulled: kwok-stages.ts), and the Flux supervisor (runs Flux's
 * controllers while their Deployments exist). Everything lives under `<dataDir>/kubernetes-real/`.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { issueServerCertificate, type CertificateAuthority } from "../tls.js";
import { RealClusterError } from "./build.js";
import { FluxSupervisor } from "./flux-supervisor.js";
import { KubeClient, kubeconfigFor } from "./kube-client.js";
import { kwokStages } from "./kwok-stages.js";
import { freePort, logTail, PidFile, startProcess, type Proc } from "./processes.js";

export interface RealClusterOptions {
  /** The local cloud's data directory (`.iac/local`); the cluster uses `kubernetes-real/` in it. */
  readonly dataDir: string;
  /** The apiserver's port (0 or absent: the previous run's, else any free one). */
  readonly port?: number;
  readonly ca: CertificateAuthority;
  /** Binary name to path, from {@link buildRealCluster}. */
  readonly binaries: Readonly<Record<string, string>>;
  readonly files: Readonly<Record<string, string>>;
  readonly log?: (message: string) => void;
  /** How long the apiserver may take to become ready (default 90 s). */
  readonly readyTimeoutMs?: number;
}

export interface RealCluster {
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  /** A kubeconfig with cluster-admin rights (system:masters), the CA inline. */
  readonly kubeconfig: string;
  /** The folder of the cluster's data and logs. */
  readonly dir: string;
  /** The notification-controller's webhook receiver, `http://127.0.0.1:<port>` (Receivers' paths under it). */
  readonly fluxWebhooks: string;
  close(): Promise<void>;
}

const REQUIRED = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"] as const;

interface Persisted {
  readonly apiserverPort?: number;
  readonly etcdClientPort?: number;
  readonly etcdPeerPort?: number;
}

/** Tokens of the cluster's own users, generated once per data directory and kept in pki/ (mode 0600). */
interface Tokens {
  readonly admin: string;
  readonly controllerManager: string;
  readonly scheduler: string;
  readonly kwok: string;
  readonly supervisor: string;
}

function loadOrCreate<T>(file: string, create: () => T): T {
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as T;
  const value = create();
  writeFileSync(file, JSON.stringify(value, null, 2) + "\n", { mode: 0o600 });
  return value;
}

async function waitFor(what: string, check: () => Promise<boolean>, o: { timeoutMs: number; proc?: Proc }): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  let exited: string | undefined;
  void o.proc?.exited.then((c) => (exited = c));
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new RealClusterError(`${o.proc!.name} exited (${exited}) while starting. Its log (${o.proc!.logFile}) ends with:\n${logTail(o.proc!.logFile)}`, { code: "StartFailed" });
    }
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new RealClusterError(`${what} did not become ready within ${Math.round(o.timeoutMs / 1000)} s.${o.proc ? ` Its log (${o.proc.logFile}) ends with:\n${logTail(o.proc.logFile)}` : ""}`, { code: "StartTimeout" });
}

/** Start the real cluster; on failure everything started so far is stopped again. */
export async function startRealCluster(options: RealClusterOptions): Promise<RealCluster> {
  const log = options.log ?? (() => {});
  const missing = REQUIRED.filter((b) => !options.binaries[b] || !existsSync(options.binaries[b]!));
  if (missing.length > 0) {
    throw new RealClusterError(`The real cluster's binaries ${missing.join(", ")} are not built. Build them with \`npm run real-cluster -- build\` (or let \`iac local serve --kubernetes=real\` build them).`, { code: "NotBuilt" });
  }
  const bin = (name: (typeof REQUIRED)[number]) => options.binaries[name]!;
  const dir = join(options.dataDir, "kubernetes-real");
  const pki = join(dir, "pki");
  const logs = join(dir, "logs");
  for (const d of [dir, pki, logs, join(dir, "etcd")]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const pids = new PidFile(join(dir, "pids.json"));
  const reaped = await pids.reapStale();
  if (reaped.length > 0) log(`stopped ${reaped.join(", ")} left running by an earlier run`);

  const persisted = existsSync(join(dir, "ports.json")) ? (JSON.parse(readFileSync(join(dir, "ports.json"), "utf8")) as Persisted) : {};
  const apiserverPort = await freePort(options.port || persisted.apiserverPort);
  if (options.port && apiserverPort !== options.port) {
    throw new RealClusterError(`Port ${options.port} for the Kubernetes API server is in use. Stop what uses it, or choose another --port.`, { code: "PortInUse" });
  }
  const etcdClientPort = await freePort(persisted.etcdClientPort);
  const etcdPeerPort = await freePort(persisted.etcdPeerPort);
  writeFileSync(join(dir, "ports.json"), JSON.stringify({ apiserverPort, etcdClientPort, etcdPeerPort }, null, 2) + "\n");

  // Certificates and keys: the serving certificate is signed by the local cloud's CA (the same
  // ca.pem clients already trust); the service-account signing key is kept across restarts so
  // tokens issued earlier stay valid.
  const caFile = join(pki, "ca.pem");
  writeFileSync(caFile, options.ca.certPem);
  const serving = issueServerCertificate(options.ca, ["127.0.0.1", "localhost", "10.96.0.1", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"]);
  writeFileSync(join(pki, "apiserver.pem"), serving.certPem);
  writeFileSync(join(pki, "apiserver-key.pem"), serving.keyPem, { mode: 0o600 });
  if (!existsSync(join(pki, "sa-key.pem"))) {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    writeFileSync(join(pki, "sa-key.pem"), privateKey.export({ type: "pkcs8", format: "pem" }).toString(), { mode: 0o600 });
    writeFileSync(join(pki, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }).toString());
  }
  const token = () => randomBytes(24).toString("base64url");
  const tokens = loadOrCreate<Tokens>(join(pki, "tokens.json"), () => ({ admin: token(), controllerManager: token(), scheduler: token(), kwok: token(), supervisor: token() }));
  const csv = [
    `${tokens.admin},iac-local-admin,iac-local-admin,"system:masters"`,
    `${tokens.controllerManager},system:kube-controller-manager,system:kube-controller-manager`,
    `${tokens.scheduler},system:kube-scheduler,system:kube-scheduler`,
    `${tokens.kwok},iac-local-kwok,iac-local-kwok,"system:masters"`,
    `${tokens.supervisor},iac-local-supervisor,iac-local-supervisor,"system:masters"`,
  ].join("\n");
  writeFileSync(join(pki, "tokens.csv"), csv + "\n", { mode: 0o600 });

  const server = `https://127.0.0.1:${apiserverPort}`;
  const kubeconfigFile = (name: string, user: string, tok: string) => {
    const file = join(pki, `${name}.kubeconfig`);
    writeFileSync(file, kubeconfigFor(server, options.ca.certPem, user, tok), { mode: 0o600 });
    return file;
  };
  const procs: Proc[] = [];
  let supervisor: FluxSupervisor | undefined;
  const stopAll = async () => {
    await supervisor?.close();
    // Reverse start order: controllers first, etcd last.
    for (const p of [...procs].reverse()) await p.stop();
  };
  const start = (name: string, binary: string, args: readonly string[], env?: NodeJS.ProcessEnv) => {
    const p = startProcess({ name, binary, args, env, cwd: dir, logDir: logs, pids });
    procs.push(p);
    return p;
  };
  const started = Date.now();
  try {
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const etcd = start("etcd", bin("etcd"), [
      "--name=iac-local",
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=iac-local=${peerUrl}`,
      "--log-level=warn",
    ]);
    await waitFor("etcd", async () => (await fetch(`${etcdUrl}/health`)).ok, { timeoutMs: 30_000, proc: etcd });
    log(`etcd ready (${Date.now() - started} ms)`);

    const apiserver = start("kube-apiserver", bin("kube-apiserver"), [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiserverPort}`,
      `--tls-cert-file=${join(pki, "apiserver.pem")}`,
      `--tls-private-key-file=${join(pki, "apiserver-key.pem")}`,
      `--client-ca-file=${caFile}`,
      `--token-auth-file=${join(pki, "tokens.csv")}`,
      "--authorization-mode=RBAC",
      "--anonymous-auth=true",
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${join(pki, "sa.pub")}`,
      `--service-account-signing-key-file=${join(pki, "sa-key.pem")}`,
      "--service-cluster-ip-range=10.96.0.0/12",
      "--allow-privileged=true",
      "--endpoint-reconciler-type=none",
    ]);
    const admin = new KubeClient({ server, ca: options.ca.certPem, token: tokens.admin });
    await waitFor("kube-apiserver", async () => (await admin.request("GET", "/readyz")).status === 200, { timeoutMs: options.readyTimeoutMs ?? 90_000, proc: apiserver });
    log(`kube-apiserver ready at ${server} (${Date.now() - started} ms)`);

    start("kube-controller-manager", bin("kube-controller-manager"), [
      `--kubeconfig=${kubeconfigFile("kube-controller-manager", "system:kube-controller-manager", tokens.controllerManager)}`,
      `--authentication-kubeconfig=${join(pki, "kube-controller-manager.kubeconfig")}`,
      `--authorization-kubeconfig=${join(pki, "kube-controller-manager.kubeconfig")}`,
      "--leader-elect=false",
      "--bind-address=127.0.0.1",
      "--secure-port=0",
      `--service-account-private-key-file=${join(pki, "sa-key.pem")}`,
      `--root-ca-file=${caFile}`,
      // Each controller runs as its own service account, with the roles RBAC bootstraps for it (as kubeadm sets it up).
      "--use-service-account-credentials=true",
      "--service-cluster-ip-range=10.96.0.0/12",
      // No volumes are ever attached to kwok's fake nodes.
      "--controllers=*,-persistentvolume-attach-detach-controller",
    ]);
    start("kube-scheduler", bin("kube-scheduler"), [
      `--kubeconfig=${kubeconfigFile("kube-scheduler", "system:kube-scheduler", tokens.scheduler)}`,
      `--authentication-kubeconfig=${join(pki, "kube-scheduler.kubeconfig")}`,
      `--authorization-kubeconfig=${join(pki, "kube-scheduler.kubeconfig")}`,
      "--leader-elect=false",
      "--bind-address=127.0.0.1",
      "--secure-port=0",
    ]);
    const kwokDefaultStages = options.files["kwok-stages.yaml"];
    if (!kwokDefaultStages) throw new RealClusterError("kwok's stages (kwok-stages.yaml) are missing from the build cache. Build again with `npm run real-cluster -- build kwok`.", { code: "NotBuilt" });
    const kwokStagesFile = join(dir, "kwok-stages.yaml");
    writeFileSync(kwokStagesFile, kwokStages(readFileSync(kwokDefaultStages, "utf8")));
    // kwok applies no defaults to a configuration file it is given: every option it needs is set.
    const kwokOptions = join(dir, "kwok-options.yaml");
    writeFileSync(kwokOptions, [
      "apiVersion: config.kwok.x-k8s.io/v1alpha1",
      "kind: KwokConfiguration",
      "options:",
      "  nodeLeaseDurationSeconds: 40",
      "  nodeLeaseParallelism: 4",
      "  podPlayStageParallelism: 4",
      "  nodePlayStageParallelism: 4",
      "  podsOnNodeSyncParallelism: 1",
      "  enablePodsOnNodeSyncListPager: true",
      "  enablePodsOnNodeSyncStreamWatch: false",
      "",
    ].join("\n"));
    start("kwok", bin("kwok"), [
      `--kubeconfig=${kubeconfigFile("kwok", "iac-local-kwok", tokens.kwok)}`,
      `--config=${kwokOptions}`,
      `--config=${kwokStagesFile}`,
      "--manage-all-nodes=true",
      `--server-address=127.0.0.1:${await freePort()}`,
    ]);
    await ensureNode(admin);
    log(`controller-manager, scheduler and kwok started (${Date.now() - started} ms)`);

    supervisor = new FluxSupervisor({ server, ca: options.ca.certPem, adminToken: tokens.supervisor, binaries: options.binaries, dir, logs, pids, log });
    supervisor.start();
    const fluxWebhooks = await supervisor.webhooksUrl();
    return {
      server,
      fluxWebhooks,
      kubeconfig: kubeconfigFor(server, options.ca.certPem, "iac-local-admin", tokens.admin),
      dir,
      close: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** The fake node kwok manages (pods scheduled to it become Ready). */
async function ensureNode(client: KubeClient): Promise<void> {
  const name = "kwok-node-0";
  const existing = await client.get(`/api/v1/nodes/${name}`);
  if (existing !== undefined) return;
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", type: "kwok" }, annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" } },
    spec: {},
    status: { allocatable: { cpu: "32", memory: "256Gi", pods: "110" }, capacity: { cpu: "32", memory: "256Gi", pods: "110" }, nodeInfo: { kubeletVersion: "fake", operatingSystem: "linux", architecture: "amd64" } },
  };
  const r = await client.request("POST", "/api/v1/nodes", node);
  if (r.status !== 201 && r.status !== 409) throw new RealClusterError(`Creating the fake node failed: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`, { code: "StartFailed" });
}
