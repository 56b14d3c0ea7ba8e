/**
 * The `Stack` custom resource (`iac.dev/v1alpha1`): its spec and status as TypeScript types, and
 * `parseSpec`, which turns what the apiserver holds into a checked spec or says what to fix. The
 * CRD (deploy/crd.yaml) has the same fields; the schema stops what it can, this stops the rest
 * (a spec with both `sourceRef` and `git`, a duration Go would not parse).
 */
import { parseDuration } from "./duration.js";
import { ControllerError } from "./errors.js";

export const GROUP = "iac.dev";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = "Stack";
export const PLURAL = "stacks";
/** Held while the stack's resources exist and `destroyOnDelete` is set. */
export const FINALIZER = "finalizers.iac.dev";
/** `flux reconcile`'s annotation: a new value asks for a reconciliation now. */
export const REQUESTED_AT = "reconcile.fluxcd.io/requestedAt";

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly generation?: number;
  readonly resourceVersion?: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly finalizers?: readonly string[];
  readonly deletionTimestamp?: string;
}

/** A Stack as the apiserver returns it. */
export interface StackObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: ObjectMeta;
  readonly spec?: Record<string, unknown>;
  readonly status?: StackStatus;
}

export type SourceKind = "GitRepository" | "OCIRepository" | "Bucket";
export const SOURCE_KINDS: readonly SourceKind[] = ["GitRepository", "OCIRepository", "Bucket"];

export type Source =
  | { readonly kind: "flux"; readonly sourceKind: SourceKind; readonly name: string; readonly namespace: string }
  | { readonly kind: "git"; readonly url: string; readonly ref: GitRef; readonly secretName?: string };

export type GitRef = { readonly branch: string } | { readonly tag: string } | { readonly commit: string };

/** A config value: given in the spec, or read from a key of a Secret (then set as a secret). */
export type ConfigEntry =
  | { readonly kind: "value"; readonly value: string }
  | { readonly kind: "secret"; readonly secretName: string; readonly key: string };

/** Flux's drift modes (HelmRelease `driftDetection.mode`): correct it, only report it, or do not look. */
export type DriftMode = "enabled" | "warn" | "disabled";

export interface StackSpec {
  readonly source: Source;
  /** The project directory inside the source (holds iac.yaml). */
  readonly path: string;
  readonly stack: string;
  readonly config: Readonly<Record<string, ConfigEntry>>;
  /** The state backend URL; undefined: the controller's default. */
  readonly backendUrl?: string;
  /** The Secret key holding the stack's secrets passphrase (IAC_CONFIG_PASSPHRASE). */
  readonly passphrase?: { readonly secretName: string; readonly key: string };
  readonly intervalMs: number;
  readonly retryIntervalMs: number;
  readonly timeoutMs: number;
  readonly driftMode: DriftMode;
  readonly dependsOn: readonly { readonly name: string; readonly namespace: string }[];
  readonly suspend: boolean;
  readonly destroyOnDelete: boolean;
  readonly outputs: { readonly configMap: string; readonly secret?: string };
}

export interface Condition {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
  readonly lastTransitionTime: string;
}

/** What the last update (up, preview for drift, destroy) did. */
export interface LastUpdate {
  readonly operation: string;
  readonly result: "succeeded" | "failed" | "interrupted";
  readonly revision?: string;
  readonly startTime: string;
  readonly endTime: string;
  readonly durationMs: number;
  readonly resourceChanges: Readonly<Record<string, number>>;
  readonly failed?: number;
  readonly error?: string;
}

