/**
 * Child collections written inline: a virtual network's `properties.subnets`, a security group's
 * `properties.securityRules`, a route table's `properties.routes`... ARM keeps each item as a child
 * resource (`…/subnets/{name}`, with its own id), so a program may write them inline or as separate
 * resources and reads them back either way: a GET of the parent lists every child, with ids.
 *
 * A collection is inline when an array property of the body's `properties` names a child type of
 * the definitions (`Microsoft.Network/virtualNetworks` + `subnets`) and its items have a `name`
 * and `properties`, as child resources do. A PUT or PATCH that sends the
 * array makes the children match it (items absent from it are deleted, as Azure deletes subnets a
 * virtual network's PUT leaves out); a write that does not send it leaves them alone (GUESS: the
 * network RP treats an absent array like an empty one; keeping them is the safer emulation for
 * programs that manage subnets as separate resources).
 */
import type { ArmContext } from "./context.js";
import { ArmError } from "./errors.js";
import type { GenericRecord, Json } from "./model.js";
import { Flags, type ResourceSpec } from "./spec/model.js";
import { withoutSecrets } from "./spec/validate.js";

/** The inline collections of a type: property name and child type. */
export function inlineCollections(ctx: ArmContext, spec: ResourceSpec): readonly { readonly prop: string; readonly child: ResourceSpec }[] {
  const body = spec.module.types[spec.body];
  if (body?.kind !== "object") return [];
  const p = body.props["properties"];
  const pt = p === undefined ? undefined : spec.module.types[p.type];
  if (pt?.kind !== "object") return [];
  const out: { prop: string; child: ResourceSpec }[] = [];
  for (const [name, prop] of Object.entries(pt.props)) {
    if (prop.flags & Flags.ReadOnly) continue;
    const arr = spec.module.types[prop.type];
    const item = arr?.kind === "array" ? spec.module.types[arr.item] : undefined;
    // Items shaped as child resources (a name and properties), not lists that merely share a
    // child type's name (a Key Vault's accessPolicies are entries, not resources).
    if (item?.kind !== "object" || item.props["name"] === undefined || item.props["properties"] === undefined) continue;
    const child = ctx.catalog.resource(`${spec.armType}/${name}`);
    if (child !== undefined && child.writableScopes !== 0) out.push({ prop: name, child });
  }
  return out;
}

/** The parent's `properties` without its inline collections (they live in the child records). */
export function withoutInline(ctx: ArmContext, spec: ResourceSpec, body: Json): Json {
  const props = body["properties"];
  if (typeof props !== "object" || props === null) return body;
  const rest: Record<string, unknown> = { ...(props as Record<string, unknown>) };
  for (const { prop } of inlineCollections(ctx, spec)) delete rest[prop];
  return { ...body, properties: rest };
}

/** Make the children of `parent` match the arrays `sent` carries (the cleaned request body). */
export function syncInlineChildren(ctx: ArmContext, options: { readonly parent: GenericRecord; readonly spec: ResourceSpec; readonly sent: Json; readonly now: number }): void {
  const props = options.sent["properties"] as Record<string, unknown> | undefined;
  if (typeof props !== "object" || props === null) return;
  const { parent } = options;
  for (const { prop, child } of inlineCollections(ctx, options.spec)) {
    const items = props[prop];
    if (!Array.isArray(items)) continue;
    const keep = new Set<string>();
    items.forEach((item, i) => {
      const it = (item ?? {}) as Record<string, unknown>;
      if (typeof it["name"] !== "string" || it["name"] === "") {
        throw new ArmError({
          status: 400,
          code: "InvalidRequestContent",
          message: `The request content was invalid: 'properties.${prop}[${i}].name' is required (each item becomes the child resource '${child.armType}/{name}').`,
          target: `properties.${prop}[${i}].name`,
        });
      }
      const id = `${parent.id}/${prop}/${it["name"]}`;
      keep.add(id.toLowerCase());
      const existing = ctx.store.get(id);
      const body = withoutSecrets(child.module, child.body, { properties: it["properties"] ?? {} }) as Json;
      ctx.store.put({
        kind: "generic",
        id,
        subscriptionId: parent.subscriptionId,
        resourceGroup: parent.resourceGroup,
        name: it["name"],
        location: "",
        type: child.armType,
        apiVersion: child.apiVersions[0] ?? parent.apiVersion,
        body,
        assigned: existing?.kind === "generic" ? existing.assigned : {},
        etag: parent.etag,
        createdAt: existing?.kind === "generic" ? existing.createdAt : new Date(options.now).toISOString(),
      });
    });
    const depth = child.armType.split("/").length;
    for (const r of ctx.store.under(parent.id)) {
      if (r.kind !== "generic" || r.type.toLowerCase() !== child.armType.toLowerCase() || r.type.split("/").length !== depth) continue;
      if (keep.has(r.id.toLowerCase())) continue;
      for (const nested of ctx.store.under(r.id)) ctx.store.remove(nested.id);
      ctx.store.remove(r.id);
    }
  }
}

/** The children of each inline collection, as the parent's GET shows them. */
export function inlineViews(ctx: ArmContext, options: { readonly parent: GenericRecord; readonly spec: ResourceSpec; readonly childView: (r: GenericRecord, spec: ResourceSpec) => Json }): Record<string, Json[]> {
  const out: Record<string, Json[]> = {};
  const all = ctx.store.under(options.parent.id);
  for (const { prop, child } of inlineCollections(ctx, options.spec)) {
    const depth = child.armType.split("/").length;
    const children = all.filter((r): r is GenericRecord => r.kind === "generic" && r.type.toLowerCase() === child.armType.toLowerCase() && r.type.split("/").length === depth);
    if (children.length > 0) out[prop] = children.map((c) => options.childView(c, child));
  }
  return out;
}
