/**
 * Compaction: Microsoft's bicep-types definitions (`<folder>/<namespace>/<api-version>/types.json`)
 * to one ModuleSpec per namespace. Pure over the parsed files: reading and writing is main.ts's.
 *
 * Per module: one entry per ARM type (the api-version chosen by {@link pickVersion}), one per
 * resource function, and the object types they reach, deduplicated by structure (two types with
 * the same name and shape across folders or api-versions are one entry).
 */
import { createHash } from "node:crypto";
import { FORMAT_VERSION, SCOPE, type FunctionSpec, type ModuleSpec, type NamedTypeSpec, type ResourceSpec, type ScopeKind, type TypeKeyRef, type TypeRef } from "../src/format.js";
import { className, moduleOfNamespace } from "../src/naming.js";
import { functionExportName, idTemplateOf, resolveClassNames } from "./names.js";
import { cmp, sortKeys } from "./order.js";
import { childRefs, inline, namedShape, refIndex, type RawNode, type RawProperty, type RawRef } from "./shapes.js";

/** One parsed types.json, with its path relative to the bicep-types root (without `/types.json`). */
export interface SourceFile {
  readonly path: string;
  readonly nodes: readonly RawNode[];
}

/** Descriptions the d.ts generator shows; not written into the data (they are a fifth of its size). */
export interface ModuleDocs {
  /** type key -> property -> description. */
  readonly properties: Map<string, Map<string, string>>;
}

export interface CompactedModule {
  readonly spec: ModuleSpec;
  readonly docs: ModuleDocs;
}

type NodeId = string; // `${fileIndex}:${nodeIndex}`

const isPreview = (apiVersion: string): boolean => /-preview$|-beta$|-alpha$|-privatepreview$/i.test(apiVersion);

/**
 * Which definition of a type wins when several files define it: one that can be written, then a
 * stable api-version over a preview, then the newest, then the first source path.
 */
function pickVersion<T extends { apiVersion: string; writable: boolean; path: string }>(cands: readonly T[]): T {
  return [...cands].sort((a, b) => {
    if (a.writable !== b.writable) return a.writable ? -1 : 1;
    if (isPreview(a.apiVersion) !== isPreview(b.apiVersion)) return isPreview(a.apiVersion) ? 1 : -1;
    if (a.apiVersion !== b.apiVersion) return a.apiVersion < b.apiVersion ? 1 : -1;
    return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  })[0]!;
}

function scopeKind(bits: number): ScopeKind {
  switch (bits) {
    case SCOPE.tenant:
      return "tenant";
    case SCOPE.managementGroup:
      return "managementGroup";
    case SCOPE.subscription:
      return "subscription";
    case SCOPE.resourceGroup:
      return "resourceGroup";
    case SCOPE.extension:
      return "extension";
    default:
      return "scope";
  }
}

interface Candidate {
  readonly file: number;
  readonly index: number;
  readonly node: RawNode;
  readonly armType: string;
  readonly apiVersion: string;
  readonly writable: boolean;
  readonly path: string;
}

interface FunctionCandidate extends Candidate {
  readonly name: string;
}

