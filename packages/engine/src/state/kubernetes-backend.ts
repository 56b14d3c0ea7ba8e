/**
 * The `kubernetes://<namespace>[/<prefix>]` backend: a stack's state in Kubernetes Secrets, for
 * stacks that the iac controller runs in a cluster (docs/state-format.md, "Kubernetes backend").
 * The file backend's format and rules (journal, replay, compaction by generation, secrets
 * encrypted by the stack's key before anything is written); only the storage differs. Every
 * object is named `<prefix>-<project>-<stack>...` (lowercased, a hash appended when it had to be
 * changed) and labelled `iac.dev/state=<prefix>`, `iac.dev/project`, `iac.dev/stack`, `iac.dev/role`:
 *
 * - head Secret `<base>`: the snapshot's `generation`, its shard count and sha256; written last in
 *   a compaction, with the `resourceVersion` that was read (of two writers only one wins);
 * - snapshot shards `<base>-g<generation>-<i>`: the snapshot text in pieces of at most 512 KiB,
 *   below the 1 MiB object limit, however large the stack;
 * - journal segments `<base>-j<generation>-<i>`: the journal's lines, appended (group commit) by
 *   conditional updates, a new segment past 512 KiB;
 * - lock Secret `<base>-lock`: created exclusively (409: held), its holder in it; renewed while
 *   held (`renewTime` rewritten every 10 s by a conditional update), so a holder that died on
 *   another host is seen as gone once it has not renewed for 60 s; released by a delete
 *   conditional on its uid. A holder that finds its lock deleted or replaced (broken by `iac
 *   cancel`, or by a controller that saw it expire), or cannot renew it before it would expire,
 *   stops the run (`lost`);
 * - history entries `<base>-h<seq>` (and `-<part>` when an entry is larger than a shard): one
 *   per `up`/`destroy`/`refresh`, gzipped, the newest 1,000 kept (history.ts's format and retention).
 *
 * Credentials: `IAC_KUBECONFIG`, else `KUBECONFIG`, else the pod's service account, else
 * `~/.kube/config` (token, client certificate, CA).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { RequestOptions } from "node:http";
import { homedir, hostname } from "node:os";
import { gunzipSync, gzipSync } from "node:zlib";
import { parse as parseYaml } from "yaml";
import { KubeHttpError, kubeRequest, type KubeEndpoint } from "../kube-http.js";
import { StackLockedError, StateError } from "./errors.js";
import { pidAlive } from "./file-mutex.js";
import { openStateWriter } from "./file-writer.js";
import { GroupCommit } from "./group-commit.js";
import { decodeHistoryEntry, encodeHistoryEntry, expiredHistoryNames, historyName, HISTORY_RETENTION, historySeq, newestHistoryNames, sortHistoryNames } from "./history.js";
import type { JournalHeader } from "./model.js";
import { inDependencyOrder } from "./model.js";
import { nextGeneration, readConsistently, replay, type RawState as StoredState } from "./replay.js";
import { decryptStored, encryptSecrets, secretsProviderOf, withProvider } from "./secret-codec.js";
import { assertStackEmpty, stackExistsError, stackNotFoundError } from "./stack-errors.js";
import { assertValidStackName } from "./stack-name.js";
import type { Backend, Crypter, HistoryEntry, Lock, LockInfo, LockStatus, Snapshot, StackSummary, StateWriter } from "./types.js";

/** Largest piece of text in one Secret (base64 makes it ~683 KiB, below the 1 MiB limit). */
export const SHARD_BYTES = 512 * 1024;

interface Access {
  readonly server: string;
  readonly headers: Record<string, string>;
  readonly tls: Pick<RequestOptions & { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean }, "ca" | "cert" | "key" | "rejectUnauthorized">;
}

