/**
 * The engine's default diff (for providers without `diff`) and the adjustments the engine makes to
 * any diff: `replaceOnChanges` turns a change into a replace, and an unknown new value "may change".
 */
import { containsUnknown, type DiffResult, type PropertyDiff, type PropertyMap } from "@iac/sdk/provider";
import { deepEqual, pathMatches } from "./values.js";

/**
 * Compares old and new inputs per top-level property. A new value that is unknown (preview) is a
 * change: it may differ once known.
 */
export function defaultDiff(olds: PropertyMap, news: PropertyMap): DiffResult {
  const detailed: PropertyDiff[] = [];
  for (const k in news) {
    const n = news[k];
    if (!(k in olds)) detailed.push({ path: k, kind: "add", replace: false });
    else if (containsUnknown(n) || !deepEqual(olds[k], n)) detailed.push({ path: k, kind: "update", replace: false });
  }
  for (const k in olds) if (!(k in news)) detailed.push({ path: k, kind: "delete", replace: false });
  return { changes: detailed.length > 0, replaces: [], detailed };
}

/**
 * Adds to a provider's diff what the engine knows better: properties whose new value is unknown
 * (the provider may have called them equal) and `replaceOnChanges` paths.
 */
export function adjustDiff(diff: DiffResult, options: { readonly news: PropertyMap; readonly olds: PropertyMap; readonly replaceOnChanges?: readonly string[] }): DiffResult {
  let detailed = diff.detailed;
  for (const k in options.news) {
    if (containsUnknown(options.news[k]) && !detailed.some((d) => d.path === k || d.path.startsWith(`${k}.`) || d.path.startsWith(`${k}[`))) {
      detailed = [...detailed, { path: k, kind: k in options.olds ? "update" : "add", replace: false, reason: "the new value is not known yet" }];
    }
  }
  const roc = options.replaceOnChanges;
  if (roc && roc.length > 0) {
    detailed = detailed.map((d) =>
      !d.replace && pathMatches(d.path, roc) ? { ...d, replace: true, reason: d.reason ?? "listed in replaceOnChanges" } : d,
    );
  }
  const replaces = new Set(diff.replaces);
  for (const d of detailed) if (d.replace) replaces.add(topLevel(d.path));
  const changes = diff.changes || detailed.length > 0;
  if (detailed === diff.detailed && replaces.size === diff.replaces.length && changes === diff.changes) return diff;
  return { ...diff, changes, replaces: [...replaces], detailed };
}

function topLevel(path: string): string {
  const m = /^[^.[]+/.exec(path);
  return m ? m[0] : path;
}
