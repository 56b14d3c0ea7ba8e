/**
 * Turning the files under a Kustomization's `spec.path` into the objects to apply, the way
 * kustomize-controller would for the simple cases the local cloud supports:
 *
 * - no `kustomization.yaml` at the path: every `.yaml`/`.yml` file below it (recursively) is a
 *   manifest, except that a sub-directory holding a `kustomization.yaml` is built from it instead
 *   (kustomize-controller generates such a kustomization.yaml itself);
 * - a `kustomization.yaml`: only its `resources:` are used, each a plain file or a directory with
 *   its own `kustomization.yaml`. Every other kustomize feature (patches, namespace, images,
 *   generators, components, remote resources) is not emulated; remote resources are refused.
 *
 * Objects come back sorted in Flux's apply order (fluxcd/pkg ssa/sort.go `ReconcileOrder`,
 * reference/notes/flux.md §5): CRDs and Namespaces first, webhooks last.
 */
import { parseAllDocuments } from "yaml";
import type { GitFile } from "../git/index.js";
import { groupOf, versionOf, type KubeObject } from "./objects.js";

/** A manifest set could not be built; the message names the file and what to change. */
export class ManifestError extends Error {
  readonly code = "ManifestBuildFailed";
  constructor(message: string) {
    super(message);
    this.name = "ManifestError";
  }
}

const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

const FIRST = [
  "CustomResourceDefinition", "Namespace", "ClusterRole", "ClusterClass", "RuntimeClass", "PriorityClass",
  "StorageClass", "VolumeSnapshotClass", "IngressClass", "GatewayClass", "ClusterRoleBinding", "ResourceQuota",
  "ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Secret", "Service", "LimitRange", "Deployment",
  "StatefulSet", "CronJob", "PodDisruptionBudget",
];
const LAST = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

function rank(kind: string): number {
  const first = FIRST.indexOf(kind);
  if (first >= 0) return first;
  const last = LAST.indexOf(kind);
  return last >= 0 ? 1000 + last : 500;
}

function compare(a: KubeObject, b: KubeObject): number {
  const keys = (o: KubeObject) => [rank(o.kind), groupOf(o.apiVersion), o.kind, o.metadata.namespace ?? "", o.metadata.name] as const;
  const ka = keys(a);
  const kb = keys(b);
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] === kb[i]) continue;
    return ka[i]! < kb[i]! ? -1 : 1;
  }
  return 0;
}

/** Sort objects in Flux's apply order. */
export function sortForApply(objects: readonly KubeObject[]): KubeObject[] {
  return [...objects].sort(compare);
}

/** Whether an object goes in Flux's first apply stage (cluster definitions). */
export function isClusterDefinition(obj: KubeObject): boolean {
  return obj.kind === "CustomResourceDefinition" || obj.kind === "Namespace" || obj.kind === "ClusterRole";
}

/** Flux's inventory id of an object: `<namespace>_<name>_<group>_<kind>`. */
export function inventoryId(obj: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): string {
  return `${obj.metadata.namespace ?? ""}_${obj.metadata.name}_${groupOf(obj.apiVersion)}_${obj.kind}`;
}

/** An inventory entry as Flux writes it in `status.inventory.entries`. */
export interface InventoryEntry {
  readonly id: string;
  readonly v: string;
}

export function inventoryEntry(obj: KubeObject): InventoryEntry {
  return { id: inventoryId(obj), v: versionOf(obj.apiVersion) };
}

