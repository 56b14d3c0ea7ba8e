/**
 * Selecting and customising Flux's install manifests, as `flux install`/`flux bootstrap` generate
 * gotk-components.yaml (reference/notes/flux.md §1.3): keep the chosen controllers, the common
 * objects (namespace, RBAC, quota) and, unless disabled, the network policies; set the namespace,
 * the controllers' `--watch-all-namespaces` argument, and an empty `--events-addr` when the
 * notification-controller is not installed.
 *
 * The input is either a release's `install.yaml` (all seven controllers) or a gotk-components.yaml
 * (the four defaults); objects belong to a controller by their `app.kubernetes.io/component` label.
 */
import { stringify } from "yaml";
import { KubernetesError } from "../errors.js";
import { isClusterScopedKind, type KubeObject } from "../objects.js";

/** The controllers installed when `components` is not given (flux2 install/options.go MakeDefaultOptions). */
export const DEFAULT_COMPONENTS = ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"] as const;

/** Controllers that may be added with `componentsExtra`. */
export const EXTRA_COMPONENTS = ["image-reflector-controller", "image-automation-controller", "source-watcher"] as const;

/** Controllers `flux bootstrap` refuses to go without (bootstrapValidate). */
export const REQUIRED_COMPONENTS = ["source-controller", "kustomize-controller"] as const;

/** The namespace the upstream manifests are written for. */
export const UPSTREAM_NAMESPACE = "flux-system";

const COMPONENT_LABEL = "app.kubernetes.io/component";
const INSTANCE_LABEL = "app.kubernetes.io/instance";
const VERSION_LABEL = "app.kubernetes.io/version";

/** What to install. */
export interface ComponentOptions {
  readonly components?: readonly string[];
  readonly componentsExtra?: readonly string[];
  /** Default `flux-system`. */
  readonly namespace?: string;
  /** Default true: keep the NetworkPolicies. */
  readonly networkPolicy?: boolean;
  /** Default true: controllers watch every namespace. */
  readonly watchAllNamespaces?: boolean;
  /** The Flux version, labelled on objects that carry none (a release's install.yaml), as flux's generator does. */
  readonly version?: string;
}

/** Problems with component names, as check failures (`property`, `reason`). */
export function componentFailures(o: Pick<ComponentOptions, "components" | "componentsExtra">): { property: string; reason: string }[] {
  const failures: { property: string; reason: string }[] = [];
  const known = new Set<string>([...DEFAULT_COMPONENTS]);
  (o.components ?? []).forEach((c, i) => {
    if (!known.has(c)) {
      const hint = (EXTRA_COMPONENTS as readonly string[]).includes(c) ? ` ${c} is an extra: list it in componentsExtra.` : "";
      failures.push({ property: `components[${i}]`, reason: `"${c}" is not a Flux component. The components are ${DEFAULT_COMPONENTS.join(", ")}.${hint}` });
    }
  });
  (o.componentsExtra ?? []).forEach((c, i) => {
    if (!(EXTRA_COMPONENTS as readonly string[]).includes(c)) {
      failures.push({ property: `componentsExtra[${i}]`, reason: `"${c}" is not an extra Flux component. The extras are ${EXTRA_COMPONENTS.join(", ")}.` });
    }
  });
  if (o.components !== undefined) {
    for (const r of REQUIRED_COMPONENTS) {
      if (!o.components.includes(r)) failures.push({ property: "components", reason: `${r} is required (Flux cannot sync itself without it): add it to components.` });
    }
  }
  return failures;
}

/** The selected controllers, in the order `flux` lists them. */
export function selectedComponents(o: Pick<ComponentOptions, "components" | "componentsExtra">): string[] {
  return [...new Set([...(o.components ?? DEFAULT_COMPONENTS), ...(o.componentsExtra ?? [])])];
}

function componentOf(obj: KubeObject): string | undefined {
  return obj.metadata.labels?.[COMPONENT_LABEL];
}

/**
 * The install objects for these options: filtered and customised copies, in the manifests' order.
 * Throws when a selected controller is not in the manifests.
 */
export function selectComponents(objects: readonly KubeObject[], options: ComponentOptions = {}): KubeObject[] {
  const selected = selectedComponents(options);
  const present = new Set(objects.filter((o) => o.kind === "Deployment").map(componentOf));
  const missing = selected.filter((c) => !present.has(c));
  if (missing.length > 0) {
    throw new KubernetesError(
      `The Flux install manifests have no ${missing.join(", ")}: they hold ${[...present].filter(Boolean).join(", ") || "no controllers"}. Use a release's install.yaml (all controllers) as manifests, or drop ${missing.join(", ")} from the components.`,
      { code: "ComponentMissing" },
    );
  }
  const networkPolicy = options.networkPolicy ?? true;
  const kept = objects.filter((o) => {
    const c = componentOf(o);
    if (c !== undefined) return selected.includes(c);
    if (o.kind === "NetworkPolicy") return networkPolicy;
    return true;
  });
  const namespace = options.namespace ?? UPSTREAM_NAMESPACE;
  const watchAll = options.watchAllNamespaces ?? true;
  const version = options.version === undefined || options.version === "unknown" ? undefined : options.version;
  // flux2 manifestgen/install: the controllers get notification-controller's address only when it is
  // installed; without it `--events-addr=` (empty), so they record Kubernetes Events and post nothing.
  const events = selected.includes("notification-controller");
  return kept.map((o) => customise(o, { namespace, watchAll, events, version }));
}