interface SecretObject {
  metadata: { name: string; resourceVersion?: string; uid?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
}

/**
 * A list answered with the objects' metadata only (the API server's PartialObjectMetadataList, as
 * `kubectl get -o name` and client-go's metadata informers ask), or else as a plain list.
 */
const METADATA_ONLY = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";

/** Where a history Secret says which entry it holds a part of (also in its data, as written before these annotations). */
const HISTORY_ENTRY = "iac.dev/history-entry";
const HISTORY_PART = "iac.dev/history-part";
const HISTORY_PARTS = "iac.dev/history-parts";

/** One history Secret: part `part` of `parts` of the entry named `entry`; `data` when it was read. */
interface HistoryPart {
  readonly secret: string;
  readonly entry: string;
  readonly part: number;
  readonly parts: number;
  readonly data?: Record<string, string>;
}

/** How often a held lock is renewed, and after how long without a renewal it counts as gone. */
export const LOCK_RENEW_MS = 10_000;
export const LOCK_EXPIRY_MS = 60_000;

export interface KubernetesBackendOptions {
  readonly project: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Default {@link LOCK_RENEW_MS} (tests use less). */
  readonly lockRenewMs?: number;
  /** Default {@link LOCK_EXPIRY_MS}. */
  readonly lockExpiryMs?: number;
  /** History entries kept per stack (default {@link HISTORY_RETENTION}). */
  readonly historyRetention?: number;
}

class KubeStatusError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const unb64 = (text: string | undefined) => (text === undefined ? undefined : Buffer.from(text, "base64").toString("utf8"));

/** The cluster from the environment: `IAC_KUBECONFIG`, `KUBECONFIG`, the pod's service account, `~/.kube/config`. */
export function kubeAccessFromEnv(env: NodeJS.ProcessEnv): Access {
  const file = env.IAC_KUBECONFIG ?? env.KUBECONFIG?.split(":")[0];
  const sa = "/var/run/secrets/kubernetes.io/serviceaccount";
  if (file === undefined && env.KUBERNETES_SERVICE_HOST) {
    try {
      return { server: `https://${env.KUBERNETES_SERVICE_HOST}:${env.KUBERNETES_SERVICE_PORT ?? "443"}`, headers: { authorization: `Bearer ${readFileSync(`${sa}/token`, "utf8").trim()}` }, tls: { ca: readFileSync(`${sa}/ca.crt`) } };
    } catch {
      // not in a pod after all: fall through to ~/.kube/config
    }
  }
  const path = file ?? `${env.HOME ?? homedir()}/.kube/config`;
  let config: Record<string, unknown>;
  try {
    config = parseYaml(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (cause) {
    throw new StateError("StateBackend", `The kubernetes:// backend cannot read the kubeconfig ${path}: ${(cause as Error).message}. Set KUBECONFIG (or IAC_KUBECONFIG), or run in a pod.`, { cause });
  }
  const named = (list: unknown, name: unknown) => (Array.isArray(list) ? (list as { name: string }[]).find((e) => e.name === name) : undefined) as Record<string, Record<string, string>> | undefined;
  const context = named(config["contexts"], config["current-context"])?.["context"];
  const cluster = named(config["clusters"], context?.["cluster"])?.["cluster"];
  const user = named(config["users"], context?.["user"])?.["user"] ?? {};
  if (cluster?.["server"] === undefined) throw new StateError("StateBackend", `The kubeconfig ${path} has no current cluster: set current-context in it.`);
  const fileOrData = (data: string | undefined, file: string | undefined) => (data ? Buffer.from(data, "base64") : file ? readFileSync(file) : undefined);
  const ca = fileOrData(cluster["certificate-authority-data"], cluster["certificate-authority"]);
  const cert = fileOrData(user["client-certificate-data"], user["client-certificate"]);
  const key = fileOrData(user["client-key-data"], user["client-key"]);
  return {
    server: cluster["server"].replace(/\/$/, ""),
    headers: user["token"] ? { authorization: `Bearer ${user["token"]}` } : {},
    tls: { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(String(cluster["insecure-skip-tls-verify"]) === "true" ? { rejectUnauthorized: false } : {}) },
  };
}

/** `kubernetes://<namespace>[/<prefix>]`. */
export function parseKubernetesUrl(url: string): { namespace: string; prefix: string } {
  const m = /^kubernetes:\/\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)(?:\/([a-z0-9]([-a-z0-9]*[a-z0-9])?))?\/?$/.exec(url);
  if (!m) throw new StateError("StateBackend", `The backend URL ${url} is not kubernetes://<namespace>[/<prefix>] (a namespace and an optional name prefix, lowercase letters, digits and "-").`);
  return { namespace: m[1]!, prefix: m[3] ?? "iac" };
}

export function openKubernetesBackend(url: string, options: KubernetesBackendOptions): Backend {
  const { namespace, prefix } = parseKubernetesUrl(url);
  return new KubernetesBackend({ ...options, url, namespace, prefix, access: kubeAccessFromEnv(options.env ?? process.env) });
}

/**
 * A history Secret as a part of an entry: its annotations name the entry, else (written before
 * them, or listed with the data) its data does; undefined when neither does (metadata only of a
 * Secret written without annotations, or a stray).
 */
function historyPartOf(s: SecretObject): HistoryPart | undefined {
  const a = s.metadata.annotations;
  const d = s.data;
  const entry = a?.[HISTORY_ENTRY] ?? unb64(d?.["name"]);
  const part = Number(a?.[HISTORY_PART] ?? unb64(d?.["part"]) ?? Number.NaN);
  const parts = Number(a?.[HISTORY_PARTS] ?? unb64(d?.["parts"]) ?? Number.NaN);
  if (entry === undefined || !Number.isInteger(part) || !Number.isInteger(parts)) return undefined;
  return { secret: s.metadata.name, entry, part, parts, ...(d !== undefined ? { data: d } : {}) };
}

/** History parts by entry name (history.ts's `<time>-<seq>.json`). */
function historyGroups(parts: readonly HistoryPart[]): Map<string, HistoryPart[]> {
  const groups = new Map<string, HistoryPart[]>();
  for (const p of parts) {
    const group = groups.get(p.entry);
    if (group === undefined) groups.set(p.entry, [p]);
    else group.push(p);
  }
  return groups;
}

/** A DNS-1123 name from parts: lowercased, other characters to "-", a hash appended when anything had to change. */
function objectName(...parts: string[]): string {
  const raw = parts.join("-");
  const clean = raw.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 200);
  return clean === raw ? clean : `${clean}-${createHash("sha256").update(raw).digest("hex").slice(0, 8)}`;
}

/** A label value (63 characters of [A-Za-z0-9_.-]). */
const labelValue = (v: string) => (v.length <= 63 && /^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/.test(v) ? v : createHash("sha256").update(v).digest("hex").slice(0, 40));

type RawState = StoredState<{ readonly text: string; readonly head: SecretObject }>;

class KubernetesBackend implements Backend {
  readonly url: string;
  readonly #endpoint: KubeEndpoint;
  constructor(private readonly o: KubernetesBackendOptions & { url: string; namespace: string; prefix: string; access: Access }) {
    this.url = o.url;
    const { access } = o;
    this.#endpoint = {
      server: access.server,
      prepare: (options: RequestOptions & { headers: Record<string, string> }) => {
        Object.assign(options, access.tls);
        Object.assign(options.headers, access.headers);
      },
    };
  }

