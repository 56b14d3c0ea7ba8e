/**
 * The console's graph model and layout, without a browser: one node per URN, groups for
 * components, edges deduplicated and only between resources of the graph; every node laid out
 * inside its group, siblings not overlapping, and every edge drawn from its dependency to its
 * dependent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { resourceGraph, type GraphResource } from "../src/graph-model.js";
import { layoutGraph, type Box } from "../src/web/layout.js";

const u = (name: string) => `urn:iac:dev::p::t::${name}`;
const r = (name: string, deps: string[] = [], parent?: string): GraphResource => ({ urn: u(name), type: "t:index:T", name, dependencies: deps.map(u), ...(parent ? { parent: u(parent) } : {}) });

const RESOURCES: GraphResource[] = [
  r("rg"),
  r("app"),
  r("inner", [], "app"),
  r("sa", ["rg"], "app"),
  r("share", ["sa", "sa", "gone"], "app"),
  r("deep", ["share"], "inner"),
  r("web", ["share", "app"]),
  r("sa", ["rg"], "app"), // the old copy of a replacement: same URN
  r("self", ["self"]),
];

test("the graph: a node per URN, components as groups, edges to resources of the graph only, once", () => {
  const g = resourceGraph(RESOURCES);
  assert.equal(g.nodes.length, 8);
  assert.deepEqual(g.nodes.filter((n) => n.group).map((n) => n.name).sort(), ["app", "inner"]);
  assert.equal(g.nodes.find((n) => n.name === "deep")?.parent, u("inner"));
  const edges = g.edges.map((e) => `${e.from.split("::").pop()}->${e.to.split("::").pop()}`).sort();
  // app is not an ancestor of web, so web -> app stays; the self-edge and the unknown URN go.
  assert.deepEqual(edges, ["deep->share", "sa->rg", "share->sa", "web->app", "web->share"]);
});

test("an edge between a group and its own descendant is left out (the nesting says it)", () => {
  const g = resourceGraph([r("app", ["child"]), r("child", ["app"], "app")]);
  assert.deepEqual(g.edges, []);
});

function inside(a: Box, b: Box): boolean {
  return a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.width <= b.x + b.width + 0.5 && a.y + a.height <= b.y + b.height + 0.5;
}
function overlap(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

test("the layout nests children inside their groups, keeps siblings apart, draws dependencies above dependents", () => {
  const g = resourceGraph(RESOURCES);
  const layout = layoutGraph(g);
  assert.equal(layout.nodes.size, g.nodes.length);
  for (const n of g.nodes) {
    const box = layout.nodes.get(n.urn)!;
    assert.ok(box.width > 0 && box.height > 0, n.name);
    assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= layout.width && box.y + box.height <= layout.height, `${n.name} inside the drawing`);
    if (n.parent) assert.ok(inside(box, layout.nodes.get(n.parent)!), `${n.name} inside its group`);
  }
  for (const a of g.nodes) {
    for (const b of g.nodes) {
      if (a.urn < b.urn && a.parent === b.parent) assert.ok(!overlap(layout.nodes.get(a.urn)!, layout.nodes.get(b.urn)!), `${a.name} and ${b.name} overlap`);
    }
  }
  g.edges.forEach((e, i) => {
    const pts = layout.edges[i];
    assert.ok(pts.length >= 2, "an edge has a line");
    const dependency = layout.nodes.get(e.to)!;
    const dependent = layout.nodes.get(e.from)!;
    assert.ok(dependency.y + dependency.height <= dependent.y + 0.5 || dependency.y < dependent.y, `${e.to} above ${e.from}`);
  });
});

test("components of one shape get the same layout inside, at different places", () => {
  const g = resourceGraph([r("rg"), r("a"), r("a1", ["rg"], "a"), r("a2", ["a1"], "a"), r("b"), r("b1", ["rg"], "b"), r("b2", ["b1"], "b"), r("c"), r("c1", [], "c"), r("c2", [], "c")]);
  const l = layoutGraph(g);
  const rel = (child: string, group: string) => {
    const c = l.nodes.get(u(child))!;
    const p = l.nodes.get(u(group))!;
    return [c.x - p.x, c.y - p.y];
  };
  assert.deepEqual(rel("a1", "a"), rel("b1", "b"));
  assert.deepEqual(rel("a2", "a"), rel("b2", "b"));
  assert.notDeepEqual(l.nodes.get(u("a")), l.nodes.get(u("b")));
  // c has no edge inside: another shape, laid out on its own (its children side by side).
  assert.equal(l.nodes.get(u("c1"))!.y, l.nodes.get(u("c2"))!.y);
});
