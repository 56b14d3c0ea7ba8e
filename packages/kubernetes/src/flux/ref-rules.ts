/**
 * A GitRepository's `spec.ref` names one reference. Flux accepts several fields at once and
 * silently keeps one by precedence, commit > name > semver > tag > branch (source-controller api/v1
 * GitRepositoryRef, reference/notes/flux.md §3), so `{ branch: "main", semver: ">=1.0" }` follows the
 * tags and ignores the branch without a word. `check` refuses such combinations before any call;
 * the one combination Flux documents, `commit` with `branch` (a shallow clone of the branch, in which
 * the commit must exist), stays allowed.
 */
import type { CheckFailure, PropertyMap, PropertyValue } from "@iac/sdk/provider";

/** The reference fields, highest precedence first. */
const REF_FIELDS = ["commit", "name", "semver", "tag", "branch"] as const;

function isMap(v: PropertyValue | undefined): v is PropertyMap {
  return v !== null && v !== undefined && typeof v === "object" && !Array.isArray(v);
}

/** Failures of a GitRepository's `spec.ref` (any other object: none). */
export function gitRepositoryRefFailures(obj: PropertyMap): CheckFailure[] {
  if (obj.kind !== "GitRepository" || typeof obj.apiVersion !== "string" || !obj.apiVersion.startsWith("source.toolkit.fluxcd.io/")) return [];
  const spec = obj.spec;
  const ref = isMap(spec) ? spec.ref : undefined;
  if (!isMap(ref)) return [];
  const set = REF_FIELDS.filter((f) => ref[f] !== undefined && ref[f] !== null && ref[f] !== "");
  const others = set.filter((f) => f !== "commit");
  const allowed = set.length <= 1 || (set.length === 2 && set.includes("commit") && set.includes("branch"));
  if (allowed) return [];
  const winner = set[0]!;
  const ignored = set.slice(1).filter((f) => !(winner === "commit" && f === "branch"));
  return [
    {
      property: `spec.ref.${ignored[0] ?? others[0]}`,
      reason:
        `spec.ref sets ${set.join(" and ")}: Flux would use ${winner} and silently ignore ${ignored.join(" and ")} ` +
        `(precedence commit > name > semver > tag > branch). Keep one of them${set.includes("commit") ? " (commit may go with branch, for a shallow clone of that branch)" : ""}.`,
    },
  ];
}