  // ---- the REST calls ----

  /** A call on the namespace's Secrets; a 4xx/5xx is a KubeStatusError, no answer a StateError. */
  private async call<T>(method: string, path: string, body?: unknown, query = "", accept?: string): Promise<T> {
    try {
      return await kubeRequest<T>(this.#endpoint, method, `/api/v1/namespaces/${this.o.namespace}/secrets${path}${query}`, body, "application/json", accept);
    } catch (e) {
      if (e instanceof KubeHttpError && e.status === 0) throw new StateError("StateBackend", `The Kubernetes API at ${this.o.access.server} did not answer (${method} secrets${path}): ${e.detail}. Check the cluster and KUBECONFIG.`, { cause: e });
      if (e instanceof KubeHttpError) throw new KubeStatusError(e.status, `${method} secrets${path} in namespace ${this.o.namespace}: ${e.status} ${e.detail}`);
      throw e;
    }
  }

  private async get(name: string): Promise<SecretObject | undefined> {
    try {
      return await this.call<SecretObject>("GET", `/${name}`);
    } catch (e) {
      if (e instanceof KubeStatusError && e.status === 404) return undefined;
      throw this.failed("read", name, e);
    }
  }

  /** The Secrets with these labels; with `metadataOnly`, their metadata (data only from a server that ignores the ask). */
  private async list(selector: Record<string, string>, o: { readonly metadataOnly?: boolean } = {}): Promise<SecretObject[]> {
    const q = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(",");
    try {
      return (await this.call<{ items?: SecretObject[] }>("GET", "", undefined, `?labelSelector=${encodeURIComponent(q)}`, o.metadataOnly ? METADATA_ONLY : undefined)).items ?? [];
    } catch (e) {
      throw this.failed("list", "the state Secrets", e);
    }
  }

  private secret(name: string, role: string, stack: string, data: Record<string, string | Buffer>, resourceVersion?: string, annotations?: Record<string, string>): unknown {
    return {
      apiVersion: "v1",
      kind: "Secret",
      type: "iac.dev/state",
      metadata: { name, namespace: this.o.namespace, ...(resourceVersion ? { resourceVersion } : {}), labels: { "iac.dev/state": this.o.prefix, "iac.dev/project": labelValue(this.o.project), "iac.dev/stack": labelValue(stack), "iac.dev/role": role }, ...(annotations ? { annotations } : {}) },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === "string" ? b64(v) : v.toString("base64")])),
    };
  }

  private async remove(name: string, preconditions?: { uid?: string; resourceVersion?: string }): Promise<void> {
    try {
      await this.call("DELETE", `/${name}`, preconditions ? { apiVersion: "v1", kind: "DeleteOptions", preconditions } : undefined);
    } catch (e) {
      if (e instanceof KubeStatusError && e.status === 404) return;
      throw this.failed("delete", name, e);
    }
  }

  private failed(what: string, name: string, cause: unknown): StateError {
    if (cause instanceof StateError) return cause;
    return new StateError("StateBackend", `Could not ${what} ${name} (${this.url}): ${(cause as Error).message}. The controller's service account needs get, list, create, update and delete on Secrets in namespace ${this.o.namespace}.`, { cause });
  }

  private base(stack: string): string {
    assertValidStackName(stack);
    return objectName(this.o.prefix, this.o.project, stack);
  }

  private where(name: string): string {
    return `${this.url} (Secret ${this.o.namespace}/${name})`;
  }

  // ---- stacks ----

  async listStacks(): Promise<StackSummary[]> {
    const heads = await this.list({ "iac.dev/state": this.o.prefix, "iac.dev/project": labelValue(this.o.project), "iac.dev/role": "head" });
    const out: StackSummary[] = [];
    for (const head of heads) {
      const stack = unb64(head.data?.["stack"]);
      if (stack === undefined) continue;
      const raw = await this.load(stack).catch(() => undefined);
      const lock = await this.lockStatus(stack).catch(() => undefined);
      out.push({ name: stack, current: false, resourceCount: raw?.state.resources.length ?? 0, ...(raw?.state.updated ? { updated: raw.state.updated } : {}), ...(lock?.holder ? { locked: lock.holder } : {}) });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async stackExists(stack: string): Promise<boolean> {
    return (await this.get(this.base(stack))) !== undefined;
  }

  async createStack(stack: string): Promise<void> {
    const name = this.base(stack);
    try {
      await this.call("POST", "", this.secret(name, "head", stack, { stack, project: this.o.project, generation: "0", shards: "0" }));
    } catch (e) {
      if (e instanceof KubeStatusError && e.status === 409) throw stackExistsError(stack, this.url);
      throw this.failed("create", name, e);
    }
  }

  async removeStack(stack: string, options: { readonly force: boolean }): Promise<void> {
    if (!(await this.stackExists(stack))) throw stackNotFoundError(stack, this.url);
    if (!options.force) assertStackEmpty(stack, (await this.load(stack)).state);
    for (const s of await this.list({ "iac.dev/state": this.o.prefix, "iac.dev/project": labelValue(this.o.project), "iac.dev/stack": labelValue(stack) })) await this.remove(s.metadata.name);
  }

  // ---- lock ----

  private get renewMs(): number {
    return this.o.lockRenewMs ?? LOCK_RENEW_MS;
  }

  private get expiryMs(): number {
    return this.o.lockExpiryMs ?? LOCK_EXPIRY_MS;
  }

  /**
   * Takes the lock (an exclusive create) and renews it every {@link LOCK_RENEW_MS} while held. A
   * renewal that finds the lock deleted or replaced (404, or 409 with another uid: `iac cancel`, or
   * a controller that saw it expire) loses it at once; one that fails otherwise (the API server
   * unreachable) is retried, and the lock is lost when no renewal has succeeded for 80% of
   * {@link LOCK_EXPIRY_MS}, before others may count it as gone. Lost: `lost` is aborted with a
   * `StackLockLost` error and the engine stops making cloud calls; the state's conditional writes
   * keep it from overwriting a successor's.
   */
  async lock(stack: string, command: string): Promise<Lock> {
    const name = `${this.base(stack)}-lock`;
    const info: LockInfo = { host: hostname(), pid: process.pid, time: new Date().toISOString(), command };
    const body = (rv?: string) => this.secret(name, "lock", stack, { info: JSON.stringify(info), renewTime: new Date().toISOString(), expirySeconds: String(Math.round(this.expiryMs / 1000)) }, rv);
    let current: SecretObject;
    try {
      current = await this.call<SecretObject>("POST", "", body());
    } catch (e) {
      if (!(e instanceof KubeStatusError && e.status === 409)) throw this.failed("create the lock", name, e);
      const status = await this.lockStatus(stack);
      throw new StackLockedError({ stack, path: this.where(name), ...(status?.holder ? { holder: status.holder } : {}), ...(status?.liveness === "gone" ? { goneBecause: status.reason } : {}) });
    }
    const uid = current.metadata.uid!;
    const lost = new AbortController();
    let lastRenewed = Date.now();
    let renewing = false;
    const lose = (why: string, cause?: unknown) => {
      clearInterval(renewal);
      lost.abort(new StateError("StackLockLost", `The lock of stack "${stack}" (${this.where(name)}) ${why}, so this run stopped making cloud calls: another run may now hold the stack. What it did so far is in its state records; run \`iac refresh\` once no other run is going, to reconcile the state with the cloud.`, cause === undefined ? undefined : { cause }));
    };
    const renewal = setInterval(() => {
      if (renewing || lost.signal.aborted) return;
      renewing = true;
      this.call<SecretObject>("PUT", `/${name}`, body(current.metadata.resourceVersion))
        .then((next) => {
          current = next;
          lastRenewed = Date.now();
        }, async (e: unknown) => {
          if (e instanceof KubeStatusError && (e.status === 404 || e.status === 409)) {
            const now = await this.get(name).catch(() => undefined);
            if (now === undefined || now.metadata.uid !== uid) {
              lose("was broken while this run held it (by `iac cancel`, or by another run that saw it expire)", e);
              return;
            }
            current = now; // changed by hand, still ours: renew from its resourceVersion next time
            return;
          }
          if (Date.now() - lastRenewed > this.expiryMs * 0.8) lose(`could not be renewed for ${Math.round((Date.now() - lastRenewed) / 1000)} s (others count it as gone after ${Math.round(this.expiryMs / 1000)} s): ${(e as Error).message}`, e);
        })
        .finally(() => (renewing = false));
    }, this.renewMs);
    // A forgotten lock must not keep the process alive; it then expires for the others.
    renewal.unref();
    let released: Promise<void> | undefined;
    return {
      info,
      lost: lost.signal,
      release: () => (released ??= (async () => {
        clearInterval(renewal);
        try {
          await this.call("DELETE", `/${name}`, { apiVersion: "v1", kind: "DeleteOptions", preconditions: { uid } });
        } catch (e) {
          // 404: already gone; 409: broken and taken by another run, whose lock this must not touch.
          if (!(e instanceof KubeStatusError && (e.status === 404 || e.status === 409))) throw this.failed("release the lock", name, e);
        }
      })()),
    };
  }

  /**
   * Who holds the lock: on this host, whether its pid runs; on another, whether it was renewed
   * within {@link LOCK_EXPIRY_MS} (a lock without `renewTime`, from an iac that did not renew, is
   * `unknown` there).
   */
  async lockStatus(stack: string): Promise<LockStatus | undefined> {
    const lock = await this.get(`${this.base(stack)}-lock`);
    if (lock === undefined) return undefined;
    let holder: LockInfo | undefined;
    try {
      holder = JSON.parse(unb64(lock.data?.["info"]) ?? "") as LockInfo;
    } catch {
      return { liveness: "unknown", reason: "the lock names no holder" };
    }
    if (holder.host === hostname()) {
      return pidAlive(holder.pid) ? { holder, liveness: "running", reason: `process ${holder.pid} is still running on this host` } : { holder, liveness: "gone", reason: `process ${holder.pid} no longer exists on this host` };
    }
    const renewed = Date.parse(unb64(lock.data?.["renewTime"]) ?? "");
    const expiry = Number(unb64(lock.data?.["expirySeconds"]) ?? NaN) * 1000;
    if (Number.isNaN(renewed) || Number.isNaN(expiry)) return { holder, liveness: "unknown", reason: `it runs on host ${holder.host}, where this process cannot check whether pid ${holder.pid} is still running` };
    const age = Math.max(0, Math.round((Date.now() - renewed) / 1000));
    return Date.now() - renewed > expiry
      ? { holder, liveness: "gone", reason: `its holder on host ${holder.host} has not renewed it for ${age} s (it counts as gone after ${expiry / 1000} s)` }
      : { holder, liveness: "running", reason: `its holder on host ${holder.host} renewed it ${age} s ago` };
  }

  async breakLock(stack: string, options: { readonly expected?: LockStatus } = {}): Promise<LockInfo | undefined> {
    const name = `${this.base(stack)}-lock`;
    const lock = await this.get(name);
    if (lock === undefined) return undefined;
    const holder = JSON.parse(unb64(lock.data?.["info"]) ?? "{}") as LockInfo;
    if (options.expected?.holder && JSON.stringify(options.expected.holder) !== JSON.stringify(holder)) {
      throw new StackLockedError({ stack, path: this.where(name), holder });
    }
    await this.remove(name, { uid: lock.metadata.uid!, resourceVersion: lock.metadata.resourceVersion! });
    return holder;
  }

  // ---- history ----

  /**
   * One entry as Secrets `<base>-h<seq>` (+ `-<part>`): the entry gzipped, in parts of at most
   * {@link SHARD_BYTES}; the first part is created exclusively (409: another process took the
   * number, take the next), the others after it, and an entry counts only once all its parts are
   * there. Then the oldest entries beyond the retention are deleted. The Secrets' annotations name
   * the entry and the part, so that numbering and expiry read the history's metadata only (an
   * `up` of a stack with 1,000 entries does not download them all).
   */
  async appendHistory(stack: string, entry: HistoryEntry): Promise<void> {
    const base = this.base(stack);
    const bytes = gzipSync(encodeHistoryEntry(entry));
    const parts: Buffer[] = [];
    for (let at = 0; at < bytes.length || parts.length === 0; at += SHARD_BYTES) parts.push(bytes.subarray(at, at + SHARD_BYTES));
    let seq = Math.max(0, ...(await this.historyParts(stack)).map((p) => historySeq(p.entry) ?? 0)) + 1;
    for (let attempt = 1; ; attempt++, seq++) {
      const name = historyName(entry.endTime, seq);
      const data = (i: number) => ({ name, seq: String(seq), part: String(i), parts: String(parts.length), entry: parts[i]! });
      const annotations = (i: number) => ({ [HISTORY_ENTRY]: name, [HISTORY_PART]: String(i), [HISTORY_PARTS]: String(parts.length) });
      try {
        await this.call("POST", "", this.secret(`${base}-h${seq}`, "history", stack, data(0), undefined, annotations(0)));
      } catch (e) {
        if (e instanceof KubeStatusError && e.status === 409 && attempt < 20) continue;
        throw this.failed("record the update in the history", `${base}-h${seq}`, e);
      }
      for (let i = 1; i < parts.length; i++) {
        await this.call("POST", "", this.secret(`${base}-h${seq}-${i}`, "history", stack, data(i), undefined, annotations(i))).catch((e: unknown) => {
          throw this.failed("record the update in the history", `${base}-h${seq}-${i}`, e);
        });
      }
      break;
    }
    const groups = historyGroups(await this.historyParts(stack));
    for (const expired of expiredHistoryNames(sortHistoryNames([...groups.keys()]), this.o.historyRetention ?? HISTORY_RETENTION)) {
      for (const p of groups.get(expired)!) await this.remove(p.secret);
    }
  }

  /**
   * The newest entries first. With a `limit` (the newest update, as the CLI's stack check and the
   * console ask), the history's metadata is listed and only the chosen entries' Secrets are read;
   * the whole history is one list with the data.
   */
  async listHistory(stack: string, options: { readonly limit?: number }): Promise<HistoryEntry[]> {
    const groups = historyGroups(await this.historyParts(stack, { withData: options.limit === undefined }));
    const complete = [...groups.entries()].filter(([, parts]) => parts.length === parts[0]!.parts).map(([name]) => name);
    const entries: HistoryEntry[] = [];
    for (const name of newestHistoryNames(sortHistoryNames(complete), options.limit)) {
      const parts = [...groups.get(name)!].sort((a, b) => a.part - b.part);
      let text: string | undefined;
      try {
        const chunks: Buffer[] = [];
        for (const p of parts) {
          const data = p.data ?? (await this.get(p.secret))?.data;
          // Deleted since the listing (expired by another run): the entry is skipped.
          if (data === undefined) throw new Error(`${p.secret} is gone`);
          chunks.push(Buffer.from(data["entry"] ?? "", "base64"));
        }
        text = gunzipSync(Buffer.concat(chunks)).toString("utf8");
      } catch (e) {
        if (e instanceof StateError) throw e;
        text = undefined; // damaged or gone: skipped, as a history file that does not parse
      }
      const entry = text === undefined ? undefined : decodeHistoryEntry(text);
      if (entry) entries.push(entry);
    }
    return entries;
  }

  /**
   * The stack's history Secrets as parts of entries: from their metadata (annotations), unless
   * `withData` or some were written without the annotations (by an older iac: then one list with
   * the data, where their data names the entry).
   */
  private async historyParts(stack: string, o: { readonly withData?: boolean } = {}): Promise<HistoryPart[]> {
    const selector = { "iac.dev/state": this.o.prefix, "iac.dev/project": labelValue(this.o.project), "iac.dev/stack": labelValue(stack), "iac.dev/role": "history" };
    if (o.withData !== true) {
      const parts = (await this.list(selector, { metadataOnly: true })).map(historyPartOf);
      if (parts.every((p) => p !== undefined)) return parts as HistoryPart[];
    }
    return (await this.list(selector)).map(historyPartOf).filter((p): p is HistoryPart => p !== undefined);
  }

  // ---- state ----

  async read(stack: string, crypter: Crypter): Promise<Snapshot> {
    const raw = await this.load(stack, crypter);
    return decryptStored(raw, crypter, this.where(this.base(stack)));
  }

  async open(stack: string, crypter: Crypter): Promise<StateWriter> {
    const base = this.base(stack);
    if (!(await this.stackExists(stack))) await this.createStack(stack).catch((e: StateError) => {
      if (e.code !== "StackExists") throw e;
    });
    return openStateWriter(
      {
        load: () => this.load(stack, crypter),
        compact: (state, previous) => this.compact(stack, state, previous),
        dropJournal: () => this.dropJournals(stack),
        createJournal: (generation) => this.createJournal(stack, generation),
        snapshotWhere: this.where(base),
      },
      crypter,
    );
  }

  async write(stack: string, snapshot: Snapshot, crypter: Crypter): Promise<void> {
    if (!(await this.stackExists(stack))) await this.createStack(stack);
    const encoded = encryptSecrets(withProvider({ ...snapshot, project: this.o.project, stack }, crypter), crypter);
    await this.compact(stack, encoded, await this.load(stack));
  }

  private async journalSegments(stack: string): Promise<SecretObject[]> {
    const all = await this.list({ "iac.dev/state": this.o.prefix, "iac.dev/project": labelValue(this.o.project), "iac.dev/stack": labelValue(stack), "iac.dev/role": "journal" });
    const key = (s: SecretObject) => [Number(unb64(s.data?.["generation"]) ?? 0), Number(unb64(s.data?.["segment"]) ?? 0)] as const;
    return all.sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1]);
  }

  /** Snapshot (shards joined and checked) + the newest journal's segments, replayed; secrets still encrypted. */
  private load(stack: string, crypter?: Crypter): Promise<RawState> {
    const base = this.base(stack);
    return readConsistently(async () => {
      const head = await this.get(base);
      let snapshot: { text: string; head: SecretObject } | undefined;
      const generation = Number(unb64(head?.data?.["generation"]) ?? 0);
      const shards = Number(unb64(head?.data?.["shards"]) ?? 0);
      if (head !== undefined && shards > 0) {
        const parts: string[] = [];
        for (let i = 0; i < shards; i++) {
          const shard = await this.get(`${base}-g${generation}-${i}`);
          const text = unb64(shard?.data?.["chunk"]);
          if (text === undefined) throw new StateError("StateCorrupt", `The state of stack "${stack}" in ${this.url} is missing shard ${i} of ${shards} (Secret ${base}-g${generation}-${i}). Restore it, or import an exported state with \`iac state import\`.`);
          parts.push(text);
        }
        const text = parts.join("");
        if (createHash("sha256").update(text).digest("hex") !== unb64(head.data?.["sha256"])) {
          throw new StateError("StateCorrupt", `The state of stack "${stack}" in ${this.url} does not match its recorded sha256 (a shard was changed by hand?). Import an exported state with \`iac state import\`.`);
        }
        snapshot = { text, head };
      } else if (head !== undefined) {
        snapshot = undefined;
      }
      const segments = await this.journalSegments(stack);
      const newest = Math.max(-1, ...segments.map((s) => Number(unb64(s.data?.["generation"]) ?? 0)));
      const journalText = segments.filter((s) => Number(unb64(s.data?.["generation"]) ?? 0) === newest).map((s) => unb64(s.data?.["journal"]) ?? "").join("");
      const raw = replay({
        project: this.o.project,
        stack,
        secretsProvider: (crypter && secretsProviderOf(crypter)) ?? { type: "passphrase" },
        ...(snapshot ? { snapshot } : {}),
        ...(segments.length > 0 ? { journalText } : {}),
        snapshotWhere: this.where(base),
        journalWhere: this.where(`${base}-j${newest}-*`),
      });
      // A stack with a head but no snapshot yet still has the head's resourceVersion for the first compaction.
      return head !== undefined && snapshot === undefined ? { ...raw, generation, snapshot: { text: "", head } } as RawState : raw;
    });
  }

  /**
   * The state as the next generation: shards first (new names, nothing overwritten), then the
   * head, conditional on the resourceVersion read (a writer whose lock was broken cannot replace
   * its successor's state), then the old shards and the journals it supersedes are deleted.
   */
  private async compact(stack: string, state: Snapshot, previous: RawState): Promise<void> {
    const base = this.base(stack);
    const generation = nextGeneration(previous);
    const text = `${JSON.stringify({ ...inDependencyOrder(state), updated: new Date().toISOString(), generation })}\n`;
    const bytes = Buffer.from(text, "utf8");
    const pieces: string[] = [];
    for (let at = 0; at < bytes.length; ) {
      let end = Math.min(at + SHARD_BYTES, bytes.length);
      // Never split a UTF-8 character between two shards.
      while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
      pieces.push(bytes.subarray(at, end).toString("utf8"));
      at = end;
    }
    for (const [i, piece] of pieces.entries()) {
      const name = `${base}-g${generation}-${i}`;
      await this.call("POST", "", this.secret(name, "shard", stack, { chunk: piece })).catch(async (e: unknown) => {
        // Left by a compaction that crashed before its head was written: not referenced, replace it.
        if (!(e instanceof KubeStatusError && e.status === 409)) throw this.failed("write", name, e);
        await this.remove(name);
        await this.call("POST", "", this.secret(name, "shard", stack, { chunk: piece })).catch((e2: unknown) => {
          throw this.failed("write", name, e2);
        });
      });
    }
    const head = previous.snapshot?.head ?? (await this.get(base));
    const headData = { stack, project: this.o.project, generation: String(generation), shards: String(pieces.length), sha256: createHash("sha256").update(text).digest("hex") };
    try {
      if (head === undefined) await this.call("POST", "", this.secret(base, "head", stack, headData));
      else await this.call("PUT", `/${base}`, this.secret(base, "head", stack, headData, head.metadata.resourceVersion));
    } catch (e) {
      if (e instanceof KubeStatusError && e.status === 409) {
        throw new StateError("StateConflict", `The state of stack "${stack}" (${this.where(base)}) was changed by another process while this one held the stack's lock (was the lock broken?), so this run's state was not written over it. It is kept in the Secrets ${base}-g${generation}-*; once no other run is going, run \`iac refresh\`.`, { cause: e });
      }
      throw this.failed("write", base, e);
    }
    for (const s of await this.list({ "iac.dev/state": this.o.prefix, "iac.dev/project": labelValue(this.o.project), "iac.dev/stack": labelValue(stack), "iac.dev/role": "shard" })) {
      if (!s.metadata.name.startsWith(`${base}-g${generation}-`)) await this.remove(s.metadata.name);
    }
    await this.dropJournals(stack);
  }

  private async dropJournals(stack: string): Promise<void> {
    for (const s of await this.journalSegments(stack)) await this.remove(s.metadata.name);
  }

  /** A journal of segments: each flush appends to the last one by a conditional update. */
  private async createJournal(stack: string, generation: number): Promise<{ append: GroupCommit["append"]; close(): Promise<void>; readonly stats: { flushes: number; records: number }; readonly failed: AbortSignal }> {
    const base = this.base(stack);
    let segment = 0;
    let text = "";
    let current: SecretObject | undefined;
    let flushes = 0;
    const where = this.where(`${base}-j${generation}-*`);
    const write = async (more: string) => {
      if (current !== undefined && Buffer.byteLength(text) + Buffer.byteLength(more) > SHARD_BYTES) {
        segment++;
        text = "";
        current = undefined;
      }
      const name = `${base}-j${generation}-${segment}`;
      const next = text + more;
      const data = { journal: next, generation: String(generation), segment: String(segment) };
      try {
        current = current === undefined
          ? await this.call<SecretObject>("POST", "", this.secret(name, "journal", stack, data))
          : await this.call<SecretObject>("PUT", `/${name}`, this.secret(name, "journal", stack, data, current.metadata.resourceVersion));
      } catch (e) {
        if (e instanceof KubeStatusError && (e.status === 409 || e.status === 404)) {
          throw new StateError("StateConflict", `The state journal ${where} was changed by another process while this one was writing (was the lock broken?). Run \`iac refresh\` once no other run is going.`, { cause: e });
        }
        throw this.failed("append to the state journal", name, e);
      }
      text = next;
      flushes++;
    };
    const commits = new GroupCommit({
      where,
      write,
      failedError: (failure) => (failure instanceof StateError ? failure : new StateError("StateBackend", `Writing the state journal ${where} failed: ${(failure as Error)?.message ?? failure}.`, { cause: failure })),
    });
    const header: JournalHeader = { kind: "header", format: 1, generation, project: this.o.project, stack };
    await write(`${JSON.stringify(header)}\n`);
    return {
      append: (record) => commits.append(record),
      close: () => commits.close(),
      get stats() {
        return { flushes, records: commits.records };
      },
      get failed() {
        return commits.failed;
      },
    };
  }
}
