/**
 * `iac gen crd`: typed classes from CustomResourceDefinitions, as crd2pulumi does. Per served
 * group-version, three files: `<module>/<version>.js` (one line per class, made at load by
 * typed/define.ts), `<module>/<version>.d.ts` (the classes, their args and every nested object as
 * an interface, with the CRD's descriptions), and `<module>/<version>.json` (the schemas, checked by
 * the provider before apply). Pure: the same CRDs and options give the same files.
 */
import { createHash } from "node:crypto";
import { parseAllDocuments } from "yaml";
import { FORMAT_VERSION, type ObjectSpec, type TypeRef } from "@iac/kubernetes-spec";
import type { CrdKindSpec, CrdModuleData } from "../typed/crd-data.js";
import { KubernetesError } from "../errors.js";
import { compactRoot, firstParagraph, type Descriptions } from "./crd-schema.js";
import { doc, propName, tsType } from "./dts.js";

type Json = Record<string, any>;

export interface CrdGenOptions {
  /** The CRDs' text (YAML or JSON, several documents; other kinds are ignored). */
  readonly text: string;
  /** Where it came from (file or URL), recorded in the data. */
  readonly from: string;
  /** Token package: `kubernetes` (default) or `flux`. */
  readonly tokenPackage?: string;
  /** The module (folder) of a group; default the group itself (`stable.example.com`). */
  readonly moduleOf?: (group: string) => string;
  /** What the `.js` imports defineCrdModule from; default `@iac/kubernetes/crd`. */
  readonly defineFrom?: string;
  /** The generator named in the files' header; default `iac gen crd`. */
  readonly generator?: string;
  /** Extra members of every class's args (Flux: `waitForReady`), as declaration text. */
  readonly extraArgs?: string;
}

/** One generated module. */
export interface CrdModuleFiles {
  readonly module: string;
  readonly version: string;
  readonly kinds: readonly string[];
  /** Relative path to contents. */
  readonly files: Readonly<Record<string, string>>;
}

interface VersionOfKind {
  readonly crd: Json;
  readonly version: Json;
}

/** The CRDs of `text`, refused with a clear error when there is none or one is not structural. */
export function parseCrds(text: string, from: string): Json[] {
  let docs: unknown[];
  try {
    docs = parseAllDocuments(text).map((d) => {
      if (d.errors.length > 0) throw d.errors[0];
      return d.toJSON();
    });
  } catch (err) {
    throw new KubernetesError(`${from} is not YAML or JSON: ${(err as Error).message}`, { code: "CrdParse", cause: err });
  }
  const flat = docs.flatMap((d) => (d && typeof d === "object" && (d as Json).kind === "List" ? ((d as Json).items ?? []) : [d]));
  const crds = flat.filter((d): d is Json => !!d && typeof d === "object" && (d as Json).kind === "CustomResourceDefinition");
  if (crds.length === 0) throw new KubernetesError(`${from} holds no CustomResourceDefinition (apiextensions.k8s.io/v1): give a file or URL of CRD manifests.`, { code: "CrdNone" });
  for (const c of crds) {
    if (c.apiVersion !== "apiextensions.k8s.io/v1") {
      throw new KubernetesError(`${from}: CRD ${c.metadata?.name ?? "?"} is ${c.apiVersion}; only apiextensions.k8s.io/v1 CRDs have structural schemas. Convert it first.`, { code: "CrdVersion" });
    }
  }
  return crds;
}

/** The generated modules of `o.text`. */
export function generateCrdModules(o: CrdGenOptions): CrdModuleFiles[] {
  const crds = parseCrds(o.text, o.from);
  const sha256 = createHash("sha256").update(o.text).digest("hex");
  const moduleOf = o.moduleOf ?? ((g: string) => g);
  const byModule = new Map<string, { group: string; version: string; kinds: VersionOfKind[] }>();
  for (const crd of crds) {
    for (const version of crd.spec?.versions ?? []) {
      if (version.served === false) continue;
      if (!version.schema?.openAPIV3Schema) {
        throw new KubernetesError(`${o.from}: CRD ${crd.metadata?.name} version ${version.name} has no openAPIV3Schema; typed classes need a structural schema.`, { code: "CrdNoSchema" });
      }
      const key = `${moduleOf(crd.spec.group)}/${version.name}`;
      const entry = byModule.get(key) ?? { group: crd.spec.group as string, version: version.name as string, kinds: [] as VersionOfKind[] };
      entry.kinds.push({ crd, version });
      byModule.set(key, entry);
    }
  }
  const out: CrdModuleFiles[] = [];
  for (const [key, m] of [...byModule].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.push(generateModule(o, { key, module: moduleOf(m.group), group: m.group, version: m.version, kinds: m.kinds.sort((a, b) => (a.crd.spec.names.kind < b.crd.spec.names.kind ? -1 : 1)), sha256 }));
  }
  return out;
}

