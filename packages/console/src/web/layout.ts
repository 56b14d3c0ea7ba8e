/**
 * Laying out the resource graph with dagre (a layered layout), one level of nesting at a time:
 * each component's children are laid out by dagre as a graph of their own, and the component then
 * takes part in its parent's layout as one box of that size (what ELK calls "separate children").
 * Edges between two nodes of the same level are routed by dagre; an edge that crosses a group's
 * border counts, for the ranking of the level where the two meet, as an edge between the two
 * ancestors there, and is drawn as a straight line. This keeps every dagre run small: a layout of
 * all nodes at once with compound nodes takes dagre seconds at 2,000 resources.
 * No layout algorithm of our own: this only splits the graph and places dagre's results.
 */
import dagre from "@dagrejs/dagre";
import type { ResourceGraph } from "../graph-model.js";

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface GraphLayout {
  /** Top-left based boxes of every node (groups included), in graph coordinates. */
  readonly nodes: ReadonlyMap<string, Box>;
  /** Edge polylines, in the order of `graph.edges`. */
  readonly edges: readonly (readonly Point[])[];
  readonly width: number;
  readonly height: number;
}

export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 44;
const GROUP_PADDING = { top: 30, side: 14, bottom: 14 };
const MARGIN = 16;

interface Level {
  readonly members: string[];
  /** Lifted edges between members (dependency above dependent), deduplicated. */
  readonly edges: Map<string, { readonly from: string; readonly to: string }>;
}

interface LevelLayout {
  /** Top-left of each member, in the order given. */
  readonly positions: readonly Point[];
  /** The route of each edge, in the order given. */
  readonly routes: readonly Point[][];
  readonly size: { readonly width?: number; readonly height?: number };
}

/** One dagre run: members (by index) of the given sizes, edges between them (dependency first). */
function layoutLevel(sizes: readonly { readonly width: number; readonly height: number }[], edges: readonly (readonly [number, number])[]): LevelLayout {
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: "TB", nodesep: 24, ranksep: 48, marginx: 0, marginy: 0, ranker: "longest-path" });
  g.setDefaultEdgeLabel(() => ({}));
  sizes.forEach((s, i) => g.setNode(String(i), { width: s.width, height: s.height }));
  for (const [from, to] of edges) g.setEdge(String(from), String(to));
  dagre.layout(g, { disableOptimalOrderHeuristic: true });
  const positions = sizes.map((_, i) => {
    const v = g.node(String(i)) as { x: number; y: number; width: number; height: number };
    return { x: v.x - v.width / 2, y: v.y - v.height / 2 };
  });
  const routes = edges.map(([from, to]) => ((g.edge(String(from), String(to)) as { points?: Point[] }).points ?? []).map((p) => ({ x: p.x, y: p.y })));
  return { positions, routes, size: g.graph() as { width?: number; height?: number } };
}

