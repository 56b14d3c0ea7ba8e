import assert from "node:assert/strict";
import { test } from "node:test";
import type { ResourceState } from "@iac/engine";
import { resourceGraph, toDot, toMermaid } from "../src/commands/stack-graph.js";

const urn = (type: string, name: string) => `urn:iac:dev::app::${type}::${name}`;

function resource(name: string, extra: Partial<ResourceState> = {}): ResourceState {
  return { urn: urn("test:index:Thing", name), type: "test:index:Thing", custom: true, id: `${name}-id`, inputs: {}, outputs: {}, dependencies: [], ...extra };
}

test("the old copy of a replacement is one node with its replacement, and edges to URNs not in the state are left out", () => {
  const a = resource("a");
  const b = resource("b", { dependencies: [a.urn, urn("test:index:Thing", "gone")] });
  const graph = resourceGraph([a, b, { ...b, id: "b-old", pendingDelete: true }]);
  assert.deepEqual(graph.nodes.map((n) => n.label), ["test:index:Thing a", "test:index:Thing b"]);
  assert.deepEqual(graph.edges, [{ from: "n1", to: "n0", kind: "dependency" }]);
});

test("labels with quotes are escaped in both formats", () => {
  const graph = resourceGraph([resource('say "hi"')]);
  assert.match(toDot(graph, "app/dev"), /n0 \[label="test:index:Thing say \\"hi\\""\];/);
  assert.match(toMermaid(graph), /n0\["test:index:Thing say #quot;hi#quot;"\]/);
});
