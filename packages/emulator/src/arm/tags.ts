/**
 * The tags API of Microsoft.Resources (Tags operations, api 2025-04-01 as @azure/arm-resources 8
 * sends it): the tags of a subscription, a resource group or any resource at
 * `{scope}/providers/Microsoft.Resources/tags/default` (GET, PUT replaces all, PATCH with
 * `operation` Merge | Replace | Delete, DELETE removes all; answered synchronously with 200, which
 * the SDK's pollers take as done), and the subscription's tag names at `/subscriptions/{sub}/tagNames`
 * ("a union of predefined tags, resource tags, resource group tags and subscription tags", Tags - List
 * docs) with predefined names and values (PUT/DELETE `tagNames/{name}[/tagValues/{value}]`).
 */
import type { ArmContext } from "./context.js";
import { ArmError, resourceNotFound } from "./errors.js";
import { objectBody, objectProp, type ArmRequest, type ArmResponse } from "./http.js";
import type { Json, ResourceRecord } from "./model.js";
import { requireGroup, requireWritableGroup } from "./resource-groups.js";
import { typeOf } from "./subscriptions.js";

type Tags = Record<string, string>;

/** Where tags live: a subscription's own, or a stored resource (group or resource). */
type Target = { readonly kind: "subscription"; readonly sub: string } | { readonly kind: "record"; readonly record: ResourceRecord };

/** The scope part of `{scope}/providers/Microsoft.Resources/tags/default`, or undefined for other paths. */
export function tagsScopeOf(lower: readonly string[]): number | undefined {
  const n = lower.length;
  if (n < 6 || lower[0] !== "subscriptions") return undefined;
  const tail = lower.slice(n - 4).join("/");
  return tail === "providers/microsoft.resources/tags/default" ? n - 4 : undefined;
}

function resolve(ctx: ArmContext, segments: readonly string[], write: boolean): Target {
  const sub = segments[1]!;
  if (segments.length === 2) return { kind: "subscription", sub };
  if (segments[2]?.toLowerCase() !== "resourcegroups" || segments.length < 4) {
    throw new ArmError({ status: 400, code: "InvalidScope", message: `The scope '/${segments.join("/")}' is not a subscription, a resource group or a resource.` });
  }
  const group = write ? requireWritableGroup(ctx, sub, segments[3]!) : requireGroup(ctx, sub, segments[3]!);
  if (segments.length === 4) return { kind: "record", record: group };
  const id = `/${segments.join("/")}`;
  const r = ctx.store.get(id);
  // A storage account is invisible while its creation runs (storage-accounts.ts).
  if (r === undefined || (r.kind === "storageAccount" && r.createOperation !== undefined)) {
    throw resourceNotFound(segments.slice(5, 7).join("/"), segments[segments.length - 1]!, segments[3]!);
  }
  return { kind: "record", record: r };
}

function tagsOfTarget(ctx: ArmContext, t: Target): Tags {
  return t.kind === "subscription" ? ctx.store.subscriptionTags(t.sub) : { ...(t.record.tags ?? {}) };
}

function setTags(ctx: ArmContext, t: Target, tags: Tags): void {
  if (t.kind === "subscription") ctx.store.setSubscriptionTags(t.sub, tags);
  else ctx.store.put({ ...t.record, tags });
}

function view(segments: readonly string[], tags: Tags): Json {
  return { id: `/${segments.join("/")}/providers/Microsoft.Resources/tags/default`, name: "default", type: "Microsoft.Resources/tags", properties: { tags } };
}

/**
 * Tag names may not hold `<, >, %, &, \, ?, /` or control characters: 400 `InvalidTagNameCharacters`,
 * "The tag names 'x' have reserved characters '<,>,%,&,\,?,/' or control characters." (az CLI output
 * quoted in MicrosoftDocs tutorials and public tag-policy scripts; status GUESS 400).
 */
function checkTags(value: unknown): Tags {
  if (typeof value !== "object" || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== "string")) {
    throw new ArmError({ status: 400, code: "InvalidRequestContent", message: "The request content was invalid and could not be deserialized: 'properties.tags must be an object of strings'." });
  }
  const bad = Object.keys(value).filter((k) => /[<>%&\\?/\u0000-\u001f]/.test(k));
  if (bad.length > 0) {
    throw new ArmError({ status: 400, code: "InvalidTagNameCharacters", message: `The tag names '${bad.join(",")}' have reserved characters '<,>,%,&,\\,?,/' or control characters.` });
  }
  return value as Tags;
}

