/**
 * URNs: `urn:iac:<stack>::<project>::<qualifiedType>::<name>` (DESIGN.md, "Programming model").
 * The qualified type is the parent's qualified type, `$`, then the resource's own type, as Pulumi's
 * `createUrn` does, so two children named alike under different components do not collide.
 */
import { InputError } from "./errors.js";

/** The parts of a URN. */
export interface UrnParts {
  readonly stack: string;
  readonly project: string;
  readonly qualifiedType: string;
  readonly name: string;
}

/** Builds a URN. */
export function makeUrn(parts: UrnParts): string {
  return `urn:iac:${parts.stack}::${parts.project}::${parts.qualifiedType}::${parts.name}`;
}

/** Splits a URN; throws an {@link InputError} naming the expected form when it is not one. */
export function parseUrn(urn: string): UrnParts {
  const m = /^urn:iac:(.*?)::(.*?)::(.*?)::(.*)$/s.exec(urn);
  if (!m) throw new InputError(`"${urn}" is not a URN. URNs look like urn:iac:<stack>::<project>::<type>::<name>.`);
  return { stack: m[1], project: m[2], qualifiedType: m[3], name: m[4] };
}

/** The qualified type of a resource of `type` under a parent whose qualified type is given. */
export function qualifyType(type: string, parentQualifiedType: string | undefined): string {
  return parentQualifiedType === undefined ? type : `${parentQualifiedType}$${type}`;
}

/** The package of a type token: its first segment (`azure` in `azure:storage:StorageAccount`). */
export function packageOf(type: string): string {
  return type.slice(0, type.indexOf(":"));
}

/** Throws an {@link InputError} unless `type` is a `pkg:module:Kind` token and `name` a usable logical name. */
export function validateTypeAndName(type: string, name: string): void {
  if (!/^[^:$\s]+:[^:$\s]*:[^:$\s]+$/.test(type)) {
    throw new InputError(`"${type}" is not a type token. Type tokens have three parts, package:module:Kind, e.g. "mycompany:index:WebApp".`);
  }
  if (typeof name !== "string" || name.length === 0 || name.includes("::")) {
    throw new InputError(`A ${type} was given the name ${JSON.stringify(name)}. Give it a non-empty name without "::".`);
  }
}
