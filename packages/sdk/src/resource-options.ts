/**
 * Resource options as a program writes them, and their resolution into what the monitor receives.
 */
import type { CustomTimeouts } from "./provider.js";
import { InputError } from "./errors.js";
import { internalsOf, isOutputLike, isResourceLike, OUTPUT_STATE, type ResourceLike } from "./internal.js";
import type { Input } from "./types.js";
import type { Resource } from "./resource.js";
import type { ProviderResource } from "./provider-resource.js";
import { makeUrn, parseUrn, qualifyType } from "./urn.js";

/**
 * A former identity of a resource. Fields left out are the resource's current ones.
 *
 * @example
 * new StorageAccount("data", args, { aliases: [{ name: "old-data" }, { parent: undefined, noParent: true }] });
 */
export interface Alias {
  readonly name?: string;
  readonly type?: string;
  /** The former parent, as a resource or a URN. */
  readonly parent?: Resource | string;
  /** The resource used to sit at the stack root. */
  readonly noParent?: boolean;
  readonly stack?: string;
  readonly project?: string;
}

/** A duration: milliseconds, or a string such as `"30s"`, `"5m"`, `"1h30m"`, `"500ms"`. */
export type Duration = number | string;

export interface CustomTimeoutsInput {
  readonly create?: Duration;
  readonly update?: Duration;
  readonly delete?: Duration;
}

/** Options every resource takes. */
export interface ResourceOptions {
  /** Resources this one waits for, on top of those its args reference. A component stands for all its children. */
  readonly dependsOn?: Input<Input<Resource>[]> | Input<Resource>;
  /** The component this resource belongs to (part of its URN). */
  readonly parent?: Resource;
  /** Refuse to delete or replace this resource (`iac state unprotect <urn>` lifts it). Inherited from the parent. */
  readonly protect?: boolean;
  /** Input properties whose changes are ignored after create (paths such as `tags.env`). */
  readonly ignoreChanges?: readonly string[];
  /** Input properties whose changes replace the resource (`"*"` for all). */
  readonly replaceOnChanges?: readonly string[];
  /** Drop the resource from state on delete, leaving the cloud object alone. */
  readonly retainOnDelete?: boolean;
  readonly customTimeouts?: CustomTimeoutsInput;
  /** Former URNs or identities, so a rename or re-parent keeps the cloud object. */
  readonly aliases?: readonly (string | Alias)[];
  /** An explicit provider; for a component, it is passed down to the children of its package. */
  readonly provider?: ProviderResource;
}

/** Options of resources managed by a provider. */
export interface CustomResourceOptions extends ResourceOptions {
  /** Delete the old object before creating its replacement (names that must be unique). */
  readonly deleteBeforeReplace?: boolean;
  /** Adopt the existing cloud object with this id instead of creating one. */
  readonly import?: string;
  /** Output properties to treat as secret on top of those the provider marks. */
  readonly additionalSecretOutputs?: readonly string[];
}

/** Options of component resources. */
export interface ComponentResourceOptions extends ResourceOptions {
  /** Explicit providers for the children, by package or as a list. */
  readonly providers?: Readonly<Record<string, ProviderResource>> | readonly ProviderResource[];
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a {@link Duration}; `where` names the option in the error message. */
export function parseDuration(value: Duration, where: string): number {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value >= 0) return value;
  } else {
    const parts = [...value.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
    const joined = parts.map((p) => p[0]).join("");
    if (parts.length > 0 && joined === value.trim()) {
      return Math.round(parts.reduce((ms, p) => ms + Number(p[1]) * UNIT_MS[p[2]], 0));
    }
  }
  throw new InputError(`${where} is ${JSON.stringify(value)}, which is not a duration. Use milliseconds (a number) or a string such as "30s", "5m" or "1h30m".`);
}

/** Resolves `customTimeouts` to milliseconds. */
export function resolveTimeouts(t: CustomTimeoutsInput, where: string): CustomTimeouts {
  const out: { create?: number; update?: number; delete?: number } = {};
  for (const k of ["create", "update", "delete"] as const) {
    const v = t[k];
    if (v !== undefined) out[k] = parseDuration(v, `${where}: customTimeouts.${k}`);
  }
  return out;
}

