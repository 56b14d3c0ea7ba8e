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
 * - lock Secret `<base>-lock`: created exclusively (409: held), its holder in it; released by a
 *   delete conditional on its uid.
 *
 * Credentials: `IAC_KUBECONFIG`, else `KUBECONFIG`, else the pod's service account, else
 * `~/.kube/config` (token, client certificate, CA). No history is kept (stack history is empty).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { request as httpRequest, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { homedir, hostname } from "node:os";
import { parse as parseYaml } from "yaml";
import { StackLockedError, StateError } from "./errors.js";
import { pidAlive } from "./file-mutex.js";
import { openStateWriter } from "./file-writer.js";
import { GroupCommit } from "./group-commit.js";
import type { JournalHeader } from "./model.js";
import { StateModel } from "./model.js";
import { nextGeneration, readConsistently, replay, type RawState as StoredState } from "./replay.js";
import { decryptSecrets, encryptSecrets, secretsProviderOf, withProvider } from "./secret-codec.js";
import { assertStackEmpty, stackExistsError, stackNotFoundError } from "./stack-errors.js";
import { assertValidStackName } from "./stack-name.js";
import type { Backend, Crypter, Lock, LockInfo, LockStatus, Snapshot, StackSummary, StateWriter } from "./types.js";

/** Largest piece of text in one Secret (base64 makes it ~683 KiB, below the 1 MiB limit). */
export const SHARD_BYTES = 512 * 1024;

interface Access {
  readonly server: string;
  readonly headers: Record<string, string>;
  readonly tls: Pick<RequestOptions & { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean }, "ca" | "cert" | "key" | "rejectUnauthorized">;
}

interface SecretObject {
  metadata: { name: string; resourceVersion?: string; uid?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
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

export function openKubernetesBackend(url: string, options: { readonly project: string; readonly env?: NodeJS.ProcessEnv }): Backend {
  const { namespace, prefix } = parseKubernetesUrl(url);
  return new KubernetesBackend({ url, namespace, prefix, project: options.project, access: kubeAccessFromEnv(options.env ?? process.env) });
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
  constructor(private readonly o: { url: string; namespace: string; prefix: string; project: string; access: Access }) {
    this.url = o.url;
  }

  // ---- the REST calls ----

  private async call<T>(method: string, path: string, body?: unknown, query = ""): Promise<T> {
    const url = new URL(`${this.o.access.server}/api/v1/namespaces/${this.o.namespace}/secrets${path}${query}`);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const send = url.protocol === "http:" ? httpRequest : httpsRequest;
    const { status, data } = await new Promise<{ status: number; data: string }>((resolve, reject) => {
      const req = send(url, { method, ...this.o.access.tls, headers: { accept: "application/json", ...this.o.access.headers, ...(text ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) } : {}) } }, (res) => {
        let data = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (data += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, data }));
        res.on("error", reject);
      });
      req.on("error", (cause) => reject(new StateError("StateBackend", `The Kubernetes API at ${this.o.access.server} did not answer (${method} secrets${path}): ${cause.message}. Check the cluster and KUBECONFIG.`, { cause })));
      req.end(text);
    });
    if (status >= 400) {
      let message = data;
      try {
        message = (JSON.parse(data) as { message?: string }).message ?? data;
      } catch {
        // not a Status: the body as it is
      }
      throw new KubeStatusError(status, `${method} secrets${path} in namespace ${this.o.namespace}: ${status} ${message}`);
    }
    return (data ? JSON.parse(data) : {}) as T;
  }

  private async get(name: string): Promise<SecretObject | undefined> {
    try {
      return await this.call<SecretObject>("GET", `/${name}`);
    } catch (e) {
      if (e instanceof KubeStatusError && e.status === 404) return undefined;
      throw this.failed("read", name, e);
    }
  }

  private async list(selector: Record<string, string>): Promise<SecretObject[]> {
    const q = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(",");
    try {
      return (await this.call<{ items?: SecretObject[] }>("GET", "", undefined, `?labelSelector=${encodeURIComponent(q)}`)).items ?? [];
    } catch (e) {
      throw this.failed("list", "the state Secrets", e);
    }
  }

  private secret(name: string, role: string, stack: string, data: Record<string, string>, resourceVersion?: string): unknown {
    return {
      apiVersion: "v1",
      kind: "Secret",
      type: "iac.dev/state",
      metadata: { name, namespace: this.o.namespace, ...(resourceVersion ? { resourceVersion } : {}), labels: { "iac.dev/state": this.o.prefix, "iac.dev/project": labelValue(this.o.project), "iac.dev/stack": labelValue(stack), "iac.dev/role": role } },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
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

  async lock(stack: string, command: string): Promise<Lock> {
    const name = `${this.base(stack)}-lock`;
    const info: LockInfo = { host: hostname(), pid: process.pid, time: new Date().toISOString(), command };
    let created: SecretObject;
    try {
      created = await this.call<SecretObject>("POST", "", this.secret(name, "lock", stack, { info: JSON.stringify(info) }));
    } catch (e) {
      if (!(e instanceof KubeStatusError && e.status === 409)) throw this.failed("create the lock", name, e);
      const status = await this.lockStatus(stack);
      throw new StackLockedError({ stack, path: this.where(name), ...(status?.holder ? { holder: status.holder } : {}), ...(status?.liveness === "gone" ? { goneBecause: status.reason } : {}) });
    }
    return { info, release: () => this.remove(name, { uid: created.metadata.uid! }) };
  }

  async lockStatus(stack: string): Promise<LockStatus | undefined> {
    const lock = await this.get(`${this.base(stack)}-lock`);
    if (lock === undefined) return undefined;
    let holder: LockInfo | undefined;
    try {
      holder = JSON.parse(unb64(lock.data?.["info"]) ?? "") as LockInfo;
    } catch {
      return { liveness: "unknown", reason: "the lock names no holder" };
    }
    if (holder.host !== hostname()) return { holder, liveness: "unknown", reason: `it runs on host ${holder.host}, where this process cannot check whether pid ${holder.pid} is still running` };
    return pidAlive(holder.pid) ? { holder, liveness: "running", reason: `process ${holder.pid} is still running on this host` } : { holder, liveness: "gone", reason: `process ${holder.pid} no longer exists on this host` };
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

  // ---- state ----

  async read(stack: string, crypter: Crypter): Promise<Snapshot> {
    const raw = await this.load(stack, crypter);
    return decryptSecrets(raw.state, crypter, this.where(this.base(stack)));
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
    const text = `${JSON.stringify({ ...new StateModel(state).snapshot(), updated: new Date().toISOString(), generation })}\n`;
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
