/**
 * Which kinds the server serves: the built-ins plus one per Established CustomResourceDefinition
 * (its served versions, names and scope). The store refreshes it whenever a CRD changes.
 */
import { builtinTypes } from "./builtins.js";
import { isPlainObject, type KubeObject, type ResourceType } from "./types.js";

/** A served group and its versions, the preferred first (as `/apis` lists them). */
export interface ServedGroup {
  readonly name: string;
  readonly versions: readonly string[];
}

/**
 * Kubernetes version priority (`k8s.io/apimachinery/pkg/version.CompareKubeAwareVersionStrings`):
 * GA before beta before alpha, higher numbers first, non-Kubernetes versions last by name.
 */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return { rank: 0, major: 0, minor: 0 };
    const rank = m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1;
    return { rank, major: Number(m[1]), minor: Number(m[3] ?? 0) };
  };
  const pa = parse(a);
  const pb = parse(b);
  if (pa.rank !== pb.rank) return pb.rank - pa.rank;
  if (pa.rank === 0) return a.localeCompare(b);
  if (pa.major !== pb.major) return pb.major - pa.major;
  return pb.minor - pa.minor;
}

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: unknown };
  subresources?: { status?: unknown };
  additionalPrinterColumns?: unknown[];
}

/** Whether a CRD object carries `Established=True` (what makes its kind served). */
export function isEstablished(crd: KubeObject): boolean {
  const status = crd["status"];
  if (!isPlainObject(status) || !Array.isArray(status["conditions"])) return false;
  return status["conditions"].some((c) => isPlainObject(c) && c["type"] === "Established" && c["status"] === "True");
}

export function crdVersions(crd: KubeObject): CrdVersion[] {
  const spec = crd["spec"];
  if (!isPlainObject(spec) || !Array.isArray(spec["versions"])) return [];
  return spec["versions"].filter((v): v is CrdVersion => isPlainObject(v) && typeof v["name"] === "string");
}

/** The resource type a CRD defines, whether or not it is Established yet. */
export function typeFromCrd(crd: KubeObject): ResourceType | undefined {
  const spec = crd["spec"];
  if (!isPlainObject(spec) || !isPlainObject(spec["names"])) return undefined;
  const names = spec["names"] as Record<string, unknown>;
  const group = spec["group"];
  const kind = names["kind"];
  const plural = names["plural"];
  if (typeof group !== "string" || typeof kind !== "string" || typeof plural !== "string") return undefined;
  const versions = crdVersions(crd).filter((v) => v.served !== false);
  if (versions.length === 0) return undefined;
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  return {
    group,
    versions: versions.map((v) => v.name).sort(compareKubeVersions),
    kind,
    listKind: typeof names["listKind"] === "string" ? names["listKind"] : `${kind}List`,
    plural,
    singular: typeof names["singular"] === "string" && names["singular"] !== "" ? names["singular"] : kind.toLowerCase(),
    namespaced: spec["scope"] !== "Cluster",
    shortNames: strings(names["shortNames"]),
    categories: strings(names["categories"]),
    statusSubresource: versions.some((v) => isPlainObject(v.subresources) && v.subresources.status !== undefined),
    generation: true,
    crd: crd.metadata.name,
  };
}

/** The served kinds, looked up by URL parts (group, version, plural) or by apiVersion and kind. */
export class ResourceRegistry {
  readonly #builtins: readonly ResourceType[] = builtinTypes();
  #custom: ResourceType[] = [];
  #crds = new Map<string, KubeObject>();

  /** Replace the custom kinds with those of these CRDs (only the Established ones are served). */
  setCrds(crds: readonly KubeObject[]): void {
    this.#crds = new Map(crds.map((c) => [c.metadata.name!, c]));
    this.#custom = crds
      .filter(isEstablished)
      .map(typeFromCrd)
      .filter((t): t is ResourceType => t !== undefined && !this.#builtins.some((b) => b.group === t.group && b.plural === t.plural));
  }

  all(): readonly ResourceType[] {
    return [...this.#builtins, ...this.#custom];
  }

  byResource(group: string, version: string, plural: string): ResourceType | undefined {
    return this.all().find((t) => t.group === group && t.plural === plural && t.versions.includes(version));
  }

  byKind(group: string, version: string, kind: string): ResourceType | undefined {
    return this.all().find((t) => t.group === group && t.kind === kind && t.versions.includes(version));
  }

  /** Also finds custom kinds whose CRD is not (or no longer) Established, for cleanup. */
  byGroupKind(group: string, kind: string): ResourceType | undefined {
    const served = this.all().find((t) => t.group === group && t.kind === kind);
    if (served) return served;
    for (const crd of this.#crds.values()) {
      const t = typeFromCrd(crd);
      if (t && t.group === group && t.kind === kind) return t;
    }
    return undefined;
  }

  /** Served groups in discovery order: the built-in groups, then custom groups by name. */
  groups(): ServedGroup[] {
    const map = new Map<string, Set<string>>();
    for (const t of this.all()) {
      if (t.group === "") continue;
      const set = map.get(t.group) ?? new Set<string>();
      for (const v of t.versions) set.add(v);
      map.set(t.group, set);
    }
    return [...map.entries()].map(([name, set]) => ({ name, versions: [...set].sort(compareKubeVersions) }));
  }

  /** Types served in one group-version, sorted by plural (main resources before subresources). */
  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.all()
      .filter((t) => t.group === group && t.versions.includes(version))
      .sort((a, b) => a.plural.localeCompare(b.plural));
  }

  /** The CRD behind a custom type. */
  crdOf(type: ResourceType): KubeObject | undefined {
    return type.crd === undefined ? undefined : this.#crds.get(type.crd);
  }

  /** The `openAPIV3Schema` a CRD gives for one version of its kind. */
  schemaOf(type: ResourceType, version: string): Record<string, unknown> | undefined {
    const crd = this.crdOf(type);
    if (!crd) return undefined;
    const v = crdVersions(crd).find((x) => x.name === version);
    const schema = v?.schema?.openAPIV3Schema;
    return isPlainObject(schema) ? schema : undefined;
  }

  /** `additionalPrinterColumns` of one version of a custom kind. */
  printerColumns(type: ResourceType, version: string): Record<string, unknown>[] {
    const crd = this.crdOf(type);
    if (!crd) return [];
    const v = crdVersions(crd).find((x) => x.name === version);
    return (v?.additionalPrinterColumns ?? []).filter(isPlainObject);
  }
}
