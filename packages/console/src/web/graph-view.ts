/**
 * The interactive graph of a stack: laid out by dagre (layout.ts), drawn as SVG. Components are
 * groups around their children; an arrow goes from a resource to each resource that depends on
 * it. Zoom (wheel, + / -, buttons), pan (drag, arrow keys), fit (0), search (highlights matches;
 * Enter moves to the next), and a click or Enter on a node opens its inputs and outputs.
 */
import { api } from "./api.js";
import { h, svg } from "./dom.js";
import { layoutGraph } from "./layout.js";
import type { ResourceGraph } from "../graph-model.js";

/** Timings of the last graph drawn, read by the benchmark (bench/console.bench.ts). */
declare global {
  interface Window {
    __iacGraph?: { readonly nodes: number; readonly edges: number; readonly layoutMs: number; readonly renderMs: number };
  }
}

export async function renderGraph(stack: string, onSelect: (urn: string) => void): Promise<HTMLElement> {
  const graph = await api.graph(stack);
  return drawGraph(graph, onSelect);
}

export function drawGraph(graph: ResourceGraph, onSelect: (urn: string) => void): HTMLElement {
  const t0 = performance.now();
  const layout = layoutGraph(graph);
  const t1 = performance.now();
  const root = svg("svg", { class: "graph", role: "group", "aria-label": `Resource graph: ${graph.nodes.length} resources, ${graph.edges.length} dependencies`, "data-nodes": graph.nodes.length, "data-edges": graph.edges.length });
  const defs = svg("defs");
  const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: "auto-start-reverse" });
  marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrowhead" }));
  defs.append(marker);
  const viewport = svg("g", { class: "viewport" });
  root.append(defs, viewport);
  const groups = svg("g", { class: "groups" });
  const edges = svg("g", { class: "edges" });
  const nodes = svg("g", { class: "nodes" });
  viewport.append(groups, edges, nodes);
  // Drawn as markup in one assignment per layer: thousands of createElementNS calls cost the
  // browser several times more than parsing the same elements (text is escaped, see esc).
  const parentOf = new Map(graph.nodes.map((n) => [n.urn, n.parent]));
  const depth = (urn: string) => {
    let d = 0;
    for (let p = parentOf.get(urn); p !== undefined && d < 100; d++) p = parentOf.get(p);
    return d;
  };
  // Groups outermost first, so that nested ones are drawn on top.
  const groupNodes = graph.nodes.filter((n) => n.group).sort((a, b) => depth(a.urn) - depth(b.urn));
  const nodeMarkup = (n: ResourceGraph["nodes"][number]): string => {
    const box = layout.nodes.get(n.urn)!;
    const typeX = n.group ? 10 + Math.min(n.name.length, 26) * 8 + 8 : 10;
    return (
      `<g class="${n.group ? "node group" : "node"}" data-urn="${esc(n.urn)}" transform="translate(${box.x},${box.y})" tabindex="0" role="button" aria-label="${esc(`${n.type} ${n.name}`)}">` +
      `<title>${esc(n.urn)}</title><rect width="${box.width}" height="${box.height}" rx="${n.group ? 8 : 6}"></rect>` +
      `<text x="10" y="${n.group ? 19 : 18}" class="name">${esc(clip(n.name, 26))}</text>` +
      `<text x="${typeX}" y="${n.group ? 19 : 34}" class="type">${esc(clip(n.type, n.group ? 40 : 30))}</text></g>`
    );
  };
  groups.innerHTML = groupNodes.map(nodeMarkup).join("");
  nodes.innerHTML = graph.nodes.filter((n) => !n.group).map(nodeMarkup).join("");
  edges.innerHTML = graph.edges
    .map((e, i) => {
      const pts = layout.edges[i];
      if (pts.length < 2) return "";
      return `<path class="edge" d="M${pts.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join("L")}" marker-end="url(#arrow)" data-from="${esc(e.to)}" data-to="${esc(e.from)}"></path>`;
    })
    .join("");
  const byUrn = new Map<string, SVGGElement>();
  for (const g of root.querySelectorAll<SVGGElement>("g.node")) byUrn.set(g.getAttribute("data-urn")!, g);

  // View: a transform of the viewport group (x, y, scale).
  let view = { x: 0, y: 0, k: 1 };
  const apply = () => viewport.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`);
  const fit = () => {
    const w = root.clientWidth || 800;
    const hgt = root.clientHeight || 600;
    const k = Math.min(w / Math.max(layout.width, 1), hgt / Math.max(layout.height, 1), 1.5);
    view = { k, x: (w - layout.width * k) / 2, y: Math.max(0, (hgt - layout.height * k) / 2) };
    apply();
  };
  const zoom = (factor: number, cx?: number, cy?: number) => {
    const px = cx ?? (root.clientWidth || 800) / 2;
    const py = cy ?? (root.clientHeight || 600) / 2;
    const k = Math.min(8, Math.max(0.005, view.k * factor));
    view = { k, x: px - ((px - view.x) * k) / view.k, y: py - ((py - view.y) * k) / view.k };
    apply();
  };
  const center = (urn: string) => {
    const box = layout.nodes.get(urn);
    if (!box) return;
    const k = Math.max(view.k, 0.8);
    view = { k, x: (root.clientWidth || 800) / 2 - (box.x + box.width / 2) * k, y: (root.clientHeight || 600) / 2 - (box.y + box.height / 2) * k };
    apply();
  };
  root.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = root.getBoundingClientRect();
    zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  let drag: { x: number; y: number; moved: boolean } | undefined;
  root.addEventListener("pointerdown", (e) => {
    drag = { x: e.clientX, y: e.clientY, moved: false };
  });
  root.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    drag.moved = true;
    root.setPointerCapture(e.pointerId);
    view = { ...view, x: view.x + dx, y: view.y + dy };
    drag.x = e.clientX;
    drag.y = e.clientY;
    apply();
  });
  root.addEventListener("pointerup", (e) => {
    const wasDrag = drag?.moved === true;
    drag = undefined;
    if (wasDrag) return;
    const node = (e.target as Element).closest?.("g.node");
    if (node) select(node.getAttribute("data-urn")!);
  });
  const select = (urn: string) => {
    for (const el of root.querySelectorAll(".selected")) el.classList.remove("selected");
    byUrn.get(urn)?.classList.add("selected");
    onSelect(urn);
  };
  root.addEventListener("keydown", (e) => {
    const target = e.target as Element;
    if ((e.key === "Enter" || e.key === " ") && target.matches("g.node")) {
      e.preventDefault();
      select(target.getAttribute("data-urn")!);
      return;
    }
    const step = 60;
    const keys: Record<string, () => void> = {
      "+": () => zoom(1.25), "=": () => zoom(1.25), "-": () => zoom(0.8), "0": fit,
      ArrowLeft: () => { view.x += step; apply(); }, ArrowRight: () => { view.x -= step; apply(); },
      ArrowUp: () => { view.y += step; apply(); }, ArrowDown: () => { view.y -= step; apply(); },
    };
    const f = keys[e.key];
    if (f) { e.preventDefault(); f(); }
  });
  root.addEventListener("focusin", (e) => {
    const node = (e.target as Element).closest?.("g.node");
    if (node && e.target !== root) {
      // Bring a node reached by Tab into view.
      const box = layout.nodes.get(node.getAttribute("data-urn")!);
      const w = root.clientWidth || 800;
      const hgt = root.clientHeight || 600;
      if (box) {
        const sx = box.x * view.k + view.x;
        const sy = box.y * view.k + view.y;
        if (sx < 0 || sy < 0 || sx > w - 40 || sy > hgt - 40) center(node.getAttribute("data-urn")!);
      }
    }
  });

  // Search: highlight matches, Enter goes to the next.
  let matches: string[] = [];
  let at = -1;
  const status = h("span", { class: "muted", role: "status", id: "graph-search-status" });
  const search = h("input", {
    type: "search", id: "graph-search", placeholder: "name or type…", "aria-describedby": "graph-search-status",
    oninput: (e: Event) => {
      const q = (e.target as HTMLInputElement).value.trim().toLowerCase();
      matches = q === "" ? [] : graph.nodes.filter((n) => `${n.name} ${n.type}`.toLowerCase().includes(q)).map((n) => n.urn);
      at = -1;
      const set = new Set(matches);
      for (const [urn, g] of byUrn) g.classList.toggle("match", set.has(urn));
      root.classList.toggle("searching", q !== "");
      status.textContent = q === "" ? "" : `${matches.length} match${matches.length === 1 ? "" : "es"}`;
      if (matches.length > 0) { at = 0; center(matches[0]); }
    },
    onkeydown: (e: Event) => {
      if ((e as KeyboardEvent).key !== "Enter" || matches.length === 0) return;
      at = (at + 1) % matches.length;
      center(matches[at]);
      byUrn.get(matches[at])?.focus({ preventScroll: true });
    },
  });
  const button = (label: string, title: string, f: () => void) => h("button", { type: "button", title, "aria-label": title, onclick: f }, label);
  const toolbar = h(
    "div",
    { class: "toolbar" },
    h("label", { for: "graph-search" }, "Find "), search, status,
    button("+", "Zoom in", () => zoom(1.25)), button("−", "Zoom out", () => zoom(0.8)), button("Fit", "Fit the whole graph", fit),
    h("span", { class: "muted" }, `${graph.nodes.length} resources · ${graph.edges.length} dependencies · drag to pan, wheel or +/− to zoom, Tab through resources, Enter for details`),
  );
  const wrap = h("section", { class: "graph-wrap" }, h("h2", {}, "Graph"), toolbar, root);
  root.setAttribute("tabindex", "0");
  // Fit once the SVG has a size in the page.
  requestAnimationFrame(() => {
    fit();
    window.__iacGraph = { nodes: graph.nodes.length, edges: graph.edges.length, layoutMs: t1 - t0, renderMs: performance.now() - t1 };
    root.setAttribute("data-ready", "true");
  });
  return wrap;
}

/** Text and attribute values in markup: the five characters that could end them, as entities. */
function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
