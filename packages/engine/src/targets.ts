/**
 * Checking `--target`: every target must name a resource of the stack or of its program. Pure.
 */
import { EngineError } from "./errors.js";

/**
 * Every `--target` must name a resource of the stack (in its state) or of the program: a target
 * that matches nothing is an error listing the nearest URNs, never a run that silently does nothing.
 */
export function assertTargetsExist(targets: ReadonlySet<string>, known: readonly string[]): void {
  const knownSet = new Set(known);
  const missing = [...targets].filter((t) => !knownSet.has(t));
  if (missing.length === 0) return;
  const lines = missing.map((t) => {
    const near = nearestUrns(t, known);
    return `${t}${near.length > 0 ? ` (did you mean ${near.join(" or ")}?)` : ""}`;
  });
  throw new EngineError(
    `--target matches no resource of this stack or its program: ${lines.join("; ")}. ` +
      "A target is a full URN: `iac state ls` lists those in the state, `iac preview` shows the program's.",
    { code: "TargetNotFound" },
  );
}

/** Up to three URNs nearest to `target`: the same name first, then by edit distance of the names and URNs. */
function nearestUrns(target: string, known: readonly string[]): string[] {
  const nameOf = (u: string) => u.slice(u.lastIndexOf("::") + 2);
  const tname = target.includes("::") ? nameOf(target) : target;
  const scored = known.map((u) => {
    const name = nameOf(u);
    const score = name === tname ? -1 : Math.min(editDistance(name, tname), editDistance(u, target));
    return { u, score };
  });
  const limit = Math.max(2, Math.floor(tname.length / 3));
  return scored
    .filter((x) => x.score <= limit)
    .sort((a, b) => a.score - b.score || a.u.localeCompare(b.u))
    .slice(0, 3)
    .map((x) => x.u);
}

/** Levenshtein distance (small strings: names and URNs). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
