/** `ConfigFile` and `Directory`: YAML files as groups of {@link Manifest}s. */
import { dirname, isAbsolute, join, resolve } from "node:path";
import { ComponentResource, InputError, type ComponentResourceOptions, type Resource } from "@iac/sdk";
import { Manifest } from "./manifest.js";
import { isClusterScopedKind, type KubeObject } from "./objects.js";
import { applyDependencies } from "./order.js";
import { TYPES } from "./types.js";
import { listYamlFiles, loadDirectory, loadFile } from "./yaml-load.js";

/** Changes a program makes to each object before it is applied (e.g. set a label). */
export type Transformation = (obj: Record<string, any>) => Record<string, any>;

interface ObjectGroupOptions {
  /** Put namespaced objects that name no namespace into this one. */
  readonly namespace?: string;
  /** Applied in order to every object (a copy) before its resource is declared. */
  readonly transformations?: readonly Transformation[];
}

/** Args of {@link ConfigFile}. */
export interface ConfigFileArgs extends ObjectGroupOptions {
  /** The YAML file (multi-document); a relative path is resolved from the project directory. */
  readonly file: string;
}

/** Args of {@link Directory}. */
export interface DirectoryArgs extends ObjectGroupOptions {
  /** The folder; a relative path is resolved from the project directory. */
  readonly path: string;
  /** Descend into sub-folders (default true, as Flux does). */
  readonly recursive?: boolean;
}

function childName(parent: string, obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return `${parent}:${obj.kind}/${ns === undefined ? "" : `${ns}/`}${obj.metadata.name}`;
}

/**
 * Declares one Manifest per object under `parent`, with dependencies that make the engine apply
 * them in Flux's order (order.ts): CRDs, namespaces and cluster roles first, custom resources after
 * their CRD. Returns the children by `Kind/namespace/name` (or `Kind/name`).
 */
function declareObjects(parent: ComponentResource & { readonly name: string }, objects: readonly KubeObject[], o: ObjectGroupOptions & { opts?: ComponentResourceOptions }): Record<string, Manifest> {
  const transformed = objects.map((obj) => {
    let out: Record<string, any> = structuredClone(obj);
    if (o.namespace !== undefined && out.metadata?.namespace === undefined && !isClusterScopedKind(String(out.kind))) {
      out = { ...out, metadata: { ...out.metadata, namespace: o.namespace } };
    }
    for (const t of o.transformations ?? []) out = t(out);
    return out as KubeObject;
  });
  const seen = new Set<string>();
  for (const obj of transformed) {
    const n = childName(parent.name, obj);
    if (seen.has(n)) throw new InputError(`${obj.kind} ${obj.metadata.name} appears twice in "${parent.name}": each object may be declared once.`);
    seen.add(n);
  }
  const deps = applyDependencies(transformed);
  const resources: Manifest[] = new Array(transformed.length);
  const byKey: Record<string, Manifest> = {};
  // Dependencies point backwards in apply order only when created in that order; declare by stage.
  const order = transformed.map((_, i) => i).sort((a, b) => deps[a].length - deps[b].length || a - b);
  const declared = new Set<number>();
  const declare = (i: number): Manifest => {
    if (declared.has(i)) return resources[i];
    const dependsOn: unknown[] = deps[i].map(declare);
    if (o.opts?.dependsOn !== undefined) dependsOn.push(o.opts.dependsOn);
    const obj = transformed[i];
    resources[i] = new Manifest(childName(parent.name, obj), { object: obj as never }, { parent, dependsOn: dependsOn as Resource[] });
    declared.add(i);
    const ns = obj.metadata.namespace;
    byKey[`${obj.kind}/${ns === undefined ? "" : `${ns}/`}${obj.metadata.name}`] = resources[i];
    return resources[i];
  };
  order.forEach(declare);
  return byKey;
}

/** Resolves `p` from the project directory (what relative paths in a program mean). */
function fromProject(p: string, projectDir: string): string {
  return isAbsolute(p) ? p : resolve(projectDir, p);
}

/**
 * Every object of a YAML file, each as a child {@link Manifest}, applied in the order Flux applies
 * them. An object removed from the file is deleted at the next `up`.
 *
 * @example
 * const app = new ConfigFile("app", { file: "./k8s/app.yaml", namespace: "web" });
 * export const deployment = app.resources["Deployment/web/frontend"].metadata;
 */
export class ConfigFile extends ComponentResource {
  /** The children, by `Kind/namespace/name` (or `Kind/name` for cluster-scoped objects). */
  readonly resources: Readonly<Record<string, Manifest>>;
  readonly name: string;

  constructor(name: string, args: ConfigFileArgs, opts?: ComponentResourceOptions) {
    super(TYPES.configFile, name, {}, opts);
    this.name = name;
    const file = fromProject(args.file, this.monitor().projectDir);
    this.resources = declareObjects(this, loadFile(file), { ...args, opts });
    this.registerOutputs({ file: args.file, objects: Object.keys(this.resources) });
  }
}

/**
 * Why a Directory refuses a folder with a kustomization.yaml, and the three ways to get what the
 * user meant. Flux builds such a path with kustomize (patches, generators, overlays): applying its
 * files one by one would apply the base and the patches as separate objects, which is wrong.
 */
function kustomizationRefusal(path: string, kfile: string): string {
  const folder = dirname(kfile) === "." ? path : join(path, dirname(kfile));
  const out = `${folder.replace(/[\\/]+$/, "")}.yaml`;
  return [
    `Directory "${path}" holds ${join(path, kfile)}: that folder is a kustomization, which kustomize must build (patches, overlays, generators), and Directory applies plain YAML files one by one. Instead:`,
    `  - let Flux build it: push the folder to a git repository and declare a Kustomization from "@iac/kubernetes/flux" with spec.path "./${folder.replace(/^\.\//, "")}" and a sourceRef to that repository's GitRepository;`,
    `  - or build it yourself: \`kubectl kustomize ${folder} > ${out}\` (or \`kustomize build\`), then new ConfigFile("<name>", { file: "${out}" });`,
    `  - or, if the kustomization.yaml only lists files (no patches or generators), delete it, or point Directory at a folder without one.`,
  ].join("\n");
}

/**
 * Every YAML file in a folder (and its sub-folders), as Flux applies a path that has no
 * kustomization.yaml: all objects, namespaces and CRDs first. A folder holding a kustomization.yaml
 * (anywhere below it) is refused, with what to use instead: kustomize overlays are not built.
 *
 * @example
 * new Directory("infra", { path: "./deploy/plain" });
 */
export class Directory extends ComponentResource {
  /** The children, by `Kind/namespace/name` (or `Kind/name`). */
  readonly resources: Readonly<Record<string, Manifest>>;
  readonly name: string;

  constructor(name: string, args: DirectoryArgs, opts?: ComponentResourceOptions) {
    super(TYPES.directory, name, {}, opts);
    this.name = name;
    const dir = fromProject(args.path, this.monitor().projectDir);
    const kfile = listYamlFiles(dir, { recursive: args.recursive }).find((f) => /(^|[\\/])kustomization\.ya?ml$/i.test(f));
    if (kfile !== undefined) throw new InputError(kustomizationRefusal(args.path, kfile));
    const files = loadDirectory(dir, { recursive: args.recursive });
    this.resources = declareObjects(this, files.flatMap((f) => f.objects), { ...args, opts });
    this.registerOutputs({ path: args.path, objects: Object.keys(this.resources) });
  }
}
