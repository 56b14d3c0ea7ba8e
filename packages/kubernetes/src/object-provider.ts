/**
 * The provider of every object type of this package (`kubernetes:index:Manifest`,
 * `kubernetes:core/v1:Namespace`, and the Flux kinds of `@iac/kubernetes/flux`): inputs are the
 * object's own fields (`apiVersion`, `kind`, `metadata`, `spec`, ...), applied with server-side
 * apply under the field manager `iac`.
 *
 * - create: refuses to adopt an object that exists already (import it instead), applies, and waits
 *   for readiness where it has a meaning (see readiness.ts); a CR whose CRD is not served yet is
 *   retried for a while, as pulumi-kubernetes does.
 * - update: applies the new desired state; fields the program no longer sets are removed by the
 *   API server (they were ours, and SSA drops fields their applier omits).
 * - diff: field level, against what was applied; immutable fields replace (immutable.ts).
 * - delete: NotFound is success; waits until the object is gone (finalizers, namespace termination).
 */
import { autoname } from "@iac/sdk";
import { ConflictError, containsUnknown, PartialCreateError, ProviderError, type CheckFailure, type Provider, type PropertyMap, type ProviderContext } from "@iac/sdk/provider";
import { callFailed, type KubeClient, type LiveObject } from "./client.js";
import { diffObjects } from "./diff.js";
import { isImmutableFieldError, KubernetesError } from "./errors.js";
import { removedFieldFailures } from "./flux/removed-fields.js";
import { inputsFromLive, outputsOf, project } from "./live.js";
import { describe, idOf, isClusterScopedKind, keyOf, parseId, type KubeObject, type ObjectKey } from "./objects.js";
import { fluxReadiness, hasReadiness, readinessOf } from "./readiness.js";

/** Default wait for readiness and deletion, as pulumi-kubernetes (10 minutes). */
export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
/** How long a create retries a kind that is not served yet (a CRD still being Established). */
const NO_MATCH_RETRY_MS = 60_000;

/** Fixed facts an object type adds to the generic rules. */
export interface ObjectTypeRules {
  /** The apiVersion and kind every object of this type has (typed classes), or undefined (Manifest). */
  readonly apiVersion?: string;
  readonly kind?: string;
  /** The namespace of objects that name none (Flux objects: `flux-system`). */
  readonly defaultNamespace?: string;
  /** Extra check rules. */
  readonly check?: (obj: PropertyMap) => CheckFailure[];
  /**
   * A Flux object: create and update wait for its Ready condition when the inputs' `waitForReady`
   * says so, else when this default does (GitRepository and Kustomization: true).
   */
  readonly fluxWaitDefault?: boolean;
}

/** The input that is iac's, not the object's: stripped before the object is applied. */
export const WAIT_FOR_READY = "waitForReady";

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function fail(property: string, reason: string): CheckFailure {
  return { property, reason };
}

/** The key of an object from the provider's state (outputs first: they hold the namespace the API chose). */
function stateKey(id: string, state: { inputs: PropertyMap; outputs: PropertyMap }): ObjectKey {
  const o = state.outputs as unknown as Partial<KubeObject>;
  if (typeof o.apiVersion === "string" && typeof o.kind === "string" && isMap(o.metadata) && typeof o.metadata.name === "string") {
    return keyOf(o as KubeObject);
  }
  return parseId(id);
}

/** The live namespace of a namespaced object, used to compare inputs that leave it implicit. */
function withNamespace(obj: PropertyMap, namespace: unknown): PropertyMap {
  const md = isMap(obj.metadata) ? obj.metadata : {};
  if (typeof namespace !== "string" || md.namespace !== undefined) return obj;
  return { ...obj, metadata: { ...(md as PropertyMap), namespace } };
}