function generateModule(o: CrdGenOptions, m: { key: string; module: string; group: string; version: string; kinds: VersionOfKind[]; sha256: string }): CrdModuleFiles {
  const pkg = o.tokenPackage ?? "kubernetes";
  const kinds: Record<string, CrdKindSpec> = {};
  const types: Record<string, ObjectSpec> = {};
  const descriptions = new Map<string, Descriptions>();
  const kindDocs = new Map<string, string | undefined>();
  for (const { crd, version } of m.kinds) {
    const kind: string = crd.spec.names.kind;
    const d: Descriptions = new Map();
    types[kind] = compactRoot(version.schema.openAPIV3Schema, d);
    descriptions.set(kind, d);
    kindDocs.set(kind, firstParagraph(version.schema.openAPIV3Schema.description));
    const subresources = Object.keys(version.subresources ?? {}).sort();
    kinds[kind] = {
      group: m.group,
      version: m.version,
      kind,
      plural: crd.spec.names.plural,
      namespaced: crd.spec.scope !== "Cluster",
      type: kind,
      apply: true,
      ...(subresources.length > 0 ? { subresources } : {}),
      token: `${pkg}:${m.module}/${m.version}:${kind}`,
    };
  }
  const data: CrdModuleData = { format: FORMAT_VERSION, source: { from: o.from, sha256: m.sha256 }, group: m.group, version: m.version, kinds, types };
  const base = `${m.module}/${m.version}`;
  const header = `// Generated by \`${o.generator ?? "iac gen crd"}\` from ${o.from}. Do not edit.\n`;
  const js =
    header +
    `\nimport { defineCrdModule } from ${JSON.stringify(o.defineFrom ?? "@iac/kubernetes/crd")};\n\n` +
    `const $m = defineCrdModule(new URL("./${m.version}.json", import.meta.url));\n` +
    Object.keys(kinds)
      .map((k) => `export const ${k} = $m.resource(${JSON.stringify(k)});\n`)
      .join("");
  const dts = header + "\n" + declarations({ kinds, types, descriptions, kindDocs, extraArgs: o.extraArgs, group: m.group, version: m.version });
  return {
    module: m.module,
    version: m.version,
    kinds: Object.keys(kinds),
    files: { [`${base}.js`]: js, [`${base}.d.ts`]: dts, [`${base}.json`]: layoutData(data) },
  };
}

/** The data file: one kind and one root type per line. */
function layoutData(d: CrdModuleData): string {
  const lines = (map: Readonly<Record<string, unknown>>) =>
    Object.keys(map)
      .sort()
      .map((k) => `${JSON.stringify(k)}: ${JSON.stringify(map[k])}`)
      .join(",\n");
  return `{\n"format": ${d.format},\n"source": ${JSON.stringify(d.source)},\n"group": ${JSON.stringify(d.group)},\n"version": ${JSON.stringify(d.version)},\n"kinds": {\n${lines(d.kinds)}\n},\n"types": {\n${lines(d.types)}\n}\n}\n`;
}