/** Parse the objects of one YAML file (multi-document; `List` kinds are flattened). */
export function parseManifests(file: GitFile, options: { readonly skipNonObjects: boolean }): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(file.content)) {
    if (doc.errors.length > 0) throw new ManifestError(`${file.path}: invalid YAML: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const items = isObject(value) && typeof value["kind"] === "string" && value["kind"].endsWith("List") && Array.isArray(value["items"]) ? (value["items"] as unknown[]) : [value];
    for (const item of items) {
      if (!isObject(item) || typeof item["apiVersion"] !== "string" || typeof item["kind"] !== "string" || !isObject(item["metadata"]) || typeof item["metadata"]["name"] !== "string") {
        if (options.skipNonObjects) continue;
        throw new ManifestError(`${file.path}: a document is not a Kubernetes object (it needs apiVersion, kind and metadata.name).`);
      }
      out.push(item as unknown as KubeObject);
    }
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const isYaml = (p: string) => p.endsWith(".yaml") || p.endsWith(".yml");
const join = (dir: string, rel: string) => (dir === "" ? rel : `${dir}/${rel}`);

/** The objects of the directory `dir` (relative to the repository root) among `files`. */
export function buildManifests(files: readonly GitFile[], dir: string): KubeObject[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  return sortForApply(buildDir(byPath, dir.replace(/^\.?\/+|\/+$/g, "").replace(/^\.$/, ""), 0));
}

function kustomizationFileIn(byPath: ReadonlyMap<string, GitFile>, dir: string): GitFile | undefined {
  for (const name of KUSTOMIZATION_FILES) {
    const f = byPath.get(join(dir, name));
    if (f !== undefined) return f;
  }
  return undefined;
}

function buildDir(byPath: ReadonlyMap<string, GitFile>, dir: string, depth: number): KubeObject[] {
  if (depth > 20) throw new ManifestError(`${dir}: kustomizations nest more than 20 levels deep; is there a cycle in resources?`);
  const kfile = kustomizationFileIn(byPath, dir);
  if (kfile !== undefined) return buildKustomization(byPath, dir, kfile, depth);
  const prefix = dir === "" ? "" : `${dir}/`;
  const under = [...byPath.keys()].filter((p) => p.startsWith(prefix)).sort();
  // Sub-directories with their own kustomization.yaml are built from it (closest to the root wins).
  const kustomized = new Set<string>();
  for (const p of under) {
    const parts = p.slice(prefix.length).split("/");
    for (let i = 1; i < parts.length; i++) {
      const sub = prefix + parts.slice(0, i).join("/");
      if (kustomizationFileIn(byPath, sub) !== undefined) {
        kustomized.add(sub);
        break;
      }
    }
  }
  const out: KubeObject[] = [];
  for (const sub of [...kustomized].sort()) out.push(...buildDir(byPath, sub, depth + 1));
  for (const p of under) {
    if (!isYaml(p) || [...kustomized].some((k) => p.startsWith(k + "/"))) continue;
    out.push(...parseManifests(byPath.get(p)!, { skipNonObjects: true }));
  }
  return out;
}

function buildKustomization(byPath: ReadonlyMap<string, GitFile>, dir: string, kfile: GitFile, depth: number): KubeObject[] {
  const doc = parseAllDocuments(kfile.content)[0]?.toJS() as unknown;
  const resources = isObject(doc) && Array.isArray(doc["resources"]) ? doc["resources"] : [];
  const out: KubeObject[] = [];
  for (const entry of resources) {
    if (typeof entry !== "string") throw new ManifestError(`${kfile.path}: resources must be a list of paths.`);
    if (/^[a-z]+:\/\//i.test(entry) || entry.startsWith("github.com/")) {
      throw new ManifestError(`${kfile.path}: remote resource "${entry}" is not supported by the local cloud; vendor it into the repository.`);
    }
    const target = normalize(join(dir, entry));
    if (target === undefined) throw new ManifestError(`${kfile.path}: resource "${entry}" leaves the repository.`);
    const file = byPath.get(target);
    if (file !== undefined) {
      out.push(...parseManifests(file, { skipNonObjects: false }));
      continue;
    }
    if (kustomizationFileIn(byPath, target) !== undefined) {
      out.push(...buildDir(byPath, target, depth + 1));
      continue;
    }
    const isDir = [...byPath.keys()].some((p) => p.startsWith(target + "/"));
    throw new ManifestError(
      isDir
        ? `${kfile.path}: resource "${entry}" is a directory without a kustomization.yaml; list its files or add one.`
        : `${kfile.path}: resource "${entry}" does not exist at this revision; commit it or remove it from resources.`,
    );
  }
  return out;
}

/** Resolve `.` and `..` in a repository path; undefined when it climbs above the root. */
function normalize(path: string): string | undefined {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(part);
  }
  return out.join("/");
}
