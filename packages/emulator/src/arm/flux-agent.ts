/**
 * AKS's managed Flux on the local cloud: what Azure's extension manager and fluxconfig agent do in
 * an AKS cluster when ARM is told to, done against the local cloud's Kubernetes API (emulated or
 * real) through its HTTP API (kube-http.ts).
 *
 * - `Microsoft.KubernetesConfiguration/extensions` with `extensionType` `microsoft.flux`: the PUT's
 *   (or PATCH's) operation stays InProgress until Flux is installed in `flux-system` as the
 *   extension's `configurationSettings` say: the CRDs of all six controllers always, and the
 *   Deployment (with its own ServiceAccount and Services) of each controller whose
 *   `<controller>.enabled` is "true" (AKS's defaults: source, kustomize, helm and notification
 *   controllers on, `image-reflector-controller` and `image-automation-controller` off), each
 *   Available; a controller turned off by an update is removed. A value other than "true"/"false"
 *   is refused with a 400 at the request (code GUESS). DELETE's operation runs until Flux is
 *   uninstalled as `flux uninstall` does (controllers, then the finalizers of every Flux object,
 *   the CRDs, the namespace). The manifests are a Flux release's
 *   `install.yaml` (or `gotk-components.yaml`): `IAC_LOCAL_FLUX_MANIFESTS`, else the newest one
 *   FluxBootstrap cached (`$XDG_CACHE_HOME/iac/flux/<version>/install.yaml`); without one the
 *   operation fails saying so. Azure's own agents (fluxconfig-agent, fluxconfig-controller) and
 *   the extension's Helm release are not emulated.
 * - `Microsoft.KubernetesConfiguration/fluxConfigurations`: the PUT's operation ends once the
 *   configuration's GitRepository (named after it) and one Kustomization per entry of
 *   `kustomizations` (`<configuration>-<key>`) are applied in its `namespace`, with AKS's defaults
 *   (intervals and timeouts 600 s, `prune` false, `wait` true); it fails when no `microsoft.flux`
 *   extension is on the cluster (code GUESS). Then, as the fluxconfig agent reports to Azure, the
 *   configuration's `complianceState` (Compliant when every object is Ready, Non-Compliant when one
 *   is not Ready and not progressing, else Pending; Suspended), `statuses` and
 *   `sourceSyncedCommitId` follow the objects. DELETE removes them (the Kustomizations first, so
 *   Flux garbage-collects what they applied when `prune` is on) before the operation ends.
 *   `configurationProtectedSettings` never reach the cluster (the local cloud stores no secret; its
 *   git host needs no credentials); only `sourceKind` GitRepository is emulated.
 *
 * Every managed cluster of the local cloud is the one local Kubernetes API: two clusters with the
 * Flux extension share one Flux.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { Endpoints } from "../service.js";
import { ArmError } from "./errors.js";
import { KubeHttp, type KubeJson } from "./kube-http.js";
import type { GenericRecord, Json, OperationRecord } from "./model.js";
import type { ArmStore } from "./store.js";
import { fluxConfigurationObjects, FluxObjectsError, isFluxExtension } from "./flux-objects.js";

const CONFIGURATIONS = "microsoft.kubernetesconfiguration/fluxconfigurations";
const FIELD_MANAGER = "aks-flux-extension";
const FLUX_NAMESPACE = "flux-system";
/** The controllers of the microsoft.flux extension and whether each is on by default (image automation is opt-in). */
const CONTROLLERS: Readonly<Record<string, boolean>> = {
  "source-controller": true,
  "kustomize-controller": true,
  "helm-controller": true,
  "notification-controller": true,
  "image-reflector-controller": false,
  "image-automation-controller": false,
};

/**
 * The controllers an extension's `configurationSettings` enable (`<controller>.enabled`: "true" or
 * "false", else the default), or the first setting that is neither.
 */
export function fluxExtensionControllers(body: Json): { readonly enabled: ReadonlySet<string> } | { readonly invalid: { readonly key: string; readonly value: unknown } } {
  const settings = (propsOf({ body })["configurationSettings"] as Record<string, unknown> | undefined) ?? {};
  const enabled = new Set<string>();
  for (const [controller, byDefault] of Object.entries(CONTROLLERS)) {
    const key = `${controller}.enabled`;
    const value = settings[key];
    if (value !== undefined && value !== "true" && value !== "false") return { invalid: { key, value } };
    if (value === undefined ? byDefault : value === "true") enabled.add(controller);
  }
  return { enabled };
}