/** Lay `graph` out top to bottom: what a resource depends on is drawn above it. */
export function layoutGraph(graph: ResourceGraph): GraphLayout {
  const parentOf = new Map<string, string | undefined>();
  const levels = new Map<string, Level>();
  const levelOf = (key: string): Level => {
    let level = levels.get(key);
    if (!level) levels.set(key, (level = { members: [], edges: new Map() }));
    return level;
  };
  const ROOT = "";
  for (const n of graph.nodes) parentOf.set(n.urn, n.parent);
  for (const n of graph.nodes) levelOf(n.parent ?? ROOT).members.push(n.urn);
  const chain = (urn: string): string[] => {
    const out = [urn];
    for (let p = parentOf.get(urn), hops = 0; p !== undefined && hops < 1000; p = parentOf.get(p), hops++) out.unshift(p);
    return out;
  };
  // Where each edge meets: the level holding both ends' ancestors, and those two ancestors.
  const meets: { level: string; from: string; to: string }[] = [];
  for (const e of graph.edges) {
    const a = chain(e.to);
    const b = chain(e.from);
    let k = 0;
    while (k < a.length - 1 && k < b.length - 1 && a[k] === b[k]) k++;
    const level = k === 0 ? ROOT : a[k - 1];
    meets.push({ level, from: a[k], to: b[k] });
    if (a[k] !== b[k]) levelOf(level).edges.set(`${a[k]}\n${b[k]}`, { from: a[k], to: b[k] });
  }
  // Lay the levels out innermost first: a group's size is what its children take.
  const sizes = new Map<string, { width: number; height: number }>();
  const local = new Map<string, { x: number; y: number }>();
  const routes = new Map<string, Point[]>();
  const depth = (key: string) => (key === ROOT ? 0 : chain(key).length);
  const order = [...levels.keys()].sort((x, y) => depth(y) - depth(x));
  // Components of one shape (same child sizes, same edges between them: a component class used many
  // times) get the same layout from dagre, so each shape is laid out once and its result reused.
  const shapes = new Map<string, LevelLayout>();
  for (const key of order) {
    const level = levels.get(key)!;
    const index = new Map(level.members.map((urn, i) => [urn, i]));
    const memberSizes = level.members.map((urn) => sizes.get(urn) ?? { width: NODE_WIDTH, height: NODE_HEIGHT });
    const edgeIndexes = [...level.edges.values()].map((e) => [index.get(e.from)!, index.get(e.to)!] as const);
    const shape = JSON.stringify([memberSizes.map((s) => [s.width, s.height]), edgeIndexes]);
    let laid = shapes.get(shape);
    if (laid === undefined) {
      laid = layoutLevel(memberSizes, edgeIndexes);
      shapes.set(shape, laid);
    }
    level.members.forEach((urn, i) => local.set(urn, laid.positions[i]));
    [...level.edges.values()].forEach((e, i) => routes.set(`${e.from}\n${e.to}`, laid.routes[i]));
    const size = laid.size;
    if (key !== ROOT) {
      sizes.set(key, {
        width: Math.max(NODE_WIDTH, (size.width ?? 0) + 2 * GROUP_PADDING.side),
        height: (size.height ?? 0) + GROUP_PADDING.top + GROUP_PADDING.bottom,
      });
    } else {
      sizes.set(ROOT, { width: (size.width ?? 0) + 2 * MARGIN, height: (size.height ?? 0) + 2 * MARGIN });
    }
  }
  // Absolute boxes: a node's place in its level plus its group's origin and padding.
  const nodes = new Map<string, Box>();
  const originOf = (level: string): Point => {
    if (level === ROOT) return { x: MARGIN, y: MARGIN };
    const box = place(level);
    return { x: box.x + GROUP_PADDING.side, y: box.y + GROUP_PADDING.top };
  };
  const place = (urn: string): Box => {
    const done = nodes.get(urn);
    if (done) return done;
    const origin = originOf(parentOf.get(urn) ?? ROOT);
    const at = local.get(urn)!;
    const size = sizes.get(urn) ?? { width: NODE_WIDTH, height: NODE_HEIGHT };
    const box = { x: origin.x + at.x, y: origin.y + at.y, width: size.width, height: size.height };
    nodes.set(urn, box);
    return box;
  };
  for (const n of graph.nodes) place(n.urn);
  const edges = graph.edges.map((e, i) => {
    const meet = meets[i];
    const direct = meet.from === e.to && meet.to === e.from;
    const route = direct ? routes.get(`${meet.from}\n${meet.to}`) : undefined;
    if (route !== undefined && route.length > 0) {
      const origin = originOf(meet.level);
      return route.map((p) => ({ x: p.x + origin.x, y: p.y + origin.y }));
    }
    const from = nodes.get(e.to)!;
    const to = nodes.get(e.from)!;
    return [
      { x: from.x + from.width / 2, y: from.y + from.height },
      { x: to.x + to.width / 2, y: to.y },
    ];
  });
  const root = sizes.get(ROOT) ?? { width: 0, height: 0 };
  return { nodes, edges, width: root.width, height: root.height };
}