/** A copy of `obj` moved to `namespace`, with the controllers' watch scope and event address set. */
function customise(obj: KubeObject, o: { namespace: string; watchAll: boolean; events: boolean; version?: string }): KubeObject {
  const out = structuredClone(obj) as unknown as Record<string, unknown>;
  const md = { ...(out.metadata as Record<string, unknown>) };
  const labels = { ...((md.labels as Record<string, string> | undefined) ?? {}) };
  if (labels[INSTANCE_LABEL] !== undefined) labels[INSTANCE_LABEL] = o.namespace;
  // flux2 manifestgen/install: commonLabels app.kubernetes.io/version on every object.
  if (o.version !== undefined && labels[VERSION_LABEL] === undefined && labels[INSTANCE_LABEL] !== undefined) labels[VERSION_LABEL] = o.version;
  if (Object.keys(labels).length > 0) md.labels = labels;
  if (o.namespace !== UPSTREAM_NAMESPACE) {
    if (obj.kind === "Namespace" && md.name === UPSTREAM_NAMESPACE) md.name = o.namespace;
    else if (!isClusterScopedKind(obj.kind)) md.namespace = o.namespace;
    // RBAC names carry the namespace as a suffix (manifests/rbac: nameSuffix -<ns>), so two installs do not collide.
    if (isClusterScopedKind(obj.kind) && typeof md.name === "string") md.name = resuffix(md.name, o.namespace);
    if (obj.kind === "ClusterRoleBinding") {
      const roleRef = out["roleRef"] as Record<string, unknown> | undefined;
      if (roleRef && typeof roleRef.name === "string") out["roleRef"] = { ...roleRef, name: resuffix(roleRef.name, o.namespace) };
      const subjects = out["subjects"] as Record<string, unknown>[] | undefined;
      if (Array.isArray(subjects)) out["subjects"] = subjects.map((s) => (s.namespace === UPSTREAM_NAMESPACE ? { ...s, namespace: o.namespace } : s));
    }
    if (obj.kind === "ResourceQuota" && typeof md.name === "string") md.name = resuffix(md.name, o.namespace);
  }
  out.metadata = md;
  if (obj.kind === "Deployment") {
    setArgs(out, o.watchAll, o.events);
    // flux's kustomization sets the common labels on the pod templates too (flux.md §1.3).
    const tmd = (out["spec"] as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template?.metadata;
    if (tmd?.labels?.[INSTANCE_LABEL] !== undefined) tmd.labels[INSTANCE_LABEL] = o.namespace;
  }
  return out as unknown as KubeObject;
}

function resuffix(name: string, namespace: string): string {
  const suffix = `-${UPSTREAM_NAMESPACE}`;
  return name.endsWith(suffix) ? `${name.slice(0, -suffix.length)}-${namespace}` : name;
}

/** Sets a controller's watch scope, and empties its event address when no notification-controller is installed. */
function setArgs(deployment: Record<string, unknown>, watchAll: boolean, events: boolean): void {
  const containers = ((deployment["spec"] as { template?: { spec?: { containers?: { args?: string[] }[] } } } | undefined)?.template?.spec?.containers) ?? [];
  for (const c of containers) {
    if (!Array.isArray(c.args)) continue;
    c.args = c.args.map((a) => {
      if (a.startsWith("--watch-all-namespaces=")) return `--watch-all-namespaces=${watchAll}`;
      if (!events && a.startsWith("--events-addr=")) return "--events-addr=";
      return a;
    });
  }
}

/** The Flux version the manifests were built for (their `app.kubernetes.io/version` label). */
export function manifestsVersion(objects: readonly KubeObject[]): string | undefined {
  for (const o of objects) {
    const v = o.metadata.labels?.[VERSION_LABEL];
    if (v) return v;
  }
  return undefined;
}

/** Serialises objects as one multi-document YAML stream, keys sorted (as sigs.k8s.io/yaml writes them). */
export function toYamlStream(objects: readonly unknown[]): string {
  return objects.map((o) => `---\n${stringify(o, { sortMapEntries: true, lineWidth: 0 })}`).join("");
}

/**
 * The text of `gotk-components.yaml`: flux's header (version and components) followed by the
 * objects (flux2 pkg/manifestgen/install: the header is what `flux` reads back).
 */
export function componentsFile(objects: readonly KubeObject[], o: { version: string; components: readonly string[] }): string {
  const header = `---\n# This manifest was generated by flux. DO NOT EDIT.\n# Flux Version: ${o.version}\n# Components: ${o.components.join(",")}\n`;
  const body = objects.map((obj) => stringify(obj, { sortMapEntries: true, lineWidth: 0 })).join("---\n");
  return header + body;
}