/** A microsoft.flux extension's settings as ARM checks them at the request: a bad `*.enabled` value is a 400. */
export function checkFluxExtensionSettings(armType: string, body: Json): void {
  if (!isFluxExtension({ type: armType, body })) return;
  const c = fluxExtensionControllers(body);
  if (!("invalid" in c)) return;
  throw new ArmError({
    status: 400,
    code: "InvalidConfigurationSettings", // GUESS
    message: `The microsoft.flux extension's configuration setting '${c.invalid.key}' is ${JSON.stringify(c.invalid.value)}: it must be "true" or "false" (e.g. configurationSettings: { "${c.invalid.key}": "true" }).`,
    target: `properties.configurationSettings['${c.invalid.key}']`,
  });
}

type Props = Record<string, unknown>;
const propsOf = (r: { readonly body: Json }): Props => ((r.body["properties"] as Props | undefined) ?? {});

/** Whether a PUT of this type and body is finished by the agent. */
export function agentTakesPut(armType: string, body: Json): boolean {
  const type = armType.toLowerCase();
  return type === CONFIGURATIONS || isFluxExtension({ type, body });
}

/** Whether a DELETE of this resource is finished by the agent. */
export function agentTakesDelete(r: GenericRecord): boolean {
  return r.type.toLowerCase() === CONFIGURATIONS || isFluxExtension(r);
}

/** An operation failure with the code the resource then reports. */
class AgentFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface FluxAgentOptions {
  readonly store: ArmStore;
  readonly endpoints: () => Endpoints;
  readonly log: (message: string) => void;
  /** A Flux install.yaml / gotk-components.yaml (default: env `IAC_LOCAL_FLUX_MANIFESTS`, else FluxBootstrap's cache). */
  readonly manifests?: string;
  /** How often statuses are refreshed (default 1 s). */
  readonly intervalMs?: number;
}

/** Where the manifests come from, or undefined. */
export function fluxManifestsFile(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const given = explicit ?? (env["IAC_LOCAL_FLUX_MANIFESTS"] || undefined);
  if (given !== undefined) return given;
  const cache = join(env["XDG_CACHE_HOME"] || join(env["HOME"] || homedir(), ".cache"), "iac", "flux");
  let versions: string[] = [];
  try {
    versions = readdirSync(cache).filter((v) => existsSync(join(cache, v, "install.yaml")));
  } catch {
    return undefined;
  }
  const newest = versions.sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).at(-1);
  return newest === undefined ? undefined : join(cache, newest, "install.yaml");
}

