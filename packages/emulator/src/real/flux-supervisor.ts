/**
 * Runs Flux's controllers while Flux is installed, as a cluster would: every couple of seconds it
 * lists the Deployments, and for each one whose container image is a Flux controller's
 * (`ghcr.io/fluxcd/<name>-controller:<tag>`) with replicas > 0 it runs the locally built binary of
 * that controller, out of cluster, as the Deployment's service account (a token from the
 * TokenRequest API, as a kubelet would mount). When the Deployment goes (or scales to 0), the
 * process stops. kwok makes the Deployment's pods Ready; this process does the controller's work.
 *
 * Addresses that name cluster DNS in the Deployment's args are replaced by loopback ones: the
 * source-controller's artifact server (`--storage-addr`/`--storage-adv-addr`), the
 * notification-controller's event receiver (`--events-addr`), health and metrics ports; storage
 * paths (the source-controller's artifacts, the image-reflector-controller's tag database) are
 * folders of the controller's own under the data directory.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FLUX_CONTROLLERS, type FluxController } from "./components.js";
import { KubeClient, kubeconfigFor } from "./kube-client.js";
import { freePort, startProcess, type PidFile, type Proc } from "./processes.js";

interface Deployment {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string };
  spec: { replicas?: number; template: { spec: { serviceAccountName?: string; containers: { name: string; image: string; args?: string[]; env?: { name: string; value?: string }[] }[] } } };
}

interface Running {
  readonly key: string;
  readonly controller: FluxController;
  readonly uid: string;
  readonly image: string;
  /** The container's args and env as run: a Deployment whose pod template changes them rolls its pods. */
  readonly spec: string;
  readonly proc: Proc;
}

type Container = Deployment["spec"]["template"]["spec"]["containers"][number];

function containerSpec(c: Container): string {
  return JSON.stringify([c.args ?? [], c.env ?? []]);
}

/** Flags the supervisor sets itself; the Deployment's values for them are dropped. */
const OVERRIDDEN = ["--events-addr", "--storage-addr", "--storage-adv-addr", "--storage-path", "--metrics-addr", "--health-addr", "--receiverAddr", "--enable-leader-election", "--kubeconfig"];

export function controllerOfImage(image: string): FluxController | undefined {
  const m = /^(?:[^/]+\/)*([a-z-]+):[^:/]+$/.exec(image.split("@")[0]!);
  const name = m?.[1];
  return FLUX_CONTROLLERS.find((c) => c === name);
}

/** Whether a controller's Deployment args give it an event address (a non-empty `--events-addr`). */
function sendsEvents(args: readonly string[]): boolean {
  return args.some((a) => a.startsWith("--events-addr=") && a.length > "--events-addr=".length);
}

/** The Deployment's args without the flags the supervisor overrides, and with `$(VAR)` expanded from its env. */
export function keptArgs(args: readonly string[], env: Readonly<Record<string, string>>): string[] {
  return args
    .filter((a) => !OVERRIDDEN.some((f) => a === f || a.startsWith(`${f}=`)))
    .map((a) => a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, v: string) => env[v] ?? whole));
}

/**
 * The args a controller runs with out of cluster: the Deployment's ({@link keptArgs}) and the
 * loopback addresses and local storage folders the supervisor sets (`home` is the controller's folder).
 */
export function supervisedArgs(controller: FluxController, deploymentArgs: readonly string[], env: Readonly<Record<string, string>>, o: { readonly home: string; readonly ports: { readonly storage: number; readonly events: number; readonly receiver: number }; readonly healthPort: number }): string[] {
  const args = keptArgs(deploymentArgs, env);
  args.push("--enable-leader-election=false", "--metrics-addr=0", `--health-addr=127.0.0.1:${o.healthPort}`);
  if (controller === "source-controller") {
    // The artifact server (the kustomize- and helm-controllers download from it).
    args.push(`--storage-path=${join(o.home, "data")}`, `--storage-addr=127.0.0.1:${o.ports.storage}`, `--storage-adv-addr=127.0.0.1:${o.ports.storage}`);
  }
  if (controller === "image-reflector-controller") {
    // Its Badger database of scanned tags.
    args.push(`--storage-path=${join(o.home, "data")}`);
  }
  if (controller === "notification-controller") {
    args.push(`--events-addr=127.0.0.1:${o.ports.events}`, `--receiverAddr=127.0.0.1:${o.ports.receiver}`);
  } else if (sendsEvents(deploymentArgs)) {
    args.push(`--events-addr=http://127.0.0.1:${o.ports.events}/`);
  } else {
    // Installed without the notification-controller (flux install/bootstrap --components without it
    // write `--events-addr=`): the controller records Kubernetes Events only. An address here would
    // make each event wait for ~15 s of retries against a port nobody listens on.
    args.push("--events-addr=");
  }
  return args;
}

export class FluxSupervisor {
  private readonly client: KubeClient;
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private closed = false;
  /** Loopback ports, chosen once per supervisor so that recorded artifact URLs stay valid while it runs. */
  private ports: Promise<{ storage: number; events: number; receiver: number }> | undefined;

  constructor(private readonly o: { server: string; ca: string; adminToken: string; binaries: Readonly<Record<string, string>>; dir: string; logs: string; pids: PidFile; log: (m: string) => void; intervalMs?: number }) {
    this.client = new KubeClient({ server: o.server, ca: o.ca, token: o.adminToken });
  }