const pascal = (s: string) => s.replace(/(^|[-_.])([a-zA-Z0-9])/g, (_m, _p, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, "");

function declarations(o: {
  kinds: Record<string, CrdKindSpec>;
  types: Record<string, ObjectSpec>;
  descriptions: Map<string, Descriptions>;
  kindDocs: Map<string, string | undefined>;
  extraArgs: string | undefined;
  group: string;
  version: string;
}): string {
  const used = new Set<string>(Object.keys(o.kinds).flatMap((k) => [k, `${k}Args`]));
  let interfaces = "";
  const ref = (key: string) => (key === "meta.v1.ObjectMeta" ? "$ObjectMeta" : "any");
  const apiVersion = `${o.group}/${o.version}`;

  // Each inline object becomes an interface named by its path (KustomizationSpecSourceRef).
  function hoist(spec: ObjectSpec, name: string, path: string, d: Descriptions): string {
    let unique = name;
    for (let i = 2; used.has(unique); i++) unique = `${name}${i}`;
    used.add(unique);
    const body = memberLines(spec, unique, path, d, "  ");
    interfaces += `${doc(d.get(path), "")}export interface ${unique} {\n${body}}\n\n`;
    return unique;
  }

  function typeOf(ref0: TypeRef, name: string, path: string, d: Descriptions): string {
    return tsType(ref0, {
      ref,
      inline: (spec) => hoist(spec, name, path, d),
    });
  }

  function memberLines(spec: ObjectSpec, owner: string, path: string, d: Descriptions, indent: string, skip?: ReadonlySet<string>, optionalAll = false): string {
    const req = new Set(spec.required ?? []);
    let out = "";
    for (const [k, v] of Object.entries(spec.properties)) {
      if (skip?.has(k)) continue;
      const at = path === "" ? k : `${path}.${k}`;
      out += doc(d.get(at), indent);
      out += `${indent}${propName(k)}${req.has(k) && !optionalAll ? "" : "?"}: ${typeOf(v, owner + pascal(k), itemPath(v, at), d)};\n`;
    }
    if (spec.preserveUnknown) out += `${indent}[field: string]: any;\n`;
    return out;
  }

  let classes = "";
  for (const [kind, k] of Object.entries(o.kinds)) {
    const root = o.types[kind]!;
    const d = o.descriptions.get(kind)!;
    const top = Object.entries(root.properties).filter(([p]) => p !== "apiVersion" && p !== "kind");
    // One type per top-level field, shared by the outputs and the args.
    const types = new Map(top.map(([p, v]) => [p, p === "metadata" ? "$ObjectMeta" : typeOf(v, kind + pascal(p), itemPath(v, p), d)]));
    const outputs = top
      .map(([p]) => {
        const required = p === "metadata" || (root.required ?? []).includes(p);
        return `${doc(d.get(p), "  ")}  readonly ${propName(p)}: $Output<${types.get(p)}${required ? "" : " | undefined"}>;\n`;
      })
      .join("");
    const argsRequired = (root.required ?? []).some((p) => p !== "apiVersion" && p !== "kind" && p !== "metadata" && p !== "status");
    const args = top
      .filter(([p]) => p !== "status")
      .map(([p]) => {
        const required = p !== "metadata" && (root.required ?? []).includes(p);
        return `${doc(d.get(p), "  ")}  ${propName(p)}${required ? "" : "?"}: $DeepInput<${types.get(p)}>;\n`;
      })
      .join("");
    const scope = k.namespaced ? "namespaced" : "cluster-scoped";
    const lower = kind[0]!.toLowerCase() + kind.slice(1);
    classes +=
      `/**\n${o.kindDocs.get(kind) ? ` * ${o.kindDocs.get(kind)!.replace(/\*\//g, "*\\/")}\n *\n` : ""}` +
      ` * \`${apiVersion}\` ${kind} (${scope}), applied with server-side apply; its fields are checked against the CRD's schema before apply.\n *\n` +
      ` * @example\n * const ${lower} = new ${kind}("${lower.toLowerCase()}", { metadata: { name: "${lower.toLowerCase()}" }${top.some(([p]) => p === "spec") ? ", spec: { ... }" : ""} });\n */\n` +
      `export declare class ${kind} extends $CustomResource {\n  readonly apiVersion: $Output<${JSON.stringify(apiVersion)}>;\n  readonly kind: $Output<${JSON.stringify(kind)}>;\n${outputs}` +
      `  constructor(name: string, args${argsRequired ? "" : "?"}: ${kind}Args, opts?: $Options);\n}\n\n` +
      `/** The args of {@link ${kind}}: the object as in YAML, without apiVersion and kind; any field may be an Input. */\nexport interface ${kind}Args {\n${args}${o.extraArgs ?? ""}}\n\n`;
  }
  return (
    `import { CustomResource as $CustomResource } from "@iac/sdk";\n` +
    `import type { CustomResourceOptions as $Options, DeepInput as $DeepInput, Output as $Output } from "@iac/sdk";\n` +
    `import type { meta } from "@iac/kubernetes/types";\n\n` +
    `type $ObjectMeta = meta.v1.ObjectMeta;\n\n` +
    classes +
    interfaces
  );
}

/** Array items and map values are named after their property (the path gains `[]` or `.*`). */
function itemPath(ref: TypeRef, path: string): string {
  if (typeof ref === "object" && "array" in ref) return itemPath(ref.array, `${path}[]`);
  if (typeof ref === "object" && "map" in ref) return itemPath(ref.map, `${path}.*`);
  return path;
}