interface Installed {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

const keyOf = (o: KubeJson): Installed => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) });
const asObject = (k: Installed) => ({ apiVersion: k.apiVersion, kind: k.kind, metadata: { name: k.name, ...(k.namespace ? { namespace: k.namespace } : {}) } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

type Condition = { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string };
const readyOf = (o: KubeJson | undefined) => ((o?.["status"] as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === "Ready");

export class FluxAgent {
  readonly #o: FluxAgentOptions;
  #kube: KubeHttp | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Protected settings by operation id: in memory only, never in arm.json. */
  readonly #protected = new Map<string, Readonly<Record<string, string>>>();

  constructor(options: FluxAgentOptions) {
    this.#o = options;
  }

  /** Resume what a previous run left, and keep statuses fresh. */
  start(): void {
    this.#timer = setInterval(() => {
      if (this.#busy()) this.kick();
    }, this.#o.intervalMs ?? 1_000);
    this.#timer.unref();
    this.kick();
  }

  protectedSettings(operationId: string, values: Readonly<Record<string, string>>): void {
    this.#protected.set(operationId, values);
  }

  /** Run a pass soon. */
  kick(): void {
    if (this.#closed) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#pass().catch((err: Error) => this.#o.log(`flux extension agent: ${err.message}`));
      } while (this.#again && !this.#closed);
    })().finally(() => (this.#running = undefined));
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#running;
  }

  /** Whether anything is for the agent: an operation it holds, or a configuration to report on. */
  #busy(): boolean {
    return this.#held().length > 0 || this.#o.store.all().some((r) => r.kind === "generic" && r.type.toLowerCase() === CONFIGURATIONS);
  }

  #held(): OperationRecord[] {
    return this.#o.store.operations().filter((op) => (op.kind === "genericPut" || op.kind === "genericDelete") && op.agent === "running");
  }

  #client(): KubeHttp {
    this.#kube ??= new KubeHttp(this.#o.endpoints());
    return this.#kube;
  }

  async #pass(): Promise<void> {
    for (const op of this.#held()) {
      if (this.#closed) return;
      const r = this.#o.store.get(op.resourceKey);
      let failure: { code: string; message: string } | undefined;
      try {
        if (r?.kind === "generic") await this.#work(op, r);
      } catch (err) {
        failure = { code: err instanceof AgentFailure || err instanceof FluxObjectsError ? err.code : "ExtensionOperationFailed", message: (err as Error).message };
        this.#o.log(`flux extension agent: ${r?.id ?? op.resourceKey}: ${failure.message}`);
        if (r?.kind === "generic") this.#update(r.id, { error: failure.message });
      }
      this.#protected.delete(op.id);
      const live = this.#o.store.operation(op.id);
      if (live?.kind === "genericPut" || live?.kind === "genericDelete") this.#o.store.putOperation({ ...live, agent: "done", ...(failure ? { failure } : {}) });
    }
    if (!this.#closed) await this.#report();
  }

  async #work(op: OperationRecord, r: GenericRecord): Promise<void> {
    const type = r.type.toLowerCase();
    if (op.kind === "genericPut") {
      if (type === CONFIGURATIONS) return this.#applyConfiguration(r, this.#protected.get(op.id));
      return this.#install(r);
    }
    if (type === CONFIGURATIONS) return this.#deleteConfiguration(r);
    return this.#uninstall(r);
  }

  // --- the extension ---------------------------------------------------------------------------

  #manifests(enabled: ReadonlySet<string>): KubeJson[] {
    const file = fluxManifestsFile(this.#o.manifests);
    if (file === undefined || !existsSync(file)) {
      throw new AgentFailure(
        "ExtensionOperationFailed",
        `The local cloud has no Flux manifests to install the microsoft.flux extension with${file === undefined ? "" : ` (${file} does not exist)`}: set IAC_LOCAL_FLUX_MANIFESTS to a Flux release's install.yaml where \`iac local serve\` runs, or run a FluxBootstrap with a version once (it caches one).`,
      );
    }
    return parseAllDocuments(readFileSync(file, "utf8"))
      .map((d) => d.toJS() as KubeJson | null)
      .filter((o): o is KubeJson => o !== null && typeof o === "object" && typeof o.kind === "string")
      .filter((o) => {
        const component = o.metadata.labels?.["app.kubernetes.io/component"];
        if (component === undefined) return true;
        return o.kind === "CustomResourceDefinition" ? component in CONTROLLERS : enabled.has(component);
      });
  }

  async #install(r: GenericRecord): Promise<void> {
    const kube = this.#client();
    const controllers = fluxExtensionControllers(r.body);
    if ("invalid" in controllers) throw new AgentFailure("InvalidConfigurationSettings", `configuration setting '${controllers.invalid.key}' must be "true" or "false"`);
    const objects = this.#manifests(controllers.enabled);
    const missing = [...controllers.enabled].filter((c) => !objects.some((o) => o.kind === "Deployment" && o.metadata.name === c));
    if (missing.length > 0) {
      throw new AgentFailure(
        "ExtensionOperationFailed",
        `The local cloud's Flux manifests (${fluxManifestsFile(this.#o.manifests)}) have no ${missing.join(" or ")} to install: set IAC_LOCAL_FLUX_MANIFESTS to a Flux release's install.yaml (gotk-components.yaml has no image controllers) where \`iac local serve\` runs, or set ${missing.map((m) => `${m}.enabled`).join(" and ")} to "false".`,
      );
    }
    const crds = objects.filter((o) => o.kind === "CustomResourceDefinition");
    const namespaces = objects.filter((o) => o.kind === "Namespace");
    const rest = objects.filter((o) => o.kind !== "CustomResourceDefinition" && o.kind !== "Namespace");
    for (const o of [...crds, ...namespaces]) await kube.apply(o, FIELD_MANAGER);
    for (const crd of crds) await this.#until(`CRD ${crd.metadata.name} to be Established`, async () => ((await kube.get(crd))?.["status"] as { conditions?: Condition[] } | undefined)?.conditions?.some((c) => c.type === "Established" && c.status === "True") === true);
    kube.forgetKinds();
    for (const o of rest) await kube.apply(o, FIELD_MANAGER);
    const installed = [...crds, ...namespaces, ...rest].map(keyOf);
    // An update that turns a controller off: what only it had goes (its Deployment first).
    const wanted = new Set(installed.map((k) => `${k.kind}/${k.namespace ?? ""}/${k.name}`));
    const before = Array.isArray(r.assigned["installed"]) ? (r.assigned["installed"] as unknown as Installed[]) : [];
    const gone = before.filter((k) => !wanted.has(`${k.kind}/${k.namespace ?? ""}/${k.name}`) && k.kind !== "CustomResourceDefinition" && k.kind !== "Namespace");
    for (const k of [...gone.filter((x) => x.kind === "Deployment"), ...gone.filter((x) => x.kind !== "Deployment")]) await kube.delete(asObject(k));
    const version = objects.map((o) => o.metadata.labels?.["app.kubernetes.io/version"]).find((v) => v !== undefined);
    this.#update(r.id, { installed: installed as unknown as Json, ...(version === undefined ? {} : { fluxVersion: version }), error: null });
    for (const d of rest.filter((o) => o.kind === "Deployment")) {
      await this.#until(`Deployment ${d.metadata.name} to be Available`, async () => ((await kube.get(d))?.["status"] as { conditions?: Condition[] } | undefined)?.conditions?.some((c) => c.type === "Available" && c.status === "True") === true, 120_000);
    }
  }

  async #uninstall(r: GenericRecord): Promise<void> {
    const kube = this.#client();
    const installed = Array.isArray(r.assigned["installed"]) ? (r.assigned["installed"] as unknown as Installed[]) : [];
    const crds = installed.filter((k) => k.kind === "CustomResourceDefinition");
    const namespaces = installed.filter((k) => k.kind === "Namespace");
    // flux uninstall's order: the controllers and what serves them, the finalizers of every Flux object, the CRDs, the namespace.
    for (const k of installed.filter((x) => x.kind !== "CustomResourceDefinition" && x.kind !== "Namespace").reverse()) await kube.delete(asObject(k));
    for (const k of crds) {
      const crd = await kube.get(asObject(k));
      const spec = crd?.["spec"] as { group?: string; names?: { kind?: string }; versions?: { name: string; storage?: boolean }[] } | undefined;
      const version = spec?.versions?.find((v) => v.storage)?.name;
      if (spec?.group === undefined || spec.names?.kind === undefined || version === undefined) continue;
      for (const o of await kube.list(`${spec.group}/${version}`, spec.names.kind)) {
        if ((o.metadata.finalizers ?? []).length > 0) await kube.mergePatch(o, { metadata: { finalizers: null } });
      }
    }
    for (const k of crds) await kube.delete(asObject(k));
    kube.forgetKinds();
    for (const k of namespaces) {
      await kube.delete(asObject(k));
      await this.#until(`namespace ${k.name} to go`, async () => (await kube.get(asObject(k))) === undefined, 120_000);
    }
  }

  // --- flux configurations ---------------------------------------------------------------------

  async #applyConfiguration(r: GenericRecord, protectedSettings: Readonly<Record<string, string>> | undefined): Promise<void> {
    const scope = r.id.slice(0, r.id.toLowerCase().indexOf("/providers/microsoft.kubernetesconfiguration/"));
    const extension = this.#o.store.under(scope).find((x): x is GenericRecord => x.kind === "generic" && isFluxExtension(x) && x.deleteOperation === undefined && x.failed !== true);
    const installing = extension?.operation === undefined ? undefined : this.#o.store.operation(extension.operation);
    if (extension === undefined || (installing?.kind === "genericPut" && (installing.agent === "running" || installing.failure !== undefined))) {
      throw new AgentFailure("FluxExtensionNotInstalled", `The microsoft.flux extension is not installed on the cluster '${scope.split("/").at(-1)}': create a Microsoft.KubernetesConfiguration/extensions resource with extensionType microsoft.flux on it first (and make the fluxConfiguration depend on it).`);
    }
    const kube = this.#client();
    const before = Array.isArray(r.assigned["applied"]) ? (r.assigned["applied"] as unknown as Installed[]) : [];
    // HTTPS credentials: `httpsUser` and the base64 `httpsKey` of the protected settings go into a
    // Secret `<configuration>-auth` (name GUESS) the GitRepository names; an update that does not
    // send the key again keeps the Secret there.
    const git = (propsOf(r)["gitRepository"] as Props | undefined) ?? {};
    const key = protectedSettings?.["httpsKey"];
    const secretName = `${r.name}-auth`;
    const namespace = String(propsOf(r)["namespace"] ?? "default");
    let secret: KubeJson | undefined;
    if (typeof git["httpsUser"] === "string" && key !== undefined) {
      secret = { apiVersion: "v1", kind: "Secret", metadata: { name: secretName, namespace, labels: { "iac.dev/flux-configuration": r.name } }, type: "Opaque", stringData: { username: git["httpsUser"], password: Buffer.from(key, "base64").toString("utf8") } };
    }
    const keepSecret = secret === undefined && before.some((k) => k.kind === "Secret" && k.name === secretName);
    const objects = fluxConfigurationObjects(r, secret !== undefined || keepSecret ? secretName : undefined);
    await kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }, FIELD_MANAGER);
    if (secret !== undefined) await kube.apply(secret, FIELD_MANAGER);
    for (const o of objects) await kube.apply(o, FIELD_MANAGER);
    if (secret !== undefined || keepSecret) objects.push({ apiVersion: "v1", kind: "Secret", metadata: { name: secretName, namespace } });
    const now = new Set(objects.map((o) => `${o.kind}/${o.metadata.name}`));
    for (const k of before) if (!now.has(`${k.kind}/${k.name}`)) await kube.delete(asObject(k));
    this.#update(r.id, { applied: objects.map(keyOf) as unknown as Json, error: null });
  }

  async #deleteConfiguration(r: GenericRecord): Promise<void> {
    const kube = this.#client();
    const applied = Array.isArray(r.assigned["applied"]) ? (r.assigned["applied"] as unknown as Installed[]) : [];
    // Kustomizations first: with prune, Flux garbage-collects what they applied while the source is still there.
    const ordered = [...applied.filter((k) => k.kind === "Kustomization"), ...applied.filter((k) => k.kind !== "Kustomization")];
    for (const k of ordered) await kube.delete(asObject(k));
    for (const k of ordered) await this.#until(`${k.kind} ${k.namespace}/${k.name} to go`, async () => (await kube.get(asObject(k))) === undefined, 120_000);
  }

  /** What the fluxconfig agent reports to Azure about each configuration. */
  async #report(): Promise<void> {
    const configs = this.#o.store.all().filter((r): r is GenericRecord => r.kind === "generic" && r.type.toLowerCase() === CONFIGURATIONS && r.deleteOperation === undefined && Array.isArray(r.assigned["applied"]));
    if (configs.length === 0) return;
    const kube = this.#client();
    for (const r of configs) {
      const statuses: Props[] = [];
      let source: KubeJson | undefined;
      for (const k of (r.assigned["applied"] as unknown as Installed[]).filter((x) => x.kind === "GitRepository" || x.kind === "Kustomization")) {
        const o = await kube.get(asObject(k)).catch(() => undefined);
        if (k.kind === "GitRepository") source = o;
        const ready = readyOf(o);
        const compliance = ready?.status === "True" ? "Compliant" : ready?.status === "False" && !/progress/i.test(ready.reason ?? "") ? "Non-Compliant" : "Pending";
        statuses.push({
          name: k.name,
          namespace: k.namespace,
          kind: k.kind,
          complianceState: compliance,
          statusConditions: ((o?.["status"] as { conditions?: Condition[] } | undefined)?.conditions ?? []).map((c) => ({ lastTransitionTime: c.lastTransitionTime, message: c.message, reason: c.reason, status: c.status, type: c.type })),
        });
      }
      const states = statuses.map((s) => s["complianceState"]);
      const complianceState = propsOf(r)["suspend"] === true ? "Suspended" : states.includes("Non-Compliant") ? "Non-Compliant" : states.every((s) => s === "Compliant") ? "Compliant" : "Pending";
      const artifact = (source?.["status"] as { artifact?: { revision?: string; lastUpdateTime?: string } } | undefined)?.artifact;
      const status = { complianceState, statuses, sourceSyncedCommitId: artifact?.revision ?? "", sourceUpdatedAt: artifact?.lastUpdateTime ?? null };
      const prior = r.assigned["status"] as Props | undefined;
      const { statusUpdatedAt: _t, ...priorRest } = prior ?? {};
      if (JSON.stringify(priorRest) === JSON.stringify(status)) continue;
      this.#update(r.id, { status: { ...status, statusUpdatedAt: new Date().toISOString() } as unknown as Json });
    }
  }

  /** Merge into a record's `assigned` (null removes a key). */
  #update(id: string, values: Record<string, unknown>): void {
    const live = this.#o.store.get(id);
    if (live?.kind !== "generic") return;
    const assigned: Record<string, unknown> = { ...live.assigned };
    for (const [k, v] of Object.entries(values)) {
      if (v === null) delete assigned[k];
      else assigned[k] = v;
    }
    this.#o.store.put({ ...live, assigned: assigned as Json });
  }

  async #until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await check())) {
      if (this.#closed) throw new Error(`stopped while waiting for ${what}`);
      if (Date.now() > end) throw new AgentFailure("ExtensionOperationFailed", `timed out waiting for ${what}`);
      await sleep(200);
    }
  }
}
