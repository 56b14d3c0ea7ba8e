/**
 * The graph of a stack's resources as the console draws it: one node per resource, components
 * (resources that are the parent of others) as groups holding their children, and one edge from
 * each resource to each resource it depends on. Pure, shared by the server (which sends it) and the
 * tests (which count what the page draws against it).
 */

/** What the graph needs of one resource. */
export interface GraphResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent?: string;
  readonly dependencies: readonly string[];
}

export interface GraphNode {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** The group (a component) this node sits in, when its parent is in the graph. */
  readonly parent?: string;
  /** True when other nodes sit in it (a component drawn as a group). */
  readonly group: boolean;
}

export interface GraphEdge {
  /** The dependent. */
  readonly from: string;
  /** What it depends on. */
  readonly to: string;
}

export interface ResourceGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

/**
 * The graph of `resources`. A URN seen twice (the old copy of a create-before-delete replacement)
 * is one node; dependencies on URNs not in the graph, self-edges and repeats are left out; so is
 * an edge between a group and its own descendant (the nesting already says it, and a layered
 * layout cannot place an edge into its own cluster).
 */
export function resourceGraph(resources: readonly GraphResource[]): ResourceGraph {
  const byUrn = new Map<string, GraphResource>();
  for (const r of resources) if (!byUrn.has(r.urn)) byUrn.set(r.urn, r);
  const parents = new Set<string>();
  for (const r of byUrn.values()) if (r.parent !== undefined && byUrn.has(r.parent)) parents.add(r.parent);
  const nodes: GraphNode[] = [];
  for (const r of byUrn.values()) {
    const parent = r.parent !== undefined && byUrn.has(r.parent) ? r.parent : undefined;
    nodes.push({ urn: r.urn, type: r.type, name: r.name, ...(parent !== undefined ? { parent } : {}), group: parents.has(r.urn) });
  }
  const ancestorOf = (a: string, b: string): boolean => {
    for (let p = byUrn.get(b)?.parent, hops = 0; p !== undefined && hops < 1000; p = byUrn.get(p)?.parent, hops++) if (p === a) return true;
    return false;
  };
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  for (const r of byUrn.values()) {
    for (const dep of r.dependencies) {
      if (dep === r.urn || !byUrn.has(dep)) continue;
      const key = `${r.urn}\n${dep}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (ancestorOf(r.urn, dep) || ancestorOf(dep, r.urn)) continue;
      edges.push({ from: r.urn, to: dep });
    }
  }
  return { nodes, edges };
}

/** `name` of a URN: what follows its last `::`. */
export function nameOfUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}
