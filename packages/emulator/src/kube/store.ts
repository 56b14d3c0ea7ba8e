/**
 * The emulated cluster's object store: every object of every kind, a global resourceVersion
 * counter (as etcd's revision), field ownership, finalizers and deletion, events for watches.
 * The HTTP layer (http.ts) and in-process controllers both write through it.
 *
 * Stored objects are never mutated and never handed out: reads return copies whose
 * `apiVersion` is the version asked for (custom kinds with several versions use the `None`
 * conversion, which only rewrites `apiVersion`).
 */
import { randomUUID } from "node:crypto";
import { applyCreateDefaults, applyUpdateDefaults, defaultPortProtocols } from "./defaults.js";
import { alreadyExists, badRequest, forbidden, invalid, KubeApiError, methodNotAllowed, notFound, staleConflict, withWarnings } from "./errors.js";
import { EventLog } from "./event-log.js";
import { decodeManagedFields, encodeManagedFields, recordUpdate, serverSideApply, type ManagerEntry, type TrackingContext } from "./managed-fields.js";
import { jsonPatch, mergePatch, strategicMergePatch } from "./patch.js";
import { ResourceRegistry } from "./registry.js";
import { checkCustomObject, typedPatchProblem } from "./schema.js";
import { builtinConversionProblem, builtinDecodeError, builtinTypedPatchProblems, pruneFields, unknownBuiltinFields } from "./builtin-schema.js";
import { matchesSelector, parseSelector, type Selector } from "./selectors.js";
import { builtinTopology } from "./topology.js";
import {
  apiVersionOf,
  isPlainObject,
  kubeTime,
  splitApiVersion,
  type KubeObject,
  type ResourceType,
  type StoreEvent,
  type WatchEventType,
} from "./types.js";
import { validateObject } from "./validation.js";
import { isLease, leaseDecode, leasePrepare } from "./lease.js";
import { baseManagedFields, hasNamespaceFinalizers, sameContent, specChanged, trackingContext } from "./write-rules.js";

/** A kind at one of its served versions: what a URL or an `apiVersion`+`kind` names. */
export interface Target {
  readonly type: ResourceType;
  readonly version: string;
}

export type PatchType = "merge" | "strategic" | "json";

export interface WriteOptions {
  /** Field manager; default derived by the caller (HTTP: the User-Agent; store API: `iac-emulator`). */
  readonly fieldManager?: string;
  /** Validate and compute the result without storing it (`dryRun=All`). */
  readonly dryRun?: boolean;
  /** `status` to write the status subresource. */
  readonly subresource?: "status";
  /**
   * What to do with fields a custom resource's schema does not declare (the `fieldValidation`
   * query parameter): `Strict` refuses them (400), `Warn` drops them with a warning, `Ignore`
   * (the default of in-process writes) drops them silently.
   */
  readonly fieldValidation?: FieldValidation;
}

export type FieldValidation = "Strict" | "Warn" | "Ignore";

export interface ApplyOptions extends WriteOptions {
  readonly fieldManager: string;
  readonly force?: boolean;
}

export type PropagationPolicy = "Foreground" | "Background" | "Orphan";

export interface DeleteOptions {
  readonly propagationPolicy?: PropagationPolicy;
  readonly dryRun?: boolean;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
}

/** A delete either removed the object or marked it (finalizers pending). */
export type DeleteResult =
  | { readonly kind: "deleted"; readonly object: KubeObject }
  | { readonly kind: "pending"; readonly object: KubeObject };

export interface WriteResult {
  readonly object: KubeObject;
  readonly created: boolean;
  /** Warnings for the client (`Warning: 299 - "..."` headers): unknown fields under `fieldValidation=Warn`. */
  readonly warnings?: readonly string[];
}

/** Hooks the store calls; the lifecycle controller and persistence plug in here. */
export interface StoreHooks {
  /** After every stored change (not dry runs). */
  changed?(event: StoreEvent): void;
}

export interface StoreCoreOptions {
  readonly now?: () => Date;
  /** Establish CRDs within the write that creates them (true unless an establish delay is set). */
  readonly establishCrdsInline?: boolean;
  /** Events kept for watches that resume from a resourceVersion (default 5000). */
  readonly eventHistory?: number;
}

