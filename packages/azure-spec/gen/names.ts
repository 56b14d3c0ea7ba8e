/**
 * The names the compaction gives: id templates and name args per scope, class names with their
 * collision rule, function export names (docs/decisions/0006-azure-generated-modules.md).
 */
import type { ScopeKind } from "../src/format.js";
import { CLASS_OVERRIDES, camel, className, nameArgOf, singular, words } from "../src/naming.js";
import { cmp } from "./order.js";

/** The id template and the program-given args of a type at a scope. */
export function idTemplateOf(armType: string, scope: ScopeKind): { idTemplate: string; nameArgs: string[] } {
  const [namespace, ...segments] = armType.split("/");
  if (armType.toLowerCase() === "microsoft.resources/resourcegroups") {
    return { idTemplate: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}", nameArgs: ["resourceGroupName"] };
  }
  const nameArgs: string[] = [];
  let prefix: string;
  switch (scope) {
    case "tenant":
      prefix = "";
      break;
    case "managementGroup":
      prefix = "/providers/Microsoft.Management/managementGroups/{managementGroupId}";
      nameArgs.push("managementGroupId");
      break;
    case "subscription":
      prefix = "/subscriptions/{subscriptionId}";
      break;
    case "resourceGroup":
      prefix = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}";
      nameArgs.push("resourceGroupName");
      break;
    case "extension":
    case "scope":
      prefix = "{scope}";
      nameArgs.push("scope");
      break;
  }
  let path = `${prefix}/providers/${namespace}`;
  segments.forEach((segment, i) => {
    // DNS record types (`dnsZones/A`, `privateDnsZones/CNAME`): ARM's own name for the record set's name.
    let arg = segment.toLowerCase() === "locations" ? "location" : /^[A-Z0-9]+$/.test(segment) ? "relativeRecordSetName" : nameArgOf(segment);
    // `Microsoft.X/foos/foos`: the child's arg takes its parent's singular as a prefix.
    if (nameArgs.includes(arg) || arg === "subscriptionIdName") arg = camel([...words(singular(segments[i - 1] ?? namespace!)), ...words(arg)]);
    while (nameArgs.includes(arg)) arg = `${arg}2`;
    nameArgs.push(arg);
    path += `/${segment}/{${arg}}`;
  });
  return { idTemplate: path, nameArgs };
}

/**
 * The export name of a function: its verb, the class, the rest of its name, with the words the
 * class ends with and the rest starts with said once: (`listKeys`, `StorageAccount`) ->
 * `listStorageAccountKeys`; (`listClusterUserCredential`, `ManagedCluster`) ->
 * `listManagedClusterUserCredential`.
 */
export function functionExportName(name: string, ownerClass: string): string {
  const [verb, ...rest] = words(name);
  const cls = words(ownerClass);
  let overlap = 0;
  for (let k = Math.min(cls.length, rest.length); k > 0; k--) {
    const tail = cls.slice(cls.length - k).map((w) => w.toLowerCase());
    const head = rest.slice(0, k).map((w) => w.toLowerCase());
    if (tail.join() === head.join()) {
      overlap = k;
      break;
    }
  }
  return camel([verb!.toLowerCase(), ...cls, ...rest.slice(overlap)]);
}

/**
 * Class names: the last segment, singular, PascalCase; where two types of a module share one, a
 * writable type wins over a read-only one and a shallower type over a deeper one; the others (all
 * of them on a tie) take their parent's singular as a prefix, then the grandparent's, until unique;
 * a number is the last resort (`Foo2`).
 */
export function resolveClassNames(types: readonly { armType: string; writable: boolean }[]): Map<string, string> {
  const state = types.map((t) => {
    const key = t.armType.toLowerCase();
    const segments = t.armType.split("/").slice(1);
    // An all-capitals segment (a DNS record type: `A`, `CNAME`) says little alone: always with its parent.
    const level = segments.length > 1 && /^[A-Z0-9]+$/.test(segments[segments.length - 1]!) ? 2 : 1;
    return { key, segments, writable: t.writable, level, suffix: 0, fixed: CLASS_OVERRIDES[key] };
  });
  const nameOf = (s: (typeof state)[number]): string => {
    if (s.fixed !== undefined) return s.fixed;
    const segs = s.segments.slice(Math.max(0, s.segments.length - s.level));
    let n = segs.map((seg) => className(seg)).join("");
    if (!/^[A-Za-z_$]/.test(n)) n = `T${n}`;
    return s.suffix > 0 ? `${n}${s.suffix}` : n;
  };
  for (let round = 0; round < 50; round++) {
    const groups = new Map<string, (typeof state)[number][]>();
    for (const s of state) {
      const n = nameOf(s).toLowerCase();
      groups.set(n, [...(groups.get(n) ?? []), s]);
    }
    let changed = false;
    for (const group of groups.values()) {
      if (group.length < 2) continue;
      // An override always keeps its name.
      const rank = (s: (typeof state)[number]) => (s.fixed !== undefined ? -1 : (s.writable ? 0 : 1000) + s.segments.length);
      const sorted = [...group].sort((a, b) => rank(a) - rank(b) || cmp(a.key, b.key));
      const keeper = rank(sorted[0]!) < rank(sorted[1]!) ? sorted[0] : undefined;
      for (const s of sorted) {
        if (s === keeper || s.fixed !== undefined) continue;
        if (s.level < s.segments.length) s.level++;
        else s.suffix = s.suffix === 0 ? 2 : s.suffix + 1;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return new Map(state.map((s) => [s.key, nameOf(s)]));
}
