/**
 * bicep-types nodes to the data's shapes: named object types with their properties, and type
 * references inlined (primitives, strings, enums, arrays) or pointing at a named type.
 */
import type { NamedTypeSpec, PropertySpec, TypeKeyRef, TypeRef } from "../src/format.js";
import { cmp } from "./order.js";
import { markSecret, secretRuleOf } from "./secrets.js";

/** A node of a bicep-types file. */
export interface RawNode {
  readonly $type: string;
  readonly [key: string]: unknown;
}
export interface RawRef {
  readonly $ref: string;
}
export interface RawProperty {
  readonly type: RawRef;
  readonly flags?: number;
  readonly description?: string;
}

export const refIndex = (ref: RawRef): number => {
  const m = /^#\/(\d+)$/.exec(ref.$ref);
  if (!m) throw new Error(`unsupported $ref ${ref.$ref} (only same-file refs are expected)`);
  return Number(m[1]);
};

// --- shapes ------------------------------------------------------------------------------------

export function childRefs(node: RawNode): RawRef[] {
  const out: RawRef[] = [];
  const props = (node.properties ?? node.baseProperties) as Record<string, RawProperty> | undefined;
  if (props) for (const p of Object.values(props)) out.push(p.type);
  if (node.additionalProperties) out.push(node.additionalProperties as RawRef);
  if (node.elements) {
    const els = node.elements as RawRef[] | Record<string, RawRef>;
    out.push(...(Array.isArray(els) ? els : Object.values(els)));
  }
  if (node.itemType) out.push(node.itemType as RawRef);
  return out;
}

export function namedShape(nodes: readonly RawNode[], node: RawNode, ref: (index: number) => TypeKeyRef): NamedTypeSpec {
  const propsOf = (raw: Record<string, RawProperty>): Record<string, PropertySpec> => {
    const out: Record<string, PropertySpec> = {};
    const writable = Object.entries(raw).filter(([, p]) => ((p.flags ?? 0) & 2) === 0).map(([n]) => n);
    for (const [name, p] of Object.entries(raw)) {
      const flags = p.flags ?? 0;
      let type = inline(nodes, p.type, ref);
      // A writable property that holds a secret the definitions do not mark (secrets.ts,
      // secret-rules.json): a string's type is sensitive, any other value the property itself.
      let sensitive = false;
      if (secretRuleOf(String(node.name), name, flags, type, writable)) ({ type, onProperty: sensitive } = markSecret(type));
      out[name] = { type, ...(flags !== 0 ? { flags } : {}), ...(sensitive ? { sensitive: true as const } : {}) };
    }
    return out;
  };
  if (node.$type === "DiscriminatedObjectType") {
    const elements: Record<string, TypeKeyRef> = {};
    for (const [value, r] of Object.entries(node.elements as Record<string, RawRef>).sort(([a], [b]) => cmp(a, b))) {
      elements[value] = ref(refIndex(r));
    }
    return {
      kind: "discriminated",
      name: String(node.name),
      discriminator: String(node.discriminator),
      base: propsOf((node.baseProperties ?? {}) as Record<string, RawProperty>),
      elements,
    };
  }
  return {
    kind: "object",
    name: String(node.name),
    properties: propsOf((node.properties ?? {}) as Record<string, RawProperty>),
    ...(node.additionalProperties ? { additionalProperties: inline(nodes, node.additionalProperties as RawRef, ref) } : {}),
    ...(node.sensitive === true ? { sensitive: true as const } : {}),
  };
}

/** A type reference inlined: primitives, strings, enums, arrays written in place; objects by key. */
export function inline(nodes: readonly RawNode[], r: RawRef, ref: (index: number) => TypeKeyRef): TypeRef {
  const index = refIndex(r);
  const node = nodes[index]!;
  switch (node.$type) {
    case "ObjectType":
    case "DiscriminatedObjectType":
      return ref(index);
    case "StringType": {
      const c = pick(node, { minLength: "minLength", maxLength: "maxLength", pattern: "pattern", sensitive: "sensitive" });
      return Object.keys(c).length === 0 ? "string" : { type: "string", ...c };
    }
    case "IntegerType": {
      const c = pick(node, { minValue: "min", maxValue: "max" });
      return Object.keys(c).length === 0 ? "int" : { type: "int", ...c };
    }
    case "BooleanType":
      return "bool";
    case "AnyType":
      return "any";
    case "NullType":
      return "null";
    case "StringLiteralType":
      return { type: "literal", value: String(node.value) };
    case "UnionType": {
      const members = (node.elements as RawRef[]).map((e) => nodes[refIndex(e)]!);
      if (members.every((m) => m.$type === "StringLiteralType" || m.$type === "StringType")) {
        const values = members.filter((m) => m.$type === "StringLiteralType").map((m) => String(m.value));
        const open = members.some((m) => m.$type === "StringType");
        return open ? { type: "enum", values, open: true } : { type: "enum", values };
      }
      return { type: "union", of: (node.elements as RawRef[]).map((e) => inline(nodes, e, ref)) };
    }
    case "ArrayType": {
      const c = pick(node, { minLength: "minLength", maxLength: "maxLength" });
      return { type: "array", items: inline(nodes, node.itemType as RawRef, ref), ...c };
    }
    default:
      throw new Error(`unexpected type ${node.$type} at #/${index}`);
  }
}

function pick(node: RawNode, map: Record<string, string>): Record<string, never> {
  const out: Record<string, unknown> = {};
  for (const [from, to] of Object.entries(map)) if (node[from] !== undefined) out[to] = node[from];
  return out as Record<string, never>;
}