/** `{scope}/providers/Microsoft.Resources/tags/default`. */
export function handleTagsAtScope(ctx: ArmContext, req: ArmRequest, scopeLength: number): ArmResponse {
  const segments = req.segments.slice(0, scopeLength);
  switch (req.method) {
    case "GET":
      return { status: 200, body: view(segments, tagsOfTarget(ctx, resolve(ctx, segments, false))) };
    case "PUT": {
      const t = resolve(ctx, segments, true);
      const tags = checkTags(objectProp(objectBody(req.body), "properties")["tags"] ?? {});
      setTags(ctx, t, { ...tags });
      return { status: 200, body: view(segments, tags) };
    }
    case "PATCH": {
      const t = resolve(ctx, segments, true);
      const body = objectBody(req.body);
      const sent = checkTags(objectProp(body, "properties")["tags"] ?? {});
      const op = String(body["operation"] ?? "");
      const current = tagsOfTarget(ctx, t);
      let next: Tags;
      switch (op.toLowerCase()) {
        case "merge":
          next = { ...current, ...sent };
          break;
        case "replace":
          next = { ...sent };
          break;
        case "delete":
          // "selectively deleting tags based on given names or name/value pairs" (Tags - Update At Scope docs).
          next = Object.fromEntries(Object.entries(current).filter(([k, v]) => !(k in sent && (sent[k] === "" || sent[k] === v))));
          break;
        default:
          throw new ArmError({ status: 400, code: "InvalidRequestContent", message: `The request content was invalid and could not be deserialized: 'operation must be Merge, Replace or Delete, not '${op}''.`, target: "operation" });
      }
      setTags(ctx, t, next);
      return { status: 200, body: view(segments, next) };
    }
    case "DELETE":
      setTags(ctx, resolve(ctx, segments, true), {});
      return { status: 200 };
    default:
      throw new ArmError({ status: 405, code: "HttpMethodNotAllowed", message: `The requested resource does not support http method '${req.method}'.` });
  }
}

function tagNameId(sub: string, name: string, value?: string): string {
  return `/subscriptions/${sub}/tagNames/${name}${value === undefined ? "" : `/tagValues/${value}`}`;
}

/** GET /subscriptions/{sub}/tagNames: every name with its count and values. */
export function listTagNames(ctx: ArmContext, sub: string): ArmResponse {
  const counts = new Map<string, { name: string; count: number; values: Map<string, number> }>();
  const entryOf = (name: string) => {
    const entry = counts.get(name.toLowerCase()) ?? { name, count: 0, values: new Map<string, number>() };
    counts.set(name.toLowerCase(), entry);
    return entry;
  };
  /** One use of `name` with `value` by a resource, group or the subscription. */
  const add = (name: string, value: string) => {
    const entry = entryOf(name);
    entry.count += 1;
    entry.values.set(value, (entry.values.get(value) ?? 0) + 1);
  };
  // Predefined names and values count 0 until something uses them.
  for (const [name, values] of Object.entries(ctx.store.tagNames(sub))) {
    const entry = entryOf(name);
    for (const v of values) entry.values.set(v, entry.values.get(v) ?? 0);
  }
  for (const r of ctx.store.all()) {
    if (r.subscriptionId.toLowerCase() !== sub.toLowerCase() || r.kind === "fileShare") continue;
    for (const [k, v] of Object.entries(r.tags ?? {})) add(k, v);
  }
  for (const [k, v] of Object.entries(ctx.store.subscriptionTags(sub))) add(k, v);
  const value = [...counts.values()].map((e) => ({
    id: tagNameId(sub, e.name),
    tagName: e.name,
    count: { type: "Total", value: e.count },
    values: [...e.values].map(([v, n]) => ({ id: tagNameId(sub, e.name, v), tagValue: v, count: { type: "Total", value: n } })),
  }));
  return { status: 200, body: { value } };
}

/** PUT tagNames/{name}[/tagValues/{value}]: 201 when new, 200 when it was there. */
export function putTagName(ctx: ArmContext, sub: string, name: string, value?: string): ArmResponse {
  checkTags({ [name]: value ?? "" });
  const names = ctx.store.tagNames(sub);
  const key = Object.keys(names).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
  const values = names[key] ?? [];
  const existed = names[key] !== undefined && (value === undefined || values.includes(value));
  ctx.store.setTagNames(sub, { ...names, [key]: value === undefined || values.includes(value) ? values : [...values, value] });
  const body = value === undefined
    ? { id: tagNameId(sub, key), tagName: key, count: { type: "Total", value: 0 }, values: [] }
    : { id: tagNameId(sub, key, value), tagValue: value, count: { type: "Total", value: 0 } };
  return { status: existed ? 200 : 201, body };
}

/**
 * DELETE tagNames/{name}[/tagValues/{value}]: "The name being deleted must not be in use as a tag
 * name for any resource. All predefined values for the given name must have already been deleted"
 * (Tags - Delete docs). The refusal's code and status are ours (409 `TagNameInUse`).
 */
export function deleteTagName(ctx: ArmContext, sub: string, name: string, value?: string): ArmResponse {
  const names = ctx.store.tagNames(sub);
  const key = Object.keys(names).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) return { status: 204 };
  if (value !== undefined) {
    if (!names[key]!.includes(value)) return { status: 204 };
    ctx.store.setTagNames(sub, { ...names, [key]: names[key]!.filter((v) => v !== value) });
    return { status: 200 };
  }
  const user = ctx.store.all().find((r) => r.subscriptionId.toLowerCase() === sub.toLowerCase() && Object.keys(r.tags ?? {}).some((k) => k.toLowerCase() === key.toLowerCase()));
  if (user !== undefined || names[key]!.length > 0) {
    throw new ArmError({
      status: 409,
      code: "TagNameInUse",
      message: user !== undefined
        ? `The tag name '${key}' is in use by '${user.id}' (${typeOf(user)}); remove it from every resource first.`
        : `The tag name '${key}' still has predefined values; delete them first.`,
    });
  }
  const { [key]: _gone, ...rest } = names;
  ctx.store.setTagNames(sub, rest);
  return { status: 200 };
}
