/**
 * The structural diff every type shares: the user's new inputs against the old INPUTS (never
 * against outputs, so properties the server fills in never show as changes), leaf by leaf, with
 * a per-type rule deciding which changes replace and why.
 */
import { UNKNOWN, type DiffResult, type PropertyDiff, type PropertyValue } from "@iac/sdk/provider";

/** One leaf-level change as the per-type rule sees it. */
export interface LeafChange {
  /** Display path, e.g. `sku.name`, `containers[0].image`. */
  readonly path: string;
  /** The top-level property. */
  readonly top: string;
  readonly kind: "add" | "update" | "delete";
  readonly old: PropertyValue | undefined;
  readonly new: PropertyValue | undefined;
}

/** What a type tells the shared diff. */
export interface DiffRules {
  /** Reason the change forces replacement, or undefined when it updates in place. */
  replaceReason(change: LeafChange): string | undefined;
  /** Top-level properties compared as one value with this equality (e.g. locations ignoring case). */
  readonly equal?: Readonly<Record<string, (a: PropertyValue, b: PropertyValue) => boolean>>;
  /** Top-level values the cloud assumes when a property is absent (absent and default are no change). */
  readonly defaults?: Readonly<Record<string, PropertyValue>>;
  /**
   * Groups of dotted paths that must be unique in the cloud (the resource's name path; a DNS
   * label). A replacement that keeps every path of one group unchanged (and set) must delete the
   * old resource first: the new one could not be created while the old one holds the name.
   */
  readonly uniqueNames?: readonly (readonly string[])[];
}

function formatKey(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? (path === "" ? key : `${path}.${key}`) : `${path}[${JSON.stringify(key)}]`;
}

function isObject(v: PropertyValue | undefined): v is { [key: string]: PropertyValue } {
  return v !== null && v !== undefined && typeof v === "object" && !Array.isArray(v);
}

/** Leaf changes between two values at `path`, in a stable order. */
function walk(top: string, path: string, a: PropertyValue | undefined, b: PropertyValue | undefined, out: LeafChange[]): void {
  if (a === undefined && b === undefined) return;
  if (a === undefined) {
    out.push({ path, top, kind: "add", old: a, new: b });
    return;
  }
  if (b === undefined) {
    out.push({ path, top, kind: "delete", old: a, new: b });
    return;
  }
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) walk(top, formatKey(path, k), a[k], b[k], out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) walk(top, `${path}[${i}]`, a[i], b[i], out);
    return;
  }
  // A value that only apply can produce may differ from the old one: shown as an update.
  if (a !== b || b === UNKNOWN) out.push({ path, top, kind: "update", old: a, new: b });
}

/** The diff of two input maps under a type's rules. */
export function diffInputs(
  olds: Readonly<Record<string, PropertyValue | undefined>>,
  news: Readonly<Record<string, PropertyValue | undefined>>,
  rules: DiffRules,
): DiffResult {
  const changes: LeafChange[] = [];
  const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])];
  for (const top of keys) {
    const a = olds[top] ?? rules.defaults?.[top];
    const b = news[top] ?? rules.defaults?.[top];
    const eq = rules.equal?.[top];
    if (eq && a !== undefined && b !== undefined && b !== UNKNOWN && eq(a, b)) continue;
    walk(top, top, a, b, changes);
  }
  const detailed: PropertyDiff[] = changes.map((c) => {
    const reason = rules.replaceReason(c);
    return reason === undefined
      ? { path: c.path, kind: c.kind, replace: false }
      : { path: c.path, kind: c.kind, replace: true, reason };
  });
  const replaces = [...new Set(changes.filter((_, i) => detailed[i]!.replace).map((c) => c.top))];
  const touched = (p: string) => changes.some((c) => c.path === p || c.path.startsWith(`${p}.`) || c.path.startsWith(`${p}[`));
  const nameKept =
    replaces.length > 0 &&
    (rules.uniqueNames ?? []).some((group) => group.every((p) => !touched(p) && valueAt(news, p) !== undefined));
  return {
    changes: detailed.length > 0,
    replaces,
    ...(nameKept ? { deleteBeforeReplace: true } : {}),
    detailed,
  };
}

/** The reason text used when a replacing property's new value is not known yet. */
export function unknownSuffix(change: LeafChange): string {
  return change.new === UNKNOWN ? " (the new value is known only after apply)" : "";
}

/** The value at a dotted path of plain objects (no list indexes). */
function valueAt(root: Readonly<Record<string, PropertyValue | undefined>>, path: string): PropertyValue | undefined {
  let cur: PropertyValue | undefined = root as { [key: string]: PropertyValue };
  for (const key of path.split(".")) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}