/** Everything persisted: the counter and the objects. */
export interface StoreSnapshot {
  readonly resourceVersion: number;
  readonly objects: readonly KubeObject[];
}

interface Entry {
  readonly type: ResourceType;
  readonly object: KubeObject;
}

function keyOf(group: string, kind: string, namespace: string | undefined, name: string): string {
  return `${group}/${kind}/${namespace ?? ""}/${name}`;
}

const GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** The object store of the emulated cluster. */
export class StoreCore {
  readonly registry = new ResourceRegistry();
  readonly #objects = new Map<string, Entry>();
  readonly #events: EventLog;
  readonly #now: () => Date;
  readonly #establishInline: boolean;
  #rv = 0;
  hooks: StoreHooks = {};

  constructor(options: StoreCoreOptions = {}) {
    this.#now = options.now ?? (() => new Date());
    this.#establishInline = options.establishCrdsInline ?? true;
    this.#events = new EventLog(options.eventHistory ?? 5000);
  }

  // ---- snapshot ---------------------------------------------------------------------------

  snapshot(): StoreSnapshot {
    return { resourceVersion: this.#rv, objects: [...this.#objects.values()].map((e) => e.object) };
  }

  /** Replace the content with a snapshot (at start, before serving). */
  restore(snapshot: StoreSnapshot): void {
    this.#objects.clear();
    this.#rv = snapshot.resourceVersion;
    this.#events.reset(snapshot.resourceVersion);
    const crds = snapshot.objects.filter((o) => o.kind === "CustomResourceDefinition" && o.apiVersion.startsWith("apiextensions.k8s.io/"));
    this.registry.setCrds(crds);
    for (const object of snapshot.objects) {
      const { group } = splitApiVersion(object.apiVersion);
      const type = this.registry.byGroupKind(group, object.kind);
      if (!type) continue;
      this.#objects.set(keyOf(group, object.kind, object.metadata.namespace, object.metadata.name!), { type, object });
    }
  }

  // ---- reads ------------------------------------------------------------------------------

  /** The current resourceVersion (of the last write), as lists report it. */
  resourceVersion(): number {
    return this.#rv;
  }

  now(): Date {
    return this.#now();
  }

  /** Resolve `apiVersion` + `kind` to a served kind; throws 404 when the cluster does not serve it. */
  target(apiVersion: string, kind: string): Target {
    const { group, version } = splitApiVersion(apiVersion);
    const type = this.registry.byKind(group, version, kind);
    if (!type) {
      throw new KubeApiError(404, "NotFound", `no matches for kind "${kind}" in version "${apiVersion}"; create its CustomResourceDefinition first or check the apiVersion`);
    }
    return { type, version };
  }

  present(entry: { type: ResourceType; object: KubeObject }, version: string): KubeObject {
    const copy = structuredClone(entry.object);
    copy.apiVersion = apiVersionOf(entry.type.group, version);
    return copy;
  }

  #entry(type: ResourceType, namespace: string | undefined, name: string): Entry | undefined {
    return this.#objects.get(keyOf(type.group, type.kind, type.namespaced ? namespace : undefined, name));
  }

  /** The stored object (not a copy: do not mutate), or undefined. */
  peek(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#entry(type, namespace, name)?.object;
  }

  get(t: Target, namespace: string | undefined, name: string): KubeObject {
    const entry = this.#entry(t.type, namespace, name);
    if (!entry) throw notFound(t.type, name);
    return this.present(entry, t.version);
  }

  /** Objects of a kind, optionally in one namespace and matching a selector, sorted as etcd keys. */
  list(t: Target, namespace: string | undefined, selector: Selector = parseSelector(undefined, undefined)): KubeObject[] {
    return this.entries(t.type, namespace)
      .filter((e) => matchesSelector(e.object, selector))
      .map((e) => this.present(e, t.version));
  }

  /** Stored entries (not copies) of a kind, or of every kind when `type` is undefined. */
  entries(type: ResourceType | undefined, namespace?: string): Entry[] {
    const out: Entry[] = [];
    for (const e of this.#objects.values()) {
      if (type && (e.type.group !== type.group || e.type.kind !== type.kind)) continue;
      if (namespace !== undefined && e.object.metadata.namespace !== namespace) continue;
      out.push(e);
    }
    return out.sort((a, b) => {
      const na = `${a.object.metadata.namespace ?? ""}/${a.object.metadata.name}`;
      const nb = `${b.object.metadata.namespace ?? ""}/${b.object.metadata.name}`;
      return na < nb ? -1 : na > nb ? 1 : 0;
    });
  }