/** The object provider for one client. */
export function objectProvider(client: () => KubeClient, rules: ObjectTypeRules = {}): Provider {
  const waitOptions = (ctx: ProviderContext, timeoutMs: number | undefined) => ({
    timeoutMs: timeoutMs ?? DEFAULT_TIMEOUT_MS,
    signal: ctx.signal,
    progress: (m: string) => ctx.log.info(m),
  });

  async function awaitReady(live: LiveObject, inputs: PropertyMap, ctx: ProviderContext, timeoutMs: number | undefined): Promise<LiveObject> {
    if (isAnnotatedSkip(live)) return live;
    if (rules.fluxWaitDefault !== undefined) {
      // As `flux create ... --wait` does: Ready=True at the observed generation; Ready=False reports the controller's message.
      const wait = typeof inputs[WAIT_FOR_READY] === "boolean" ? inputs[WAIT_FOR_READY] : rules.fluxWaitDefault;
      return wait ? client().waitFor(keyOf(live), (l) => fluxReadiness(l), waitOptions(ctx, timeoutMs)) : live;
    }
    if (!hasReadiness(live.kind)) return live;
    return client().waitFor(keyOf(live), readinessOf, waitOptions(ctx, timeoutMs));
  }

  /** The object to apply: the inputs less iac's own `waitForReady`. */
  function objectOf(inputs: PropertyMap): KubeObject {
    const { [WAIT_FOR_READY]: _wait, ...obj } = structuredClone(inputs);
    return obj as unknown as KubeObject;
  }

  return {
    // An apply changes spec, data, labels, annotations and (through controllers) status, never the
    // object's identity: another apiVersion, kind, name or namespace is a replace (immutable.ts), and
    // uid and creationTimestamp are set once by the API server.
    stableOutputs: ["apiVersion", "kind", "metadata.name", "metadata.namespace", "metadata.uid", "metadata.creationTimestamp"],
    async check(news, olds, ctx) {
      const failures: CheckFailure[] = [];
      let inputs: PropertyMap = { ...news };
      if (rules.apiVersion !== undefined && inputs.apiVersion === undefined) inputs.apiVersion = rules.apiVersion;
      if (rules.kind !== undefined && inputs.kind === undefined) inputs.kind = rules.kind;
      for (const k of ["apiVersion", "kind"] as const) {
        const v = inputs[k];
        if (v === undefined) failures.push(fail(k, `every Kubernetes object needs ${k} (e.g. apiVersion: v1, kind: ConfigMap).`));
        else if (typeof v !== "string" && !containsUnknown(v)) failures.push(fail(k, `${k} must be a string.`));
      }
      if (rules.kind !== undefined && typeof inputs.kind === "string" && inputs.kind !== rules.kind) {
        failures.push(fail("kind", `this resource type manages ${rules.kind} objects, not ${inputs.kind}: use Manifest for other kinds.`));
      }
      const md = inputs.metadata;
      if (md !== undefined && !isMap(md) && !containsUnknown(md)) failures.push(fail("metadata", "metadata must be a mapping (name, namespace, labels, annotations)."));
      const metadata: PropertyMap = isMap(md) ? { ...(md as PropertyMap) } : {};
      if (rules.defaultNamespace !== undefined && metadata.namespace === undefined) metadata.namespace = rules.defaultNamespace;
      if (metadata.name === undefined) {
        // Autonaming (DESIGN.md): keep the name chosen before, else the logical name plus a random suffix.
        const previous = isMap(olds?.metadata) ? (olds.metadata as PropertyMap).name : undefined;
        metadata.name = typeof previous === "string" ? previous : autoname(ctx.name.toLowerCase(), { charset: "alnum-hyphen", maxLength: 63 });
      } else if (typeof metadata.name === "string" && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(metadata.name) && !metadata.name.includes(":")) {
        // RBAC names may hold ':' and upper case; other kinds are DNS subdomains.
        if (!/^(ClusterRole|ClusterRoleBinding|Role|RoleBinding)$/.test(String(inputs.kind))) {
          failures.push(fail("metadata.name", `"${metadata.name}" is not a valid name: use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit.`));
        }
      }
      if (typeof inputs.kind === "string" && isClusterScopedKind(inputs.kind) && typeof metadata.namespace === "string") {
        failures.push(fail("metadata.namespace", `${inputs.kind} is cluster-scoped: remove metadata.namespace.`));
      }
      for (const k of ["managedFields", "resourceVersion", "uid"]) {
        if (metadata[k] !== undefined) failures.push(fail(`metadata.${k}`, `metadata.${k} is set by the API server: remove it from the object.`));
      }
      if (inputs.status !== undefined) failures.push(fail("status", "status is written by controllers, not by the object's owner: remove it."));
      const wait = inputs[WAIT_FOR_READY];
      if (wait !== undefined && !containsUnknown(wait)) {
        if (rules.fluxWaitDefault === undefined) failures.push(fail(WAIT_FOR_READY, `waitForReady applies to Flux objects only; ${String(inputs.kind)} objects are awaited where readiness has a meaning (annotate iac.dev/skipAwait: "true" to skip).`));
        else if (typeof wait !== "boolean") failures.push(fail(WAIT_FOR_READY, "waitForReady must be true or false."));
      }
      inputs = { ...inputs, metadata };
      failures.push(...removedFieldFailures(inputs));
      failures.push(...(rules.check?.(inputs) ?? []));
      return { inputs, failures };
    },

    async diff(_id, olds, news) {
      const ns = isMap(olds.outputs.metadata) ? (olds.outputs.metadata as PropertyMap).namespace : undefined;
      return diffObjects(withNamespace(olds.inputs, ns), withNamespace(news, ns));
    },

    async create(news, ctx) {
      const obj = objectOf(news);
      const c = client();
      const key = keyOf(obj, isClusterScopedKind(obj.kind) ? undefined : c.defaultNamespace);
      let live: LiveObject;
      try {
        // Refuse to adopt: deleting the program's resource later would delete someone else's object.
        const existing = await c.retryNoMatch(obj.apiVersion, () => c.get(key, { signal: ctx.signal }), { ...waitOptions(ctx, NO_MATCH_RETRY_MS) });
        if (existing !== undefined) {
          throw new ConflictError(
            `${describe(key)} already exists in the cluster, and iac did not create it. Adopt it with the import option ({ import: "${idOf(keyOf(existing))}" }), delete it, or give the object another name.`,
          );
        }
        live = await c.retryNoMatch(obj.apiVersion, () => c.apply(obj, { signal: ctx.signal }), waitOptions(ctx, Math.min(ctx.timeouts.create ?? DEFAULT_TIMEOUT_MS, NO_MATCH_RETRY_MS)));
      } catch (err) {
        throw err instanceof ProviderError ? err : callFailed(err, "Creating", key);
      }
      const id = idOf(keyOf(live));
      try {
        live = await awaitReady(live, news, ctx, ctx.timeouts.create);
      } catch (err) {
        // The object exists: the engine records it so that nothing is orphaned.
        throw new PartialCreateError(`${describe(key)} was created but did not become ready: ${(err as Error).message}`, { id, outputs: outputsOf(live), cause: err });
      }
      return { id, outputs: outputsOf(live) };
    },

    async read(id, olds, ctx) {
      const key = stateKey(id, olds);
      let live: LiveObject | undefined;
      try {
        live = await client().get(key, { signal: ctx.signal });
      } catch (err) {
        throw callFailed(err, "Reading", key);
      }
      if (live === undefined) return undefined;
      const { [WAIT_FOR_READY]: wait, ...applied } = olds.inputs;
      const inputs = Object.keys(applied).length === 0 ? inputsFromLive(live) : ((project(applied, live as unknown as PropertyMap) ?? {}) as PropertyMap);
      // iac's own input is not on the cluster: keep what the program said.
      return { inputs: wait === undefined ? inputs : { ...inputs, [WAIT_FOR_READY]: wait }, outputs: outputsOf(live) };
    },

    async update(id, olds, news, ctx) {
      const obj = objectOf(news);
      const key = stateKey(id, olds);
      const c = client();
      let live: LiveObject;
      try {
        live = await c.apply(obj.metadata.namespace === undefined && key.namespace !== undefined ? ({ ...obj, metadata: { ...obj.metadata, namespace: key.namespace } } as KubeObject) : obj, { signal: ctx.signal });
      } catch (err) {
        if (isImmutableFieldError(err)) {
          throw new KubernetesError(
            `Updating ${describe(key)} failed: the API server says a changed field is immutable (${(callFailed(err, "", key) as Error).message.replace(/^ *[^:]*failed: /, "")}). iac's table of immutable fields does not know this one: add the field to the resource's replaceOnChanges option so that iac replaces the object, or delete it and run up again.`,
            { code: "ImmutableField", cause: err },
          );
        }
        throw callFailed(err, "Updating", key);
      }
      live = await awaitReady(live, news, ctx, ctx.timeouts.update);
      return { outputs: outputsOf(live) };
    },

    async delete(id, olds, ctx) {
      const key = stateKey(id, olds);
      const c = client();
      try {
        const sent = await c.delete(key, { signal: ctx.signal });
        if (!sent) return;
        await c.waitGone(key, waitOptions(ctx, ctx.timeouts.delete));
      } catch (err) {
        throw err instanceof ProviderError ? err : callFailed(err, "Deleting", key);
      }
    },

    async find(inputs, ctx) {
      // An apply is stored (or not) before the API server answers, and reads are consistent: GET is
      // the truth, and NotFound means the interrupted create made nothing (docs/provider-protocol.md).
      const obj = objectOf(inputs);
      const c = client();
      const live = await c.get(keyOf(obj, isClusterScopedKind(obj.kind) ? undefined : c.defaultNamespace), { signal: ctx.signal });
      return live === undefined ? undefined : { id: idOf(keyOf(live)), outputs: outputsOf(live) };
    },
  };
}

/** `iac.dev/skipAwait: "true"` skips the readiness wait (as pulumi.com/skipAwait does). */
function isAnnotatedSkip(live: LiveObject): boolean {
  return live.metadata.annotations?.["iac.dev/skipAwait"] === "true";
}