/** Compacts the files of one namespace (all folders, all api-versions given) into a module. */
export function compactModule(files: readonly SourceFile[]): CompactedModule | undefined {
  const resourcesByType = new Map<string, Candidate[]>();
  const functionsByKey = new Map<string, FunctionCandidate[]>();
  let namespace: string | undefined;
  files.forEach((file, fi) => {
    file.nodes.forEach((node, ni) => {
      if (node.$type === "ResourceType") {
        const [armType, apiVersion] = String(node.name).split("@") as [string, string];
        namespace ??= armType.split("/")[0];
        const key = armType.toLowerCase();
        const list = resourcesByType.get(key) ?? [];
        list.push({ file: fi, index: ni, node, armType, apiVersion, writable: Number(node.writableScopes ?? 0) !== 0, path: file.path });
        resourcesByType.set(key, list);
      } else if (node.$type === "ResourceFunctionType") {
        const armType = String(node.resourceType);
        const name = String(node.name);
        namespace ??= armType.split("/")[0];
        const key = `${armType.toLowerCase()}#${name.toLowerCase()}`;
        const list = functionsByKey.get(key) ?? [];
        list.push({ file: fi, index: ni, node, armType, name, apiVersion: String(node.apiVersion), writable: true, path: file.path });
        functionsByKey.set(key, list);
      }
    });
  });
  // An empty definitions file (bicep-types has a few, `[]`): no module.
  if (namespace === undefined) return undefined;
  const module = moduleOfNamespace(namespace);

  const chosenResources = [...resourcesByType.entries()].sort(([a], [b]) => cmp(a, b)).map(([, c]) => {
    const pick = pickVersion(c);
    // Same type at several scopes in one file (bicep-types repeats it): the union of the scopes.
    const same = c.filter((o) => o.apiVersion === pick.apiVersion && o.writable === pick.writable);
    const readable = same.reduce((acc, o) => acc | Number(o.node.readableScopes ?? 0), 0);
    const writable = same.reduce((acc, o) => acc | Number(o.node.writableScopes ?? 0), 0);
    const apiVersions = [...new Set(c.map((o) => o.apiVersion))].sort();
    return { pick, readable, writable, apiVersions };
  });
  const chosenFunctions = [...functionsByKey.entries()].sort(([a], [b]) => cmp(a, b)).map(([, c]) => pickVersion(c));

  // --- object types: structural dedupe by partition refinement -------------------------------
  const nodeOf = (id: NodeId): RawNode => {
    const [f, n] = id.split(":").map(Number) as [number, number];
    return files[f]!.nodes[n]!;
  };
  const isNamed = (node: RawNode) => node.$type === "ObjectType" || node.$type === "DiscriminatedObjectType";

  // Collect every named node reachable from the chosen resources and functions, in a stable order.
  const reachable: NodeId[] = [];
  const seen = new Set<NodeId>();
  const visit = (fi: number, ref: RawRef | undefined): void => {
    if (ref === undefined) return;
    const ni = refIndex(ref);
    const id = `${fi}:${ni}`;
    const node = files[fi]!.nodes[ni]!;
    if (isNamed(node)) {
      if (seen.has(id)) return;
      seen.add(id);
      reachable.push(id);
    }
    for (const child of childRefs(node)) visit(fi, child);
  };
  for (const { pick } of chosenResources) visit(pick.file, pick.node.body as RawRef);
  for (const f of chosenFunctions) {
    visit(f.file, f.node.input as RawRef | undefined);
    visit(f.file, f.node.output as RawRef);
  }

  // sig_{k+1}(n) = hash(shape of n with refs named by sig_k): stable once the class count stops growing.
  let sig = new Map<NodeId, string>(reachable.map((id) => [id, "*"]));
  let classes = 1;
  for (;;) {
    const next = new Map<NodeId, string>();
    for (const id of reachable) {
      const fi = Number(id.split(":")[0]);
      const shape = namedShape(files[fi]!.nodes, nodeOf(id), (ni) => `@${sig.get(`${fi}:${ni}`)}` as TypeKeyRef);
      next.set(id, hash(JSON.stringify(shape)));
    }
    const count = new Set(next.values()).size;
    sig = next;
    if (count === classes) break;
    classes = count;
  }

  // Keys: the definitions' name, `~2`, `~3`... for different shapes under one name, in visit order.
  const keyOfSig = new Map<string, string>();
  const usedKeys = new Set<string>();
  for (const id of reachable) {
    const s = sig.get(id)!;
    if (keyOfSig.has(s)) continue;
    const base = String(nodeOf(id).name ?? "Object");
    let key = base;
    for (let n = 2; usedKeys.has(key); n++) key = `${base}~${n}`;
    usedKeys.add(key);
    keyOfSig.set(s, key);
  }
  const refName = (fi: number) => (ni: number): TypeKeyRef => `@${keyOfSig.get(sig.get(`${fi}:${ni}`)!)!}`;

  const types: Record<string, NamedTypeSpec> = {};
  const docs: ModuleDocs = { properties: new Map() };
  for (const id of reachable) {
    const key = keyOfSig.get(sig.get(id)!)!;
    if (types[key] !== undefined) continue;
    const fi = Number(id.split(":")[0]);
    const node = nodeOf(id);
    types[key] = namedShape(files[fi]!.nodes, node, refName(fi));
    const props = (node.properties ?? node.baseProperties ?? {}) as Record<string, RawProperty>;
    const d = new Map<string, string>();
    for (const [name, p] of Object.entries(props)) if (p.description) d.set(name, p.description);
    if (d.size > 0) docs.properties.set(key, d);
  }

  // --- resources -----------------------------------------------------------------------------
  const classOf = resolveClassNames(chosenResources.map(({ pick, writable }) => ({ armType: pick.armType, writable: writable !== 0 })));
  const resources: Record<string, ResourceSpec> = {};
  const resourceByLower = new Map<string, ResourceSpec>();
  for (const { pick, readable, writable, apiVersions } of chosenResources) {
    const fi = pick.file;
    const scope = scopeKind(writable !== 0 ? writable : readable);
    const { idTemplate, nameArgs } = idTemplateOf(pick.armType, scope);
    const body = pick.node.body as RawRef;
    const bodyNode = files[fi]!.nodes[refIndex(body)]!;
    const props = (bodyNode.properties ?? bodyNode.baseProperties ?? {}) as Record<string, RawProperty>;
    const nameType: TypeRef = props.name ? inline(files[fi]!.nodes, props.name.type, refName(fi)) : "string";
    const cls = classOf.get(pick.armType.toLowerCase())!;
    const spec: ResourceSpec = {
      token: `azure:${module}:${cls}`,
      class: cls,
      armType: pick.armType,
      apiVersion: pick.apiVersion,
      ...(apiVersions.length > 1 ? { apiVersions } : {}),
      readableScopes: readable,
      writableScopes: writable,
      scope,
      idTemplate,
      nameArgs,
      nameArg: nameArgs[nameArgs.length - 1]!,
      nameType,
      body: refName(fi)(refIndex(body)),
    };
    resources[pick.armType] = spec;
    resourceByLower.set(pick.armType.toLowerCase(), spec);
  }

  // --- functions -----------------------------------------------------------------------------
  const functions: Record<string, FunctionSpec> = {};
  // `get<Class>` is the lookup of each resource type: a function never takes that name.
  const exportsUsed = new Set<string>(Object.values(resources).map((r) => `get${r.class}`.toLowerCase()));
  const fnKeysOf = new Map<string, string[]>();
  for (const f of chosenFunctions) {
    const fi = f.file;
    const owner = resourceByLower.get(f.armType.toLowerCase());
    const lastSegment = f.armType.split("/").pop()!;
    const ownerClass = owner?.class ?? className(lastSegment);
    const where = owner
      ? { idTemplate: owner.idTemplate, nameArgs: [...owner.nameArgs] }
      : idTemplateOf(f.armType, f.armType.split("/")[1]?.toLowerCase() === "locations" ? "subscription" : "resourceGroup");
    let exportName = functionExportName(f.name, ownerClass);
    for (let n = 2; exportsUsed.has(exportName.toLowerCase()); n++) exportName = `${functionExportName(f.name, ownerClass)}${n}`;
    exportsUsed.add(exportName.toLowerCase());
    const key = `${owner?.armType ?? f.armType}#${f.name}`;
    const spec: FunctionSpec = {
      name: f.name,
      export: exportName,
      armType: owner?.armType ?? f.armType,
      apiVersion: f.apiVersion,
      idTemplate: where.idTemplate,
      nameArgs: where.nameArgs,
      ...(f.node.input !== undefined ? { input: inline(files[fi]!.nodes, f.node.input as RawRef, refName(fi)) } : {}),
      output: inline(files[fi]!.nodes, f.node.output as RawRef, refName(fi)),
    };
    functions[key] = spec;
    if (owner) fnKeysOf.set(owner.armType, [...(fnKeysOf.get(owner.armType) ?? []), key]);
  }
  for (const [armType, keys] of fnKeysOf) resources[armType] = { ...resources[armType]!, functions: keys.sort(cmp) };

  // Names fixed by the definitions (singletons: `fileServices/default`, `.../current`): the own
  // name and each parent's, so a program need not give them.
  for (const [armType, r] of Object.entries(resources)) {
    const fixed: Record<string, string> = {};
    const segments = armType.split("/");
    const offset = r.nameArgs.length - (segments.length - 1);
    for (let i = 2; i <= segments.length; i++) {
      const owner = i === segments.length ? r : resourceByLower.get(segments.slice(0, i).join("/").toLowerCase());
      const t = owner?.nameType;
      const value = typeof t === "object" && t.type === "literal" ? t.value : typeof t === "object" && t.type === "enum" && !t.open && t.values.length === 1 ? t.values[0] : undefined;
      const arg = r.nameArgs[offset + i - 2];
      if (value !== undefined && arg !== undefined) fixed[arg] = value;
    }
    if (Object.keys(fixed).length > 0) {
      const updated = { ...r, fixedNames: fixed };
      resources[armType] = updated;
      resourceByLower.set(armType.toLowerCase(), updated);
    }
  }

  const spec: ModuleSpec = {
    format: FORMAT_VERSION,
    module,
    namespace,
    sources: files.map((f) => f.path).sort(cmp),
    resources: sortKeys(resources),
    functions: sortKeys(functions),
    types: sortKeys(types),
  };
  return { spec, docs };
}

function hash(s: string): string {
  return createHash("sha1").update(s).digest("base64url").slice(0, 16);
}
