/**
 * Dependency graph helpers over resource states: who depends on whom (dependencies, parent and
 * explicit provider all count), and the parallel reverse-order walk that deletes use.
 */
import type { ResourceState } from "./state/types.js";

/** The URNs a resource needs to exist while it exists. */
export function edgesOf(r: Pick<ResourceState, "dependencies" | "parent" | "provider">): string[] {
  const out = [...r.dependencies];
  if (r.parent) out.push(r.parent);
  if (r.provider?.urn) out.push(r.provider.urn);
  return out;
}

/** Outcome of one node in {@link walkReverse}. */
export type WalkOutcome = { readonly kind: "done" } | { readonly kind: "failed" } | { readonly kind: "skipped"; readonly reason: string };

/** Options of {@link walkReverse}. */
export interface WalkReverseOptions<T> {
  /** The nodes to visit; each key is unique. */
  readonly nodes: readonly T[];
  readonly key: (node: T) => string;
  /** Keys this node depends on (only keys among `nodes` matter). */
  readonly edges: (node: T) => readonly string[];
  /** Visits a node once every node depending on it has been visited successfully. Throws: failed. */
  readonly visit: (node: T) => Promise<void>;
  /** Called for a node that is not visited because something depending on it failed. */
  readonly skip: (node: T, reason: string) => void;
  /** Stop starting visits (Ctrl-C): remaining nodes are skipped. */
  readonly stopped?: () => boolean;
  /** Called instead of {@link skip} for a node not visited because the walk was stopped. */
  readonly notStarted?: (node: T) => void;
}

/**
 * Visits nodes in reverse dependency order, in parallel by the graph: a node starts as soon as
 * every node that depends on it is done (the caller bounds concurrency inside `visit`). A failure
 * leaves the nodes it depends on unvisited (reported through `skip`), while other branches go on.
 * Linear in nodes + edges.
 */
export async function walkReverse<T>(options: WalkReverseOptions<T>): Promise<{ readonly failed: number; readonly skipped: number }> {
  const { nodes, key, edges, visit, skip } = options;
  const index = new Map<string, number>();
  nodes.forEach((n, i) => index.set(key(n), i));
  // remaining[i]: how many nodes depending on node i are still to be visited.
  const remaining = new Int32Array(nodes.length);
  const deps: number[][] = nodes.map((n) => {
    const out: number[] = [];
    for (const e of edges(n)) {
      const j = index.get(e);
      if (j !== undefined && j !== index.get(key(n)) && !out.includes(j)) out.push(j);
    }
    return out;
  });
  for (const ds of deps) for (const j of ds) remaining[j]!++;
  const blocked = new Array<string | undefined>(nodes.length);
  let failed = 0;
  let skipped = 0;
  let inFlight = 0;
  let allDone!: () => void;
  const done = new Promise<void>((resolve) => (allDone = resolve));

  const started = new Uint8Array(nodes.length);
  const start = (i: number): void => {
    started[i] = 1;
    const node = nodes[i]!;
    const reason = blocked[i] ?? (options.stopped?.() ? "interrupted" : undefined);
    if (reason !== undefined) {
      skipped++;
      if (blocked[i] === undefined && options.notStarted) options.notStarted(node);
      else skip(node, reason);
      finish(i, reason);
      return;
    }
    inFlight++;
    void (async () => {
      let reasonForDeps: string | undefined;
      try {
        await visit(node);
      } catch {
        failed++;
        reasonForDeps = `${key(node)}, which depends on it, was not deleted`;
      }
      finish(i, reasonForDeps);
      if (--inFlight === 0) allDone();
    })();
  };
  const finish = (i: number, blockReason: string | undefined): void => {
    for (const j of deps[i]!) {
      if (blockReason !== undefined && blocked[j] === undefined) blocked[j] = blockReason;
      if (--remaining[j]! === 0) start(j);
    }
  };
  inFlight++; // held while seeding, so an early finish cannot resolve `done`
  for (let i = 0; i < nodes.length; i++) if (remaining[i] === 0) start(i);
  if (--inFlight === 0) allDone();
  await done;
  // Nodes on a dependency cycle never become free; state written by iac has none, but a hand-edited one may.
  for (let i = 0; i < nodes.length; i++) {
    if (!started[i]) {
      skipped++;
      skip(nodes[i]!, "it is part of a dependency cycle in the state; delete it with `iac state delete`");
    }
  }
  return { failed, skipped };
}