  start(): void {
    const tick = async () => {
      if (this.busy || this.closed) return;
      this.busy = true;
      try {
        await this.reconcile();
      } catch (err) {
        this.o.log(`flux supervisor: ${(err as Error).message}`);
      } finally {
        this.busy = false;
      }
    };
    void tick();
    this.timer = setInterval(() => void tick(), this.o.intervalMs ?? 2000);
  }

  /** The controllers running now, as `namespace/name`. */
  runningControllers(): string[] {
    return [...this.running.keys()].sort();
  }

  async reconcile(): Promise<void> {
    const list = await this.client.get<{ items: Deployment[] }>("/apis/apps/v1/deployments");
    const wanted = new Map<string, { d: Deployment; controller: FluxController; image: string; spec: string }>();
    for (const d of list?.items ?? []) {
      if (d.metadata.deletionTimestamp || d.spec.replicas === 0) continue;
      for (const c of d.spec.template.spec.containers) {
        const controller = controllerOfImage(c.image);
        if (controller) wanted.set(`${d.metadata.namespace}/${d.metadata.name}`, { d, controller, image: c.image, spec: containerSpec(c) });
      }
    }
    for (const [key, r] of this.running) {
      const w = wanted.get(key);
      // A new image, args or env is a new pod template: the Deployment rolls its pod.
      if (!w || w.d.metadata.uid !== r.uid || w.image !== r.image || w.spec !== r.spec || r.proc.child.exitCode !== null || r.proc.child.signalCode !== null) {
        this.running.delete(key);
        await r.proc.stop();
        this.o.log(`stopped ${r.controller} (${key})`);
      }
    }
    for (const [key, w] of wanted) {
      if (this.running.has(key) || this.closed) continue;
      const binary = this.o.binaries[w.controller];
      if (!binary) {
        this.o.log(`${key} runs ${w.image}, but ${w.controller} is not built; it stays idle (see docs/real-cluster.md)`);
        continue;
      }
      const proc = await this.launch(w.d, w.controller, binary);
      this.running.set(key, { key, controller: w.controller, uid: w.d.metadata.uid, image: w.image, spec: w.spec, proc });
      this.o.log(`started ${w.controller} for ${key} (${w.image}, log ${proc.logFile})`);
    }
  }

  private async launch(d: Deployment, controller: FluxController, binary: string): Promise<Proc> {
    const ns = d.metadata.namespace;
    const sa = d.spec.template.spec.serviceAccountName ?? "default";
    const tr = await this.client.request("POST", `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 7 * 24 * 3600 } });
    if (tr.status !== 201) throw new Error(`a token for service account ${ns}/${sa} (of Deployment ${ns}/${d.metadata.name}) was refused: ${tr.status} ${JSON.stringify(tr.body).slice(0, 200)}`);
    const token = (tr.body as { status: { token: string } }).status.token;
    const home = join(this.o.dir, "flux", `${ns}-${d.metadata.name}`);
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const kubeconfig = join(home, "kubeconfig");
    writeFileSync(kubeconfig, kubeconfigFor(this.o.server, this.o.ca, `system:serviceaccount:${ns}:${sa}`, token), { mode: 0o600 });
    const ports = await this.loopbackPorts();
    const container = d.spec.template.spec.containers.find((c) => controllerOfImage(c.image) === controller)!;
    const env: Record<string, string> = { RUNTIME_NAMESPACE: ns };
    for (const e of container.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
    // The storage folders must exist (in the Deployments they are emptyDir volumes).
    if (controller === "source-controller" || controller === "image-reflector-controller") mkdirSync(join(home, "data"), { recursive: true });
    const args = supervisedArgs(controller, container.args ?? [], env, { home, ports, healthPort: await freePort() });
    return startProcess({
      name: `${ns}-${d.metadata.name}`,
      binary,
      args,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, TMPDIR: home, ...env, KUBECONFIG: kubeconfig },
      cwd: home,
      logDir: this.o.logs,
      pids: this.o.pids,
    });
  }

  private loopbackPorts(): Promise<{ storage: number; events: number; receiver: number }> {
    return (this.ports ??= this.choosePorts());
  }

  /**
   * Base URL of the notification-controller's webhook receiver (`--receiverAddr`): a Receiver's
   * `status.webhookPath` is served under it once the controller runs.
   */
  async webhooksUrl(): Promise<string> {
    return `http://127.0.0.1:${(await this.loopbackPorts()).receiver}`;
  }

  /**
   * The previous run's ports when they are free (artifact URLs in GitRepository statuses name the
   * storage port), else new ones; kept in `flux-ports.json`.
   */
  private async choosePorts(): Promise<{ storage: number; events: number; receiver: number }> {
    const file = join(this.o.dir, "flux-ports.json");
    let previous: Partial<Record<"storage" | "events" | "receiver", number>> = {};
    try {
      previous = JSON.parse(readFileSync(file, "utf8")) as typeof previous;
    } catch {
      // first run
    }
    const ports = { storage: await freePort(previous.storage), events: await freePort(previous.events), receiver: await freePort(previous.receiver) };
    writeFileSync(file, JSON.stringify(ports, null, 2) + "\n");
    return ports;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 50));
    for (const r of this.running.values()) await r.proc.stop();
    this.running.clear();
  }
}
