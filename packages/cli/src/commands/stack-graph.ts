/**
 * `iac stack graph [--format dot|mermaid] [--output file]`: the resources in the stack's state as
 * a graph, read from the state alone (the program is not run): one node per resource labelled
 * `type name`, a solid edge from a resource to each resource it depends on, a dashed edge from a
 * parent to each child.
 */
import type { ResourceState } from "@iac/engine";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ExitCode, UsageError } from "../errors.js";
import { openWorkspace } from "../workspace.js";
import { runCommand, type CommandOptions } from "./command.js";

/** The formats `iac stack graph` writes. */
export const GRAPH_FORMATS = ["dot", "mermaid"] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

export interface GraphNode {
  /** `n0`, `n1`, ...: safe in both formats, whatever the URN holds. */
  readonly id: string;
  readonly urn: string;
  /** `type name`. */
  readonly label: string;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  /** `dependency`: `from` depends on `to`. `parent`: `from` is the parent of `to`. */
  readonly kind: "dependency" | "parent";
}

export interface ResourceGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

/**
 * The graph of the resources in a state. The old copy of a create-before-delete replacement
 * (`pendingDelete`, same URN as its replacement) is one node with it; edges to URNs the state
 * does not hold are left out.
 */
export function resourceGraph(resources: readonly ResourceState[]): ResourceGraph {
  const ids = new Map<string, string>();
  const nodes: GraphNode[] = [];
  for (const r of resources) {
    if (ids.has(r.urn)) continue;
    const id = `n${nodes.length}`;
    ids.set(r.urn, id);
    nodes.push({ id, urn: r.urn, label: `${r.type} ${r.urn.slice(r.urn.lastIndexOf("::") + 2)}` });
  }
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  const add = (edge: GraphEdge) => {
    const key = `${edge.kind} ${edge.from} ${edge.to}`;
    if (seen.has(key)) return;
    seen.add(key);
    edges.push(edge);
  };
  for (const r of resources) {
    const self = ids.get(r.urn)!;
    for (const dep of r.dependencies) {
      const to = ids.get(dep);
      if (to !== undefined && to !== self) add({ from: self, to, kind: "dependency" });
    }
    const parent = r.parent === undefined ? undefined : ids.get(r.parent);
    if (parent !== undefined) add({ from: parent, to: self, kind: "parent" });
  }
  return { nodes, edges };
}

/** Graphviz DOT (`dot -Tsvg`). */
export function toDot(graph: ResourceGraph, name: string): string {
  const quote = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  const lines = [`digraph ${quote(name)} {`, "  node [shape=box];"];
  for (const n of graph.nodes) lines.push(`  ${n.id} [label=${quote(n.label)}];`);
  for (const e of graph.edges) lines.push(`  ${e.from} -> ${e.to}${e.kind === "parent" ? " [style=dashed]" : ""};`);
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** Mermaid flowchart (renders in GitHub and GitLab Markdown). */
export function toMermaid(graph: ResourceGraph): string {
  // Inside a quoted Mermaid label only `"` needs an entity.
  const label = (s: string) => `"${s.replace(/"/g, "#quot;")}"`;
  const lines = ["graph TD"];
  for (const n of graph.nodes) lines.push(`  ${n.id}[${label(n.label)}]`);
  for (const e of graph.edges) lines.push(`  ${e.from} ${e.kind === "parent" ? "-.->" : "-->"} ${e.to}`);
  return `${lines.join("\n")}\n`;
}

/** `iac stack graph`: print (or write to `output`) the graph of the stack's state. */
export function stackGraph(options: CommandOptions & { readonly format?: string; readonly output?: string }): Promise<number> {
  return runCommand(options, async (ctx) => {
    const format = options.format ?? "dot";
    if (!isGraphFormat(format)) throw new UsageError(`--format must be one of ${GRAPH_FORMATS.join(", ")} (got "${format}").`);
    const ws = await openWorkspace(ctx);
    const stack = await ws.resolveStack({ explicit: options.stack, createIfNone: false });
    const snapshot = await ws.backend.read(stack, await ws.crypter(stack));
    const graph = resourceGraph(snapshot.resources);
    const text = format === "dot" ? toDot(graph, `${ws.project.name}/${stack}`) : toMermaid(graph);
    if (options.output === undefined) {
      ctx.io.out.write(text);
    } else {
      const path = resolve(ctx.cwd, options.output);
      await writeFile(path, text);
      ctx.say(`Wrote the graph of stack ${stack} (${graph.nodes.length} resource(s), ${graph.edges.length} edge(s)) to ${path}.`);
    }
    if (graph.nodes.length === 0) ctx.say(`Stack ${stack} has no resources in its state (run \`iac up\` first).`);
    return ExitCode.ok;
  });
}

function isGraphFormat(value: string): value is GraphFormat {
  return (GRAPH_FORMATS as readonly string[]).includes(value);
}