export interface StackStatus {
  readonly observedGeneration?: number;
  readonly conditions?: readonly Condition[];
  readonly lastAppliedRevision?: string;
  readonly lastAttemptedRevision?: string;
  readonly lastHandledReconcileAt?: string;
  readonly lastUpdate?: LastUpdate;
  readonly outputs?: { readonly configMap?: string; readonly secret?: string; readonly names?: readonly string[] };
  readonly drift?: { readonly detected: boolean; readonly checkedAt: string; readonly resourceChanges?: Readonly<Record<string, number>> };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Flux's defaults: retry at the interval, a timeout of the interval (capped here at one hour, an up takes long). */
const DEFAULT_TIMEOUT_MS = 60 * 60_000;

/**
 * The checked spec of `obj`.
 * @throws ControllerError `InvalidSpec`, naming the field and what to write instead
 */
export function parseSpec(obj: StackObject): StackSpec {
  const where = `Stack ${obj.metadata.namespace ?? "default"}/${obj.metadata.name}`;
  const bad = (field: string, what: string): never => {
    throw new ControllerError(`${where}: spec.${field} ${what}`, { code: "InvalidSpec" });
  };
  const spec = obj.spec ?? {};
  const ns = obj.metadata.namespace ?? "default";
  const str = (field: string, v: unknown, required: boolean): string | undefined => {
    if (v === undefined || v === null) return required ? bad(field, "is required.") : undefined;
    if (typeof v !== "string" || v.trim() === "") return bad(field, `must be a non-empty string (got ${JSON.stringify(v)}).`);
    return v;
  };
  const duration = (field: string, v: unknown, fallback: number | undefined): number => {
    if (v === undefined) return fallback ?? bad(field, 'is required: a duration such as "5m" or "1h30m".');
    const ms = typeof v === "string" ? parseDuration(v) : undefined;
    if (ms === undefined) return bad(field, `is not a duration (got ${JSON.stringify(v)}): write one such as "30s", "5m" or "1h30m".`);
    if (ms <= 0) bad(field, "must be longer than 0s.");
    return ms;
  };

  let source: Source;
  if (spec["sourceRef"] !== undefined && spec["git"] !== undefined) bad("sourceRef", "and spec.git are both set: give one source, a Flux source by reference or a git repository of its own.");
  if (isRecord(spec["sourceRef"])) {
    const ref = spec["sourceRef"];
    const kind = str("sourceRef.kind", ref["kind"], true) as string;
    if (!SOURCE_KINDS.includes(kind as SourceKind)) bad("sourceRef.kind", `must be one of ${SOURCE_KINDS.join(", ")} (got "${kind}").`);
    source = { kind: "flux", sourceKind: kind as SourceKind, name: str("sourceRef.name", ref["name"], true) as string, namespace: str("sourceRef.namespace", ref["namespace"], false) ?? ns };
  } else if (isRecord(spec["git"])) {
    const git = spec["git"];
    const url = str("git.url", git["url"], true) as string;
    if (!/^(https?|ssh):\/\//.test(url)) bad("git.url", `must be an http(s):// or ssh:// URL (got "${url}").`);
    const r = isRecord(git["ref"]) ? git["ref"] : {};
    const given = (["branch", "tag", "commit"] as const).filter((k) => r[k] !== undefined);
    if (given.length > 1) bad("git.ref", `sets ${given.join(" and ")}: give one of branch, tag or commit.`);
    const ref: GitRef = given[0] === "tag" ? { tag: str("git.ref.tag", r["tag"], true) as string }
      : given[0] === "commit" ? { commit: str("git.ref.commit", r["commit"], true) as string }
      : { branch: str("git.ref.branch", r["branch"], false) ?? "master" };
    if ("commit" in ref && !/^[0-9a-f]{40}$/.test(ref.commit)) bad("git.ref.commit", `must be a full 40-hex commit SHA (got "${ref.commit}").`);
    const secret = isRecord(git["secretRef"]) ? str("git.secretRef.name", git["secretRef"]["name"], true) : undefined;
    source = { kind: "git", url, ref, ...(secret ? { secretName: secret } : {}) };
  } else {
    return bad("sourceRef", "or spec.git is required: the program's source, a Flux GitRepository/OCIRepository/Bucket by reference or a git repository.");
  }

  const given = str("path", spec["path"], false) ?? ".";
  if (given.split("/").includes("..") || given.startsWith("/")) bad("path", `must be a relative path inside the source, without ".." (got "${given}").`);
  const path = given.replace(/^(\.\/)+/, "").replace(/\/+$/, "") || ".";
  const stack = str("stack", spec["stack"], true) as string;
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) bad("stack", `must be a stack name of letters, digits, "-", "_" and "." (got "${stack}").`);

  const config: Record<string, ConfigEntry> = {};
  if (spec["config"] !== undefined) {
    if (!isRecord(spec["config"])) bad("config", "must be a map of config keys to { value } or { secretKeyRef: { name, key } }.");
    for (const [key, entry] of Object.entries(spec["config"] as Record<string, unknown>)) {
      if (!isRecord(entry)) bad(`config.${key}`, 'must be { value: "..." } or { secretKeyRef: { name, key } }.');
      const e = entry as Record<string, unknown>;
      if (e["value"] !== undefined && e["secretKeyRef"] !== undefined) bad(`config.${key}`, "sets both value and secretKeyRef: give one.");
      if (isRecord(e["secretKeyRef"])) {
        config[key] = { kind: "secret", secretName: str(`config.${key}.secretKeyRef.name`, e["secretKeyRef"]["name"], true) as string, key: str(`config.${key}.secretKeyRef.key`, e["secretKeyRef"]["key"], true) as string };
      } else if (typeof e["value"] === "string") {
        config[key] = { kind: "value", value: e["value"] };
      } else {
        bad(`config.${key}`, 'must have a string value or a secretKeyRef (numbers and booleans as strings: "3", "true").');
      }
    }
  }

  let backendUrl: string | undefined;
  let passphrase: StackSpec["passphrase"];
  if (spec["backend"] !== undefined) {
    if (!isRecord(spec["backend"])) bad("backend", "must be { url, passphraseSecretRef? }.");
    const b = spec["backend"] as Record<string, unknown>;
    backendUrl = str("backend.url", b["url"], false);
    if (backendUrl !== undefined && !/^(file|azblob|kubernetes):\/\//.test(backendUrl)) bad("backend.url", `must be a kubernetes://<namespace>[/<prefix>], azblob:// or file:// URL (got "${backendUrl}").`);
    if (isRecord(b["passphraseSecretRef"])) {
      passphrase = { secretName: str("backend.passphraseSecretRef.name", b["passphraseSecretRef"]["name"], true) as string, key: str("backend.passphraseSecretRef.key", b["passphraseSecretRef"]["key"], false) ?? "passphrase" };
    }
  }

  const intervalMs = duration("interval", spec["interval"], undefined);
  const retryIntervalMs = duration("retryInterval", spec["retryInterval"], intervalMs);
  const timeoutMs = duration("timeout", spec["timeout"], DEFAULT_TIMEOUT_MS);

  let driftMode: DriftMode = "disabled";
  if (spec["driftDetection"] !== undefined) {
    const mode = isRecord(spec["driftDetection"]) ? spec["driftDetection"]["mode"] : undefined;
    if (mode !== "enabled" && mode !== "warn" && mode !== "disabled") bad("driftDetection.mode", `must be enabled (refresh, then correct drift), warn (only report it) or disabled (got ${JSON.stringify(mode)}).`);
    driftMode = mode as DriftMode;
  }

  const dependsOn: { name: string; namespace: string }[] = [];
  if (spec["dependsOn"] !== undefined) {
    if (!Array.isArray(spec["dependsOn"])) bad("dependsOn", "must be a list of { name, namespace? } of other Stacks.");
    for (const [i, d] of (spec["dependsOn"] as unknown[]).entries()) {
      if (!isRecord(d)) bad(`dependsOn[${i}]`, "must be { name, namespace? }.");
      dependsOn.push({ name: str(`dependsOn[${i}].name`, (d as Record<string, unknown>)["name"], true) as string, namespace: str(`dependsOn[${i}].namespace`, (d as Record<string, unknown>)["namespace"], false) ?? ns });
    }
  }

  const outputs = isRecord(spec["outputs"]) ? spec["outputs"] : {};
  const configMap = str("outputs.configMap", outputs["configMap"], false) ?? `${obj.metadata.name}-outputs`;
  const secret = str("outputs.secret", outputs["secret"], false);

  return {
    source,
    path,
    stack,
    config,
    ...(backendUrl !== undefined ? { backendUrl } : {}),
    ...(passphrase ? { passphrase } : {}),
    intervalMs,
    retryIntervalMs,
    timeoutMs,
    driftMode,
    dependsOn,
    suspend: spec["suspend"] === true,
    destroyOnDelete: spec["destroyOnDelete"] === true,
    outputs: { configMap, ...(secret ? { secret } : {}) },
  };
}

/** `namespace/name` of a Stack. */
export function keyOf(obj: { readonly metadata: ObjectMeta }): string {
  return `${obj.metadata.namespace ?? "default"}/${obj.metadata.name}`;
}
