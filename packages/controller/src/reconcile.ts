/**
 * One reconciliation of one Stack (docs/decisions/0011-iac-controller.md): check the spec, wait for
 * `dependsOn`, fetch the source (verify, unpack), copy the project into the Stack's own work
 * directory, open it with the automation API, set the config, then `up` (a new revision or
 * generation) or look for drift first (`preview` with refresh; correct it with `up`, or only report
 * it); write the outputs, the status and an Event. The caller (the controller's queue) makes sure
 * one Stack has one reconciliation at a time, and requeues it after `requeueAfterMs`.
 */
import { createHash } from "node:crypto";
import { copyFile, cp, mkdir, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { LocalWorkspace, type EngineEvent, type Stack, type UpdateResult } from "@iac/automation";
import { findCondition, isReady, removeCondition, setCondition, type ConditionInput } from "./conditions.js";
import { formatDuration } from "./duration.js";
import { ControllerError } from "./errors.js";
import { fluxEvent, kubernetesEvent, postFluxEvent, type StackEvent, CONTROLLER_NAME } from "./events.js";
import { KubeApiError, objectPath, type Kube, type KubeObject } from "./kube.js";
import { fetchArtifact, fetchGit, type Artifact, type FetchedSource, type GitCredentials } from "./source.js";
import { API_VERSION, FINALIZER, KIND, keyOf, parseSpec, PLURAL, REQUESTED_AT, type LastUpdate, type StackObject, type StackSpec, type StackStatus } from "./spec.js";

/** What a reconciliation needs from the controller. */
export interface ReconcileContext {
  readonly kube: Kube;
  /** Sources and per-Stack work directories; must sit under a directory whose node_modules has the programs' packages (@iac/*). */
  readonly workDir: string;
  /** The state backend URL of a Stack without `spec.backend.url`. */
  readonly defaultBackend: (namespace: string, name: string) => string;
  /** Where a Flux source's artifact URL is rewritten to (`--artifact-host`), e.g. when the controller runs outside the cluster. */
  readonly rewriteArtifactUrl?: (url: string) => string;
  /** notification-controller's event address (`--events-addr`). */
  readonly eventsAddr?: string;
  /** This replica's name (Events' `reportingInstance`). */
  readonly instance: string;
  /** How long a Stack waits for a dependency before it looks again (Flux's `--requeue-dependency`). */
  readonly requeueDependencyMs: number;
  /** The kubeconfig the controller uses (for `kubernetes://` state backends); undefined: in-cluster or the default. */
  readonly kubeconfig?: string;
  /** The controller is stopping: the update in flight stops as a first Ctrl-C does. */
  readonly signal: AbortSignal;
  readonly now: () => Date;
  readonly log: (line: string) => void;
  /** Every engine event of each Stack's preview and up, with the Stack's `namespace/name` (metrics, tests). */
  readonly onUpdateEvent?: (key: string, event: EngineEvent) => void;
}

/** What the queue should do next with the Stack. */
export interface ReconcileResult {
  /** Reconcile again after this long (undefined: only when the Stack changes). */
  readonly requeueAfterMs?: number;
}

const stackPath = (namespace: string, name?: string) => objectPath({ apiVersion: API_VERSION, plural: PLURAL, namespace, ...(name !== undefined ? { name } : {}) });

const SOURCE_PLURAL: Readonly<Record<string, { apiVersion: string; plural: string }>> = {
  GitRepository: { apiVersion: "source.toolkit.fluxcd.io/v1", plural: "gitrepositories" },
  // v1 since Flux 2.6; Flux 2.9 serves no v1beta2 (gotk-components-v2.9.4.yaml).
  OCIRepository: { apiVersion: "source.toolkit.fluxcd.io/v1", plural: "ocirepositories" },
  Bucket: { apiVersion: "source.toolkit.fluxcd.io/v1", plural: "buckets" },
};

const exists = (path: string) => stat(path).then(() => true, () => false);
const decode = (v: unknown) => (typeof v === "string" ? Buffer.from(v, "base64").toString("utf8") : undefined);

/** A Stack's reconciliation; `obj` is the Stack as last seen (it is read again first). */
export async function reconcile(ctx: ReconcileContext, key: string): Promise<ReconcileResult> {
  const [namespace, name] = key.split("/") as [string, string];
  const obj = await ctx.kube.get<StackObject>(stackPath(namespace, name));
  if (obj === undefined) return {};
  return new Reconciliation(ctx, obj).run();
}

class Reconciliation {
  readonly #ctx: ReconcileContext;
  #obj: StackObject;
  #status: StackStatus;
  readonly #ns: string;

  readonly #onEvent: ((event: EngineEvent) => void) | undefined;

  constructor(ctx: ReconcileContext, obj: StackObject) {
    this.#ctx = ctx;
    const forward = ctx.onUpdateEvent;
    this.#onEvent = forward ? (event) => forward(keyOf(obj), event) : undefined;
    this.#obj = obj;
    this.#status = obj.status ?? {};
    this.#ns = obj.metadata.namespace ?? "default";
  }

  get #generation(): number | undefined {
    return this.#obj.metadata.generation;
  }

  async run(): Promise<ReconcileResult> {
    const obj = this.#obj;
    let spec: StackSpec;
    try {
      spec = parseSpec(obj);
    } catch (e) {
      if (!(e instanceof ControllerError) || e.code !== "InvalidSpec") throw e;
      if (obj.metadata.deletionTimestamp) return this.#releaseFinalizer();
      // Retrying cannot help: Stalled until the spec changes (a new generation is queued by the watch).
      await this.#setStatus({ observedGeneration: this.#generation }, [
        { type: "Ready", status: "False", reason: "InvalidSpec", message: e.message },
        { type: "Stalled", status: "True", reason: "InvalidSpec", message: e.message },
      ], ["Reconciling"]);
      await this.#event({ type: "Warning", reason: "InvalidSpec", message: e.message });
      return {};
    }
    if (obj.metadata.deletionTimestamp) return this.#finalize(spec);
    await this.#syncFinalizer(spec);
    if (spec.suspend) {
      this.#ctx.log(`${keyOf(obj)}: suspended, not reconciled`);
      return {};
    }
    const requestedAt = obj.metadata.annotations?.[REQUESTED_AT];
    const handled = requestedAt !== undefined ? { lastHandledReconcileAt: requestedAt } : {};

    for (const dep of spec.dependsOn) {
      const other = await this.#ctx.kube.get<StackObject>(stackPath(dep.namespace, dep.name));
      if (other === undefined || !isReady(other)) {
        const message = `dependency '${dep.namespace}/${dep.name}' is not ready`;
        await this.#setStatus({ ...handled }, [{ type: "Ready", status: "False", reason: "DependencyNotReady", message }], ["Reconciling", "Stalled"]);
        this.#ctx.log(`${keyOf(obj)}: ${message}, retrying in ${formatDuration(this.#ctx.requeueDependencyMs)}`);
        return { requeueAfterMs: this.#ctx.requeueDependencyMs };
      }
    }

    await this.#setStatus({}, [
      { type: "Reconciling", status: "True", reason: "Progressing", message: "reconciliation in progress" },
      ...(findCondition(this.#status.conditions, "Ready") === undefined ? [{ type: "Ready", status: "Unknown", reason: "Progressing", message: "reconciliation in progress" } as const] : []),
    ], ["Stalled"]);

    let source: FetchedSource;
    try {
      source = await this.#fetchSource(spec);
    } catch (e) {
      const message = (e as Error).message;
      await this.#setStatus({ ...handled }, [{ type: "Ready", status: "False", reason: "ArtifactFailed", message }], ["Reconciling"]);
      await this.#event({ type: "Warning", reason: "ArtifactFailed", message });
      return { requeueAfterMs: spec.retryIntervalMs };
    }
    return this.#update(spec, source, handled);
  }

  /** Fetch, open, configure, then up / drift check; status and Event from the outcome. */
  async #update(spec: StackSpec, source: FetchedSource, handled: Partial<StackStatus>): Promise<ReconcileResult> {
    const start = this.#ctx.now();
    const newWork = source.revision !== this.#status.lastAppliedRevision || this.#generation !== this.#status.observedGeneration || this.#lastFailed();
    let operation = "up";
    let result: UpdateResult | undefined;
    let drift: StackStatus["drift"];
    const timeout = AbortSignal.timeout(spec.timeoutMs);
    const signal = AbortSignal.any([timeout, this.#ctx.signal]);
    try {
      const stack = await this.#openStack(spec, source);
      await this.#breakStaleLock(stack, spec);
      if (!newWork && spec.driftMode !== "disabled") {
        operation = "drift check";
        const preview = await stack.preview({ refresh: true, signal, onEvent: this.#onEvent, command: `iac controller: drift check of ${keyOf(this.#obj)}` });
        drift = { detected: preview.summary.changes, checkedAt: this.#ctx.now().toISOString(), ...(preview.summary.changes ? { resourceChanges: changedCounts(preview.summary.resourceChanges) } : {}) };
        if (preview.summary.changes) {
          await this.#event({ type: "Warning", reason: "DriftDetected", message: `Drift detected at revision ${source.revision}: ${describeCounts(changedCounts(preview.summary.resourceChanges))}${spec.driftMode === "warn" ? " (driftDetection.mode is warn: not corrected)" : "; correcting it"}`, revision: source.revision });
        }
        if (!preview.summary.changes || spec.driftMode === "warn") result = preview;
        else operation = "up";
      }
      if (result === undefined) {
        result = await stack.up({ refresh: spec.driftMode === "enabled", signal, onEvent: this.#onEvent, command: `iac controller: up of ${keyOf(this.#obj)} at ${source.revision}` });
        await this.#writeOutputs(spec, stack);
      }
    } catch (e) {
      const err = e as Error & { code?: string; result?: UpdateResult };
      const message = timeout.aborted
        ? `${operation} timed out after ${formatDuration(spec.timeoutMs)} (spec.timeout): no new step was started; what finished is recorded. ${err.message}`
        : err.message;
      const failed: LastUpdate = lastUpdate(operation, err.result, { revision: source.revision, start, end: this.#ctx.now(), error: message, result: err.code === "Interrupted" ? "interrupted" : "failed" });
      await this.#setStatus({ ...handled, lastAttemptedRevision: source.revision, observedGeneration: this.#generation, lastUpdate: failed },
        [{ type: "Ready", status: "False", reason: "ReconciliationFailed", message }], ["Reconciling"]);
      await this.#event({ type: "Warning", reason: "ReconciliationFailed", message: `${operation} failed at revision ${source.revision}: ${message}`, revision: source.revision });
      return { requeueAfterMs: spec.retryIntervalMs };
    }
    const done = result!;
    const summary = lastUpdate(operation, done, { revision: source.revision, start, end: this.#ctx.now(), result: "succeeded" });
    const driftNote = drift?.detected && spec.driftMode === "warn" ? `; drift detected: ${describeCounts(drift.resourceChanges ?? {})} (not corrected: driftDetection.mode is warn)` : "";
    const applied = operation === "up" ? source.revision : (this.#status.lastAppliedRevision ?? source.revision);
    await this.#setStatus({
      ...handled,
      observedGeneration: this.#generation,
      lastAppliedRevision: applied,
      lastAttemptedRevision: source.revision,
      lastUpdate: summary,
      ...(drift ? { drift } : {}),
      ...(operation === "up" ? { outputs: this.#outputsStatus(spec, done) } : {}),
    }, [{ type: "Ready", status: "True", reason: "ReconciliationSucceeded", message: `Applied revision: ${applied}${driftNote}` }], ["Reconciling", "Stalled"]);
    if (operation === "up" && (done.summary.changes || newWork)) {
      await this.#event({ type: "Normal", reason: "ReconciliationSucceeded", message: `Applied revision: ${source.revision}: ${describeCounts(done.summary.resourceChanges)} in ${formatDuration(done.summary.durationMs)}`, revision: source.revision });
    }
    return { requeueAfterMs: spec.intervalMs };
  }

  /**
   * A lock left by a controller that was killed mid-update (its process is visibly gone: same host,
   * pid not running) is broken, so the Stack resumes: the next update resolves the pending
   * operations the killed one left, as `iac up` after `iac cancel` does. A lock held by anything
   * else (a person's `iac up`, a live controller, a holder on another host) is left alone: the
   * update fails with `StackLocked`, naming the holder, and is retried.
   */
  async #breakStaleLock(stack: Stack, spec: StackSpec): Promise<void> {
    const backend = stack.workspace.backend;
    const status = await backend.lockStatus(spec.stack);
    if (status?.liveness !== "gone" || !status.holder?.command.startsWith("iac controller:")) return;
    await backend.breakLock(spec.stack, { expected: status });
    await this.#event({ type: "Normal", reason: "Progressing", message: `Broke the stack's stale lock: it was held by \`${status.holder.command}\` (pid ${status.holder.pid} on ${status.holder.host}), and ${status.reason}. This update resolves what that one left pending.` });
  }

  #lastFailed(): boolean {
    return findCondition(this.#status.conditions, "Ready")?.reason === "ReconciliationFailed";
  }

  async #fetchSource(spec: StackSpec): Promise<FetchedSource> {
    const cache = join(this.#ctx.workDir, "sources");
    const source = spec.source;
    switch (source.kind) {
      case "flux": {
        const kind = SOURCE_PLURAL[source.sourceKind]!;
        const obj = await this.#ctx.kube.get<KubeObject & { status?: { artifact?: Artifact } }>(objectPath({ ...kind, namespace: source.namespace, name: source.name }));
        if (obj === undefined) throw new ControllerError(`Source '${source.sourceKind}/${source.namespace}/${source.name}' not found`, { code: "ArtifactFailed" });
        const artifact = obj.status?.artifact;
        if (artifact?.url === undefined) throw new ControllerError(`Source artifact not found, retrying in ${formatDuration(spec.retryIntervalMs)}`, { code: "ArtifactFailed" });
        const url = this.#ctx.rewriteArtifactUrl ? this.#ctx.rewriteArtifactUrl(artifact.url) : artifact.url;
        return fetchArtifact({ ...artifact, url }, join(cache, "flux", source.namespace, `${source.sourceKind}-${source.name}`), { signal: this.#ctx.signal });
      }
      case "git": {
        let credentials: GitCredentials | undefined;
        if (source.secretName !== undefined) {
          const secret = await this.#ctx.kube.get<{ data?: Record<string, string> }>(objectPath({ apiVersion: "v1", plural: "secrets", namespace: this.#ns, name: source.secretName }));
          if (secret === undefined) throw new ControllerError(`failed to get secret '${this.#ns}/${source.secretName}' (spec.git.secretRef): secrets "${source.secretName}" not found`, { code: "ArtifactFailed" });
          const d = secret.data ?? {};
          credentials = { ...(d["username"] ? { username: decode(d["username"]) } : {}), ...(d["password"] ? { password: decode(d["password"]) } : {}), ...(d["bearerToken"] ? { bearerToken: decode(d["bearerToken"]) } : {}) };
        }
        // Per repository, not per Stack: Stacks on one repository share each revision's files (read only; each Stack copies them).
        const repo = createHash("sha256").update(source.url).digest("hex").slice(0, 16);
        return fetchGit(source, join(cache, "git", repo), { ...(credentials ? { credentials } : {}), signal: this.#ctx.signal });
      }
      default: {
        const never: never = source;
        return never;
      }
    }
  }

  /** The project, copied from the source into this Stack's own directory (config files are written there), opened as a workspace. */
  async #openStack(spec: StackSpec, source: FetchedSource): Promise<Stack> {
    const own = join(this.#ctx.workDir, "stacks", this.#ns, this.#obj.metadata.name);
    await rm(own, { recursive: true, force: true });
    await mkdir(own, { recursive: true });
    await cp(source.dir, own, { recursive: true });
    const projectDir = spec.path === "." ? own : join(own, spec.path);
    // The stack config file holds the secrets' salt and key check: the one written by an earlier
    // reconciliation is put back (unless the source has its own), or secrets in the state could
    // not be decrypted any more.
    const configName = `iac.${spec.stack}.yaml`;
    const kept = join(this.#ctx.workDir, "config", this.#ns, this.#obj.metadata.name, configName);
    if (!(await exists(join(projectDir, configName))) && (await exists(kept))) await copyFile(kept, join(projectDir, configName));
    const envVars: Record<string, string> = this.#ctx.kubeconfig !== undefined ? { IAC_KUBECONFIG: this.#ctx.kubeconfig } : {};
    if (spec.passphrase) envVars["IAC_CONFIG_PASSPHRASE"] = await this.#secretValue(spec.passphrase.secretName, spec.passphrase.key, "spec.backend.passphraseSecretRef");
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName: spec.stack, workDir: projectDir },
      { backendUrl: spec.backendUrl ?? this.#ctx.defaultBackend(this.#ns, this.#obj.metadata.name), envVars, onWarning: (m) => this.#ctx.log(`${keyOf(this.#obj)}: ${m}`) },
    );
    for (const [key, entry] of Object.entries(spec.config)) {
      if (entry.kind === "value") await stack.setConfig(key, { value: entry.value });
      else await stack.setConfig(key, { value: await this.#secretValue(entry.secretName, entry.key, `spec.config.${key}.secretKeyRef`), secret: true });
    }
    // Makes the secrets' salt now (when the file has none), so the file kept below has it.
    await stack.workspace.crypter(spec.stack);
    if (await exists(join(projectDir, configName))) {
      await mkdir(dirname(kept), { recursive: true });
      await copyFile(join(projectDir, configName), kept);
    }
    return stack;
  }

  async #secretValue(name: string, key: string, field: string): Promise<string> {
    const secret = await this.#ctx.kube.get<{ data?: Record<string, string> }>(objectPath({ apiVersion: "v1", plural: "secrets", namespace: this.#ns, name }));
    if (secret === undefined) throw new ControllerError(`Secret '${this.#ns}/${name}' named by ${field} not found: create it, or fix ${field}.name.`, { code: "SecretNotFound" });
    const value = decode(secret.data?.[key]);
    if (value === undefined) throw new ControllerError(`Secret '${this.#ns}/${name}' named by ${field} has no key "${key}" (it has ${Object.keys(secret.data ?? {}).join(", ") || "none"}).`, { code: "SecretNotFound" });
    return value;
  }

  /** The outputs into the ConfigMap (plain values) and, when the spec names one, the Secret (secret values). */
  async #writeOutputs(spec: StackSpec, stack: Stack): Promise<void> {
    const outputs = await stack.outputs();
    const plain: Record<string, string> = {};
    const secret: Record<string, string> = {};
    for (const [k, v] of Object.entries(outputs)) {
      const text = typeof v.value === "string" ? v.value : JSON.stringify(v.value ?? null);
      if (v.secret) secret[k] = Buffer.from(text).toString("base64");
      else plain[k] = text;
    }
    const owner = this.#obj.metadata.uid ? { ownerReferences: [{ apiVersion: API_VERSION, kind: KIND, name: this.#obj.metadata.name, uid: this.#obj.metadata.uid, controller: true, blockOwnerDeletion: false }] } : {};
    const meta = (name: string) => ({ name, namespace: this.#ns, labels: { "iac.dev/stack": this.#obj.metadata.name }, ...owner });
    await this.#ctx.kube.call("PUT", objectPath({ apiVersion: "v1", plural: "configmaps", namespace: this.#ns, name: spec.outputs.configMap }), { apiVersion: "v1", kind: "ConfigMap", metadata: meta(spec.outputs.configMap), data: plain })
      .catch(async (e) => {
        if (!(e instanceof KubeApiError) || e.status !== 404) throw e;
        await this.#ctx.kube.call("POST", objectPath({ apiVersion: "v1", plural: "configmaps", namespace: this.#ns }), { apiVersion: "v1", kind: "ConfigMap", metadata: meta(spec.outputs.configMap), data: plain });
      });
    if (spec.outputs.secret !== undefined) {
      const body = { apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: meta(spec.outputs.secret), data: secret };
      await this.#ctx.kube.call("PUT", objectPath({ apiVersion: "v1", plural: "secrets", namespace: this.#ns, name: spec.outputs.secret }), body).catch(async (e) => {
        if (!(e instanceof KubeApiError) || e.status !== 404) throw e;
        await this.#ctx.kube.call("POST", objectPath({ apiVersion: "v1", plural: "secrets", namespace: this.#ns }), body);
      });
    }
  }

  #outputsStatus(spec: StackSpec, result: UpdateResult): StackStatus["outputs"] {
    return { configMap: spec.outputs.configMap, ...(spec.outputs.secret ? { secret: spec.outputs.secret } : {}), names: Object.keys(result.outputs).sort() };
  }

  /** Holds the finalizer while `destroyOnDelete` is set (and only then). */
  async #syncFinalizer(spec: StackSpec): Promise<void> {
    const has = this.#obj.metadata.finalizers?.includes(FINALIZER) === true;
    if (has === spec.destroyOnDelete) return;
    const finalizers = spec.destroyOnDelete ? [...(this.#obj.metadata.finalizers ?? []), FINALIZER] : (this.#obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
    // resourceVersion: a conflict (someone else changed the list) fails the patch instead of losing their finalizer.
    this.#obj = await this.#ctx.kube.mergePatch<StackObject>(stackPath(this.#ns, this.#obj.metadata.name), { metadata: { finalizers, resourceVersion: this.#obj.metadata.resourceVersion } });
  }

  /** A Stack being deleted: destroy its resources when `destroyOnDelete` says so, then let it go. */
  async #finalize(spec: StackSpec): Promise<ReconcileResult> {
    if (!this.#obj.metadata.finalizers?.includes(FINALIZER)) return {};
    if (spec.destroyOnDelete) {
      const start = this.#ctx.now();
      try {
        const source = await this.#fetchSource(spec);
        const stack = await this.#openStack(spec, source);
        const result = await stack.destroy({ signal: AbortSignal.any([AbortSignal.timeout(spec.timeoutMs), this.#ctx.signal]), command: `iac controller: destroy of ${keyOf(this.#obj)}` });
        await this.#event({ type: "Normal", reason: "ReconciliationSucceeded", message: `Destroyed the stack's resources (destroyOnDelete): ${describeCounts(result.summary.resourceChanges)} in ${formatDuration(result.summary.durationMs)}` });
      } catch (e) {
        const message = `destroy failed (destroyOnDelete; the Stack is kept until it succeeds): ${(e as Error).message}`;
        const err = e as { result?: UpdateResult };
        await this.#setStatus({ lastUpdate: lastUpdate("destroy", err.result, { start, end: this.#ctx.now(), error: message, result: "failed" }) }, [{ type: "Ready", status: "False", reason: "ReconciliationFailed", message }], ["Reconciling"]);
        await this.#event({ type: "Warning", reason: "ReconciliationFailed", message });
        return { requeueAfterMs: spec.retryIntervalMs };
      }
    }
    return this.#releaseFinalizer();
  }

  async #releaseFinalizer(): Promise<ReconcileResult> {
    if (!this.#obj.metadata.finalizers?.includes(FINALIZER)) return {};
    const finalizers = this.#obj.metadata.finalizers.filter((f) => f !== FINALIZER);
    await this.#ctx.kube.mergePatch(stackPath(this.#ns, this.#obj.metadata.name), { metadata: { finalizers, resourceVersion: this.#obj.metadata.resourceVersion } }).catch((e) => {
      if (!(e instanceof KubeApiError) || e.status !== 404) throw e;
    });
    return {};
  }

  /** One merge patch of the status subresource: `fields` and the conditions set/removed. */
  async #setStatus(fields: Partial<StackStatus>, set: readonly ConditionInput[], remove: readonly ConditionInput["type"][]): Promise<void> {
    const now = this.#ctx.now().toISOString().replace(/\.\d+Z$/, "Z");
    let conditions = this.#status.conditions;
    for (const type of remove) conditions = removeCondition(conditions, type);
    for (const c of set) conditions = setCondition(conditions, c, this.#generation, now);
    const status: StackStatus = { ...this.#status, ...fields, conditions };
    try {
      // A merge patch merges nested objects: what the new status no longer has is sent as null.
      const updated = await this.#ctx.kube.mergePatch<StackObject>(`${stackPath(this.#ns, this.#obj.metadata.name)}/status`, { status: replacing(this.#status, status) });
      this.#status = updated.status ?? status;
    } catch (e) {
      // Deleted meanwhile: nothing left to report on.
      if (e instanceof KubeApiError && e.status === 404) return;
      throw e;
    }
  }

  async #event(event: StackEvent): Promise<void> {
    const now = this.#ctx.now();
    const body = kubernetesEvent(this.#obj, event, { now, instance: this.#ctx.instance });
    await this.#ctx.kube.call("POST", objectPath({ apiVersion: "v1", plural: "events", namespace: this.#ns }), body).catch((e: Error) => this.#ctx.log(`${keyOf(this.#obj)}: the event could not be recorded: ${e.message}`));
    if (this.#ctx.eventsAddr !== undefined) {
      const failed = await postFluxEvent(this.#ctx.eventsAddr, fluxEvent(this.#obj, event, { now }));
      if (failed) this.#ctx.log(`${keyOf(this.#obj)}: the event could not be sent to ${this.#ctx.eventsAddr}: ${failed.message}`);
    }
    this.#ctx.log(`${keyOf(this.#obj)}: ${event.type} ${event.reason}: ${event.message}`);
  }
}

/** A JSON merge patch that turns `old` into `next`: `next`, with null for every key of `old` that `next` lacks (objects recursively). */
export function replacing(old: unknown, next: unknown): unknown {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(old) || !isObject(next)) return next;
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(old)) if (!(key in next) || next[key] === undefined) patch[key] = null;
  for (const [key, value] of Object.entries(next)) if (value !== undefined) patch[key] = replacing(old[key], value);
  return patch;
}

/** Counts of the steps that change the cloud (not `same`, nor the `refresh` reads that found the drift). */
function changedCounts(counts: Readonly<Partial<Record<string, number>>>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([k, v]) => k !== "same" && k !== "refresh" && (v ?? 0) > 0)) as Record<string, number>;
}

/** `1 create, 2 same`; `no changes` when empty. */
export function describeCounts(counts: Readonly<Partial<Record<string, number>>>): string {
  const parts = Object.entries(counts).filter(([, v]) => (v ?? 0) > 0).map(([k, v]) => `${v} ${k}`);
  return parts.length > 0 ? parts.join(", ") : "no changes";
}

function lastUpdate(operation: string, result: UpdateResult | undefined, o: { revision?: string; start: Date; end: Date; error?: string; result: LastUpdate["result"] }): LastUpdate {
  return {
    operation,
    result: o.result,
    ...(o.revision ? { revision: o.revision } : {}),
    startTime: o.start.toISOString(),
    endTime: o.end.toISOString(),
    durationMs: o.end.getTime() - o.start.getTime(),
    resourceChanges: (result?.summary.resourceChanges ?? {}) as Record<string, number>,
    ...(result?.summary.failed ? { failed: result.summary.failed } : {}),
    ...(o.error ? { error: o.error } : {}),
  };
}

export { CONTROLLER_NAME };