const NO_ALIASES: readonly string[] = Object.freeze([]);

/** Who a resource is, for resolving its aliases. */
export interface AliasSelf {
  readonly name: string;
  readonly type: string;
  readonly stack: string;
  readonly project: string;
  readonly parent?: ResourceLike;
}

/**
 * Alias URNs: those given, plus (as in Pulumi) one per alias of the parent, so moving or renaming
 * a component keeps its children too.
 */
export function resolveAliases(aliases: readonly (string | Alias)[], self: AliasSelf): readonly string[] {
  // Most resources have none, nor a parent with any: no Set, no URN built, one shared empty list.
  if (aliases.length === 0 && (self.parent === undefined || internalsOf(self.parent).aliases.length === 0)) return NO_ALIASES;
  const urns = new Set<string>();
  for (const a of aliases) {
    if (typeof a === "string") {
      parseUrn(a);
      urns.add(a);
      continue;
    }
    let parentQualified: string | undefined;
    if (a.noParent) parentQualified = undefined;
    else if (a.parent !== undefined) parentQualified = typeof a.parent === "string" ? parseUrn(a.parent).qualifiedType : internalsOf(a.parent).qualifiedType;
    else parentQualified = self.parent ? internalsOf(self.parent).qualifiedType : undefined;
    urns.add(
      makeUrn({
        stack: a.stack ?? self.stack,
        project: a.project ?? self.project,
        qualifiedType: qualifyType(a.type ?? self.type, parentQualified),
        name: a.name ?? self.name,
      }),
    );
  }
  if (self.parent) {
    for (const parentAlias of internalsOf(self.parent).aliases) {
      const p = parseUrn(parentAlias);
      urns.add(makeUrn({ stack: p.stack, project: p.project, qualifiedType: qualifyType(self.type, p.qualifiedType), name: self.name }));
    }
  }
  // An alias equal to the resource's own URN says nothing (e.g. a child of a renamed component).
  urns.delete(makeUrn({ stack: self.stack, project: self.project, qualifiedType: qualifyType(self.type, self.parent ? internalsOf(self.parent).qualifiedType : undefined), name: self.name }));
  return [...urns];
}

/** The resources named by `dependsOn`: resources, arrays, promises and Outputs of them, nested. */
export async function collectDependsOn(value: unknown, urn: string): Promise<ResourceLike[]> {
  const found = new Set<ResourceLike>();
  const visit = async (v: unknown, strict: boolean): Promise<void> => {
    if (v === undefined || v === null) return;
    if (isResourceLike(v)) found.add(v);
    else if (isOutputLike(v)) {
      const s = await v[OUTPUT_STATE]();
      s.resources.forEach((r) => found.add(r));
      await visit(s.value, false);
    } else if (Array.isArray(v)) await Promise.all(v.map((x) => visit(x, strict)));
    else if (typeof (v as PromiseLike<unknown>).then === "function") await visit(await v, strict);
    else if (strict) {
      throw new InputError(`The dependsOn option of ${urn} holds ${JSON.stringify(v)}. It takes resources, arrays of them, or promises or Outputs of them.`);
    }
  };
  await visit(value, true);
  return [...found];
}

/**
 * The URNs a set of resources stands for: each one, and for a component all its descendants
 * (depending on a component means waiting for everything in it). `self` is never included.
 */
export function expandDependencies(resources: Iterable<ResourceLike>, self: string): string[] {
  // The common case, one custom resource (an Output of one resource's property): no Set.
  const only = resources instanceof Set && resources.size === 1 ? (resources.values().next().value as ResourceLike) : Array.isArray(resources) && resources.length === 1 ? (resources[0] as ResourceLike) : undefined;
  if (only !== undefined) {
    const ri = internalsOf(only);
    if (ri.custom) return ri.urn === self ? [] : [ri.urn];
  }
  const urns = new Set<string>();
  const visit = (r: ResourceLike): void => {
    const ri = internalsOf(r);
    if (ri.urn === self || urns.has(ri.urn)) return;
    urns.add(ri.urn);
    if (!ri.custom) ri.children.forEach(visit);
  };
  for (const r of resources) visit(r);
  return [...urns];
}
