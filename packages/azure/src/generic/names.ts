/**
 * Names and ids of generated resource types: the id from the id template and the name args, the
 * name args back from an id (import), and autonames that satisfy the type's own name rules.
 */
import { randomUUID } from "node:crypto";
import type { ResourceSpec, TypeRef } from "@iac/azure-spec";
import type { PropertyMap } from "@iac/sdk/provider";
import type { RandomSuffix } from "../naming.js";
import { NAME_IS_GUID } from "./replace-rules.js";

/** The id of a resource: `{subscriptionId}` from the configuration, every other placeholder from the args. */
export function fillId(template: string, values: Readonly<Record<string, unknown>>, subscriptionId: string): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (name === "subscriptionId") return encodeURIComponent(subscriptionId);
    const v = values[name];
    // `{scope}` (extension resources) is a resource id of its own: kept whole, without a trailing slash.
    if (name === "scope") return String(v).replace(/\/+$/, "");
    return encodeURIComponent(String(v));
  });
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The name args of an id made from `template` (case-insensitive), or undefined when it does not fit. */
export function namesFromId(template: string, id: string): Record<string, string> | undefined {
  const names: string[] = [];
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const m = /^\{([^}]+)\}$/.exec(part);
      if (!m) return escape(part);
      names.push(m[1]!);
      return m[1] === "scope" ? "(.+?)" : "([^/]+)";
    })
    .join("");
  const match = new RegExp(`^${source}$`, "i").exec(id.replace(/\/+$/, ""));
  if (!match) return undefined;
  const out: Record<string, string> = {};
  names.forEach((n, i) => {
    if (n !== "subscriptionId") out[n] = decodeURIComponent(match[i + 1]!);
  });
  return out;
}

/** A fixed own name (singletons such as `default`), when the type has one. */
export function fixedName(nameType: TypeRef): string | undefined {
  if (typeof nameType !== "object") return undefined;
  if (nameType.type === "literal") return nameType.value;
  if (nameType.type === "enum" && nameType.values.length === 1) return nameType.values[0];
  return undefined;
}

/**
 * An autoname for a resource of logical name `name`: `<name>-<random8>`, or `<name><random8>` where
 * the type's pattern allows no hyphen, cut to the type's maximum length; a GUID where the service
 * wants one (role assignments and definitions). Undefined when nothing fits: the program must give
 * the name (check says so).
 */
export function autonameFor(resource: ResourceSpec, name: string, random: RandomSuffix): string | undefined {
  if (NAME_IS_GUID.has(resource.armType.toLowerCase())) return randomUUID();
  const t = resource.nameType;
  if (typeof t === "object" && (t.type === "literal" || t.type === "enum")) return fixedName(t);
  const max = typeof t === "object" && t.type === "string" && t.maxLength !== undefined ? t.maxLength : 80;
  const min = typeof t === "object" && t.type === "string" && t.minLength !== undefined ? t.minLength : 1;
  let pattern: RegExp | undefined;
  if (typeof t === "object" && t.type === "string" && t.pattern !== undefined) {
    try {
      pattern = new RegExp(t.pattern, "u");
    } catch {
      pattern = undefined;
    }
  }
  const suffix = random(8);
  const dashed = name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
  const plain = name.toLowerCase().replace(/[^a-z0-9]+/g, "");
  const candidates = [
    () => (dashed === "" ? suffix : `${dashed.slice(0, Math.max(0, max - 9)).replace(/-+$/, "")}-${suffix}`),
    () => `${plain.slice(0, Math.max(0, max - 8))}${suffix}`,
    () => `${plain.replace(/^[0-9]+/, "").slice(0, Math.max(0, max - 9)) || "r"}${suffix}`.slice(0, max),
    () => randomUUID(),
  ];
  for (const make of candidates) {
    const c = make();
    if (c.length >= min && c.length <= max && (pattern === undefined || pattern.test(c))) return c;
  }
  return undefined;
}

/** The own name and every name arg, ready for an id (undefined when some is missing or unknown). */
export function nameValues(resource: ResourceSpec, inputs: PropertyMap): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const arg of resource.nameArgs) {
    const v = inputs[arg];
    if (typeof v !== "string" || v === "") return undefined;
    out[arg] = v;
  }
  return out;
}