  /** The object with this uid, if any (owner lookups for garbage collection). */
  byUid(uid: string): Entry | undefined {
    for (const e of this.#objects.values()) if (e.object.metadata.uid === uid) return e;
    return undefined;
  }

  // ---- events -----------------------------------------------------------------------------

  subscribe(listener: (event: StoreEvent) => void): () => void {
    return this.#events.subscribe(listener);
  }

  /** Events after a resourceVersion, or undefined when that is older than the history kept. */
  eventsSince(rv: number): StoreEvent[] | undefined {
    return this.#events.since(rv);
  }

  /** The oldest resourceVersion a watch can resume from. */
  oldestResourceVersion(): number {
    return this.#events.oldest();
  }

  #emit(type: WatchEventType, entry: Entry): void {
    if (entry.type.kind === "CustomResourceDefinition" && entry.type.group === "apiextensions.k8s.io") {
      this.registry.setCrds(this.entries(entry.type).map((e) => e.object));
    }
    const event: StoreEvent = { type, resourceVersion: Number(entry.object.metadata.resourceVersion), resource: entry.type, object: entry.object };
    this.#events.record(event);
    this.hooks.changed?.(event);
  }

  // ---- writes -----------------------------------------------------------------------------

  #tracking(type: ResourceType, version: string, subresource: string | undefined): TrackingContext {
    return trackingContext(this.registry, type, version, subresource);
  }

  #checkNamespace(type: ResourceType, namespace: string | undefined, name: string): void {
    if (!type.namespaced) return;
    if (!namespace) throw badRequest(`the ${type.kind} "${name}" needs a namespace: set metadata.namespace or use a namespaced URL`);
    const ns = this.#objects.get(keyOf("", "Namespace", undefined, namespace));
    if (!ns) throw notFound({ group: "", plural: "namespaces" }, namespace);
    if (ns.object.metadata.deletionTimestamp !== undefined) {
      throw forbidden(type, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  #checkCrdServing(type: ResourceType, name: string): void {
    const crd = this.registry.crdOf(type);
    if (crd?.metadata.deletionTimestamp !== undefined) {
      throw methodNotAllowed(`create not allowed while custom resource definition is terminating (${type.plural} "${name}")`);
    }
  }

  #generateName(type: ResourceType, namespace: string | undefined, prefix: string): string {
    for (;;) {
      let suffix = "";
      for (let i = 0; i < 5; i++) suffix += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
      if (!this.#entry(type, namespace, prefix + suffix)) return prefix + suffix;
    }
  }

  /** POST: create an object (namespace and name from its metadata). */
  create(t: Target, body: KubeObject, options: WriteOptions & { fieldManager: string }): WriteResult {
    const obj = structuredClone(body);
    obj.metadata ??= {};
    const type = t.type;
    if (!type.namespaced) delete obj.metadata.namespace;
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = this.#generateName(type, obj.metadata.namespace, obj.metadata.generateName);
    const name = obj.metadata.name ?? "";
    if (name === "") validateObject({ type, obj });
    const existing = this.#entry(type, obj.metadata.namespace, name);
    if (existing) throw alreadyExists(type, name, existing.object.metadata.deletionTimestamp !== undefined);
    if (type.statusSubresource && !(type.group === "" && type.kind === "Namespace")) delete obj["status"];
    return this.#write({ t, old: undefined, next: obj, manager: options.fieldManager, dryRun: options.dryRun ?? false, fieldValidation: options.fieldValidation });
  }

  /** PUT: replace an object (or its status), with optimistic concurrency on resourceVersion. */
  update(t: Target, namespace: string | undefined, name: string, body: KubeObject, options: WriteOptions & { fieldManager: string }): WriteResult {
    const type = t.type;
    const entry = this.#entry(type, namespace, name);
    // A Lease is created by a PUT (its registry's AllowCreateOnUpdate), as client-go's lock does not.
    if (!entry && isLease(type) && options.subresource === undefined) {
      const obj = structuredClone(body);
      obj.metadata = { ...obj.metadata, name, ...(namespace !== undefined ? { namespace } : {}) };
      delete obj.metadata.resourceVersion;
      return this.#write({ t, old: undefined, next: obj, manager: options.fieldManager, dryRun: options.dryRun ?? false, fieldValidation: options.fieldValidation });
    }
    if (!entry) throw notFound(type, name);
    const given = body.metadata?.resourceVersion;
    if (given === undefined || given === "") {
      // A built-in registry that refuses an unconditional update (AllowUnconditionalUpdate false) names
      // the resource and prints the zero it read (observed: `leases.coordination.k8s.io "x" is invalid: ... Invalid value: 0`).
      if (isLease(type)) throw invalid({ group: type.group, kind: type.plural, name }, [{ type: "FieldValueInvalid", field: "metadata.resourceVersion", value: 0, detail: "must be specified for an update" }]);
      if (type.crd !== undefined || (type.group === "apiextensions.k8s.io" && options.subresource === undefined)) {
        throw invalid({ group: type.group, kind: type.kind, name }, [{ type: "FieldValueInvalid", field: "metadata.resourceVersion", value: "0x0", detail: "must be specified for an update" }]);
      }
    } else if (given !== entry.object.metadata.resourceVersion) throw staleConflict(type, name);
    return this.#replace(t, entry, body, options);
  }

  #replace(t: Target, entry: Entry, body: KubeObject, options: WriteOptions & { fieldManager: string; entries?: ManagerEntry[] }): WriteResult {
    const old = entry.object;
    const name = old.metadata.name!;
    if (body.metadata?.name !== undefined && body.metadata.name !== name) {
      throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
    }
    let next: KubeObject;
    if (options.subresource === "status") {
      next = structuredClone(old);
      if (body["status"] === undefined) delete next["status"];
      else next["status"] = structuredClone(body["status"]);
    } else {
      next = structuredClone(body);
      next.metadata ??= {};
      if (t.type.statusSubresource) {
        if (old["status"] === undefined) delete next["status"];
        else next["status"] = structuredClone(old["status"]);
      }
    }
    return this.#write({ t, old, next, manager: options.fieldManager, dryRun: options.dryRun ?? false, subresource: options.subresource, entries: options.entries, fieldValidation: options.fieldValidation });
  }

  /** PATCH with a merge, strategic-merge or JSON patch. */
  patch(t: Target, namespace: string | undefined, name: string, patch: { type: PatchType; body: unknown }, options: WriteOptions & { fieldManager: string }): WriteResult {
    const entry = this.#entry(t.type, namespace, name);
    if (!entry) throw notFound(t.type, name);
    const current = this.present(entry, t.version);
    let patched: unknown;
    switch (patch.type) {
      case "merge":
        patched = mergePatch(current, patch.body);
        break;
      case "json":
        patched = jsonPatch(current, patch.body);
        break;
      case "strategic":
        patched = strategicMergePatch(current, patch.body, builtinTopology);
        break;
      default: {
        const never: never = patch.type;
        throw badRequest(`unknown patch type ${String(never)}`);
      }
    }
    if (!isPlainObject(patched) || !isPlainObject(patched["metadata"])) throw badRequest("the patched object must keep its metadata");
    const obj = patched as KubeObject;
    if (obj.metadata.resourceVersion !== undefined && obj.metadata.resourceVersion !== entry.object.metadata.resourceVersion) {
      throw staleConflict(t.type, name);
    }
    return this.#replace(t, entry, obj, options);
  }

  /** Server-side apply (PATCH `application/apply-patch+yaml`): creates the object when missing. */
  apply(t: Target, namespace: string | undefined, name: string, body: KubeObject, options: ApplyOptions): WriteResult {
    const type = t.type;
    if (!options.fieldManager) {
      throw new KubeApiError(422, "Invalid", `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`, {
        group: "meta.k8s.io",
        kind: "PatchOptions",
        causes: [{ reason: "FieldValueRequired", message: "Required value: is required for apply patch", field: "fieldManager" }],
      });
    }
    if (!isPlainObject(body) || typeof body.apiVersion !== "string" || typeof body.kind !== "string") {
      throw badRequest("the applied configuration must set apiVersion and kind, e.g. apiVersion: v1 and kind: ConfigMap");
    }
    if (body.apiVersion !== apiVersionOf(type.group, t.version) || body.kind !== type.kind) {
      throw badRequest(`the applied ${body.apiVersion}/${body.kind} does not match the URL's ${apiVersionOf(type.group, t.version)}/${type.kind}`);
    }
    const meta = isPlainObject(body.metadata) ? body.metadata : {};
    if (meta.name !== undefined && meta.name !== name) throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
    if (meta.managedFields !== undefined) throw badRequest("metadata.managedFields must be nil: remove managedFields from the applied configuration");
    const applied = structuredClone(body) as Record<string, unknown>;
    applied["metadata"] = { ...meta, name, ...(type.namespaced ? { namespace } : {}) };
    if (!type.namespaced) delete (applied["metadata"] as Record<string, unknown>)["namespace"];
    if (options.subresource !== "status" && type.statusSubresource) delete applied["status"];
    if (type.crd === undefined) defaultPortProtocols(applied);
    const schema = type.crd === undefined ? undefined : this.registry.schemaOf(type, t.version);
    // structured-merge-diff types the applied configuration before merging; the apiserver answers 500.
    const problems = type.crd === undefined ? builtinTypedPatchProblems(type.group, t.version, type.kind, applied) : schema === undefined ? [] : [typedPatchProblem(schema, applied)].filter((p) => p !== undefined);
    const objectRef = `${typeof meta.namespace === "string" ? meta.namespace : ""}/${name}; ${apiVersionOf(type.group, t.version)}, Kind=${type.kind}`;
    if (problems.length > 0) {
      throw new KubeApiError(500, "", `failed to create typed patch object (${objectRef}): ${problems.length === 1 ? problems[0] : `errors:\n${problems.map((p) => `  ${p}`).join("\n")}`}`);
    }
    const conversion = type.crd === undefined ? builtinConversionProblem(type.group, t.version, type.kind, applied) : undefined;
    if (conversion !== undefined) throw new KubeApiError(500, "", `failed to convert new object (${objectRef}) to proper version: ${conversion}`);

    const entry = this.#entry(type, namespace, name);
    if (!entry && options.subresource === "status") throw notFound(type, name);
    const live: KubeObject = entry
      ? this.present(entry, t.version)
      : { apiVersion: body.apiVersion, kind: type.kind, metadata: { name, ...(type.namespaced ? { namespace } : {}) } };
    const now = kubeTime(this.#now());
    const result = serverSideApply({
      entries: decodeManagedFields(live.metadata.managedFields),
      live: live as Record<string, unknown>,
      applied,
      manager: options.fieldManager,
      apiVersion: body.apiVersion,
      force: options.force ?? false,
      subresource: options.subresource,
      time: now,
      context: this.#tracking(type, t.version, options.subresource),
    });
    const merged = result.object as KubeObject;
    if (!entry) {
      return this.#write({ t, old: undefined, next: merged, manager: options.fieldManager, dryRun: options.dryRun ?? false, entries: result.entries });
    }
    return this.#replace(t, entry, merged, { ...options, entries: result.entries });
  }

  /**
   * A custom resource against its schema (schema.ts): unknown fields refused (Strict) or dropped
   * (Warn: returned as warnings; Ignore), non-nullable nulls dropped, defaults applied in place,
   * then 422 on what the schema refuses.
   */
  #checkSchema(t: Target, next: KubeObject, mode: FieldValidation): string[] {
    const type = t.type;
    if (type.crd === undefined) {
      // Built-in kinds (builtin-schema.ts): the Go decoder refuses values of the wrong type first,
      // then unknown fields are handled per fieldValidation; enums are validation's (validation.ts).
      const decode = builtinDecodeError(type.group, t.version, type.kind, next);
      const microTime = decode === undefined && isLease(type) ? leaseDecode(next) : undefined;
      if (decode !== undefined || microTime !== undefined) throw badRequest(`${type.kind} in version "${t.version}" cannot be handled as a ${type.kind}: ${decode ?? microTime}`);
      const unknown = unknownBuiltinFields(type.group, t.version, type.kind, next) ?? [];
      if (unknown.length === 0) return [];
      if (mode === "Strict") throw badRequest(`${type.kind} in version "${t.version}" cannot be handled as a ${type.kind}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(", ")}`);
      pruneFields(next, unknown);
      return mode === "Warn" ? unknown.map((f) => `unknown field "${f}"`) : [];
    }
    const schema = this.registry.schemaOf(type, t.version);
    if (schema === undefined) return [];
    const outcome = checkCustomObject(schema, next);
    if (mode === "Strict" && outcome.unknown.length > 0) {
      throw badRequest(`${type.kind} in version "${t.version}" cannot be handled as a ${type.kind}: strict decoding error: ${outcome.unknown.map((f) => `unknown field "${f}"`).join(", ")}`);
    }
    const warnings = mode === "Warn" ? outcome.unknown.map((f) => `unknown field "${f}"`) : [];
    if (outcome.errors.length > 0) throw withWarnings(invalid({ group: type.group, kind: type.kind, name: next.metadata.name ?? "" }, outcome.errors), warnings);
    for (const key of Object.keys(next)) if (!(key in outcome.object)) delete next[key];
    Object.assign(next, outcome.object);
    return warnings;
  }

  /** The namespace `finalize` subresource: replace `spec.finalizers`. */
  finalizeNamespace(name: string, finalizers: readonly string[], options: { dryRun?: boolean } = {}): WriteResult {
    const t = this.target("v1", "Namespace");
    const entry = this.#entry(t.type, undefined, name);
    if (!entry) throw notFound(t.type, name);
    const next = structuredClone(entry.object);
    next["spec"] = { ...(isPlainObject(next["spec"]) ? next["spec"] : {}), finalizers: [...finalizers] };
    return this.#write({ t, old: entry.object, next, manager: "kube-controller-manager", dryRun: options.dryRun ?? false, subresource: "finalize", raw: true });
  }

  /**
   * The common end of every write: server-set fields, validation, generation, managedFields,
   * no-op detection, completion of a pending deletion, then store and notify.
   */
  #write(w: {
    t: Target;
    old: KubeObject | undefined;
    next: KubeObject;
    manager: string;
    dryRun: boolean;
    subresource?: string;
    entries?: ManagerEntry[];
    /** Skip kind defaults (the finalize subresource changes exactly what it says). */
    raw?: boolean;
    fieldValidation?: FieldValidation | undefined;
  }): WriteResult {
    const { t, old, next } = w;
    const type = t.type;
    const now = this.#now();
    next.apiVersion = apiVersionOf(type.group, t.version);
    next.kind = type.kind;
    next.metadata ??= {};
    if (!type.namespaced) delete next.metadata.namespace;
    const name = next.metadata.name ?? "";
    if (old === undefined) {
      this.#checkNamespace(type, next.metadata.namespace, name);
      this.#checkCrdServing(type, name);
      for (const f of ["uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"]) delete next.metadata[f];
      next.metadata.uid = randomUUID();
      next.metadata.creationTimestamp = kubeTime(now);
      if (type.generation) next.metadata.generation = 1;
      applyCreateDefaults(type, next, { now, establishCrds: this.#establishInline });
    } else {
      if (type.namespaced && next.metadata.namespace !== undefined && next.metadata.namespace !== old.metadata.namespace) {
        throw badRequest(`the namespace of the provided object (${next.metadata.namespace}) does not match the namespace sent on the request (${old.metadata.namespace})`);
      }
      for (const f of ["name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"]) {
        if (old.metadata[f] === undefined) delete next.metadata[f];
        else next.metadata[f] = old.metadata[f];
      }
      if (!w.raw) applyUpdateDefaults(type, next, old, { now, establishCrds: this.#establishInline });
      if (type.generation && specChanged(old, next)) next.metadata.generation = (old.metadata.generation ?? 0) + 1;
    }
    const warnings = w.raw ? [] : this.#checkSchema(t, next, w.fieldValidation ?? "Ignore");
    if (isLease(type)) leasePrepare(next, old);
    validateObject({ type, obj: next, old });

    const time = kubeTime(now);
    let entries = w.entries;
    if (entries === undefined) {
      const base = baseManagedFields(old, next);
      entries = base === "reset" ? [] : recordUpdate({
        entries: base,
        old: old === undefined ? undefined : this.present({ type, object: old }, t.version),
        next,
        manager: w.manager,
        apiVersion: next.apiVersion,
        subresource: w.subresource === "finalize" ? undefined : w.subresource,
        time,
        context: this.#tracking(type, t.version, w.subresource === "finalize" ? undefined : w.subresource),
      });
    }
    const managed = encodeManagedFields(entries);
    if (managed.length > 0) next.metadata.managedFields = managed;
    else delete next.metadata.managedFields;

    if (old !== undefined && sameContent(old, next)) {
      return { object: this.present({ type, object: old }, t.version), created: false, warnings };
    }

    const finished = old !== undefined && next.metadata.deletionTimestamp !== undefined && (next.metadata.finalizers ?? []).length === 0 && !hasNamespaceFinalizers(type, next);
    if (w.dryRun) {
      const result = structuredClone(next);
      if (old === undefined) {
        delete result.metadata.uid;
        delete result.metadata.resourceVersion;
      } else result.metadata.resourceVersion = old.metadata.resourceVersion;
      return { object: result, created: old === undefined, warnings };
    }
    next.metadata.resourceVersion = String(++this.#rv);
    const key = keyOf(type.group, type.kind, next.metadata.namespace, name);
    const entry: Entry = { type, object: next };
    if (finished) {
      this.#objects.delete(key);
      this.#emit("DELETED", entry);
    } else {
      this.#objects.set(key, entry);
      this.#emit(old === undefined ? "ADDED" : "MODIFIED", entry);
    }
    return { object: this.present(entry, t.version), created: old === undefined, warnings };
  }

  /** DELETE: remove the object, or mark it (deletionTimestamp) while finalizers remain. */
  delete(t: Target, namespace: string | undefined, name: string, options: DeleteOptions = {}): DeleteResult {
    const type = t.type;
    const entry = this.#entry(type, namespace, name);
    if (!entry) throw notFound(type, name);
    const old = entry.object;
    const pre = options.preconditions;
    if (pre?.uid !== undefined && pre.uid !== old.metadata.uid) {
      throw new KubeApiError(409, "Conflict", `Operation cannot be fulfilled on ${type.plural} "${name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`, { name, kind: type.plural });
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw new KubeApiError(409, "Conflict", `Operation cannot be fulfilled on ${type.plural} "${name}": Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`, { name, kind: type.plural });
    }
    const isNamespace = type.group === "" && type.kind === "Namespace";
    if (old.metadata.deletionTimestamp !== undefined) {
      if (isNamespace && hasNamespaceFinalizers(type, old)) {
        throw new KubeApiError(409, "Conflict", `Operation cannot be fulfilled on namespaces "${name}": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.`, { name, kind: "namespaces" });
      }
      return { kind: "pending", object: this.present(entry, t.version) };
    }
    const finalizers = [...(old.metadata.finalizers ?? [])];
    if (!isNamespace) {
      if (options.propagationPolicy === "Foreground" && !finalizers.includes("foregroundDeletion")) finalizers.push("foregroundDeletion");
      if (options.propagationPolicy === "Orphan" && !finalizers.includes("orphan")) finalizers.push("orphan");
    }
    if (finalizers.length > 0 || hasNamespaceFinalizers(type, old)) {
      const next = structuredClone(old);
      next.metadata.finalizers = finalizers;
      next.metadata.deletionTimestamp = kubeTime(this.#now());
      next.metadata.deletionGracePeriodSeconds = 0;
      if (next.metadata.generation !== undefined && next.metadata.generation > 0) next.metadata.generation += 1;
      if (isNamespace) next["status"] = { ...(isPlainObject(next["status"]) ? next["status"] : {}), phase: "Terminating" };
      if (options.dryRun) return { kind: "pending", object: this.present({ type, object: next }, t.version) };
      next.metadata.resourceVersion = String(++this.#rv);
      const marked: Entry = { type, object: next };
      this.#objects.set(keyOf(type.group, type.kind, next.metadata.namespace, name), marked);
      this.#emit("MODIFIED", marked);
      return { kind: "pending", object: this.present(marked, t.version) };
    }
    if (options.dryRun) return { kind: "deleted", object: this.present(entry, t.version) };
    const gone = structuredClone(old);
    gone.metadata.resourceVersion = String(++this.#rv);
    const removed: Entry = { type, object: gone };
    this.#objects.delete(keyOf(type.group, type.kind, old.metadata.namespace, name));
    this.#emit("DELETED", removed);
    return { kind: "deleted", object: this.present(removed, t.version) };
  }
}
