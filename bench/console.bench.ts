/**
 * `iac console` benchmark: the graph page of a stack of N resources (2,000 by default), laid out
 * (dagre, one level of nesting at a time) and drawn (SVG) in headless Chromium. The stack looks
 * like a real one: a resource group and a network shared by components of 20 resources each
 * (a storage account, a file share, a subnet and 16 container groups depending on them).
 *
 * Measured: the page's own layout and render times (`window.__iacGraph`), and the wall time from
 * opening the graph page to the graph being drawn (fetch + layout + render + first fit), median of
 * 3 runs, plus the CPU time of a layout alone in Node (what the layout costs without the browser).
 * Target (issue 13): 2,000 resources lay out and render within 2 s.
 *
 * `node --import tsx bench/console.bench.ts [N ...]`; needs a Chromium (`$CHROMIUM` or Debian's
 * /usr/bin/chromium): without one only the Node layout is measured, and it says so.
 * Prints a table, then one JSON line.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileBackend, type Crypter, type ResourceState, type Snapshot } from "@iac/engine";
import { MASKING_CRYPTER, resourceGraph, startConsoleServer } from "@iac/console";
import { layoutGraph } from "../packages/console/src/web/layout.ts";

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const NS = sizes.length > 0 ? sizes : [500, 2000];
const PLAIN: Crypter = { encrypt: (s) => s, decrypt: (s) => s };

/** A resource group, a network, and components of 20 resources each. */
function stackOf(n: number): ResourceState[] {
  const u = (s: string) => `urn:iac:dev::bench::${s}`;
  const out: ResourceState[] = [];
  const add = (name: string, type: string, custom: boolean, deps: string[], parentName?: string) => {
    const typePath = parentName !== undefined ? `my:index:App$${type}` : type;
    const urn = u(`${typePath}::${name}`);
    out.push({ urn, type, custom, ...(custom ? { id: `/subscriptions/0000/resourceGroups/rg/providers/${type}/${name}` } : {}), ...(parentName !== undefined ? { parent: u(`my:index:App::${parentName}`) } : {}), inputs: { name }, outputs: { name }, dependencies: deps });
    return urn;
  };
  const rg = add("rg", "azure:resources:ResourceGroup", true, []);
  const vnet = add("vnet", "azure:network:VirtualNetwork", true, [rg]);
  for (let i = 0; out.length < n; i++) {
    const app = `app${i}`;
    add(app, "my:index:App", false, []);
    const sa = add(`${app}-sa`, "azure:storage:StorageAccount", true, [rg], app);
    const share = add(`${app}-share`, "azure:storage:FileShare", true, [sa], app);
    const sub = add(`${app}-subnet`, "azure:network:Subnet", true, [vnet], app);
    for (let k = 0; k < 16 && out.length < n; k++) add(`${app}-ct${k}`, "azure:containerinstance:ContainerGroup", true, k % 2 === 1 ? [share, sub] : [share], app);
  }
  return out.slice(0, n);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const chromium = [process.env.CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p !== undefined && p !== "" && existsSync(p));
if (chromium === undefined) console.error("No Chromium found ($CHROMIUM or /usr/bin/chromium): only the Node layout is measured.");

const results: Record<string, number | string>[] = [];
for (const n of NS) {
  const resources = stackOf(n);
  const graph = resourceGraph(resources.map((r) => ({ urn: r.urn, type: r.type, name: r.urn.slice(r.urn.lastIndexOf("::") + 2), ...(r.parent ? { parent: r.parent } : {}), dependencies: r.dependencies })));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  layoutGraph(graph);
  const nodeLayoutMs = performance.now() - t0;
  const nodeLayoutCpuMs = process.cpuUsage(c0).user / 1000;
  const row: Record<string, number | string> = { n, nodes: graph.nodes.length, edges: graph.edges.length, nodeLayoutMs: Math.round(nodeLayoutMs), nodeLayoutCpuMs: Math.round(nodeLayoutCpuMs) };
  if (chromium !== undefined) {
    const dir = await mkdtemp(join(tmpdir(), "iac-console-bench-"));
    const backend = createFileBackend({ projectDir: dir, project: "bench" });
    await backend.createStack("dev");
    const snapshot: Snapshot = { version: 1, project: "bench", stack: "dev", secretsProvider: { type: "passphrase" }, resources, pendingOperations: [], outputs: {} };
    await backend.write("dev", snapshot, PLAIN);
    const server = await startConsoleServer({ backend, view: { showSecrets: false, crypter: async () => MASKING_CRYPTER }, project: "bench" });
    const { chromium: launcher } = await import("playwright-core");
    const browser = await launcher.launch({ executablePath: chromium, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(server.loginUrl);
      await page.locator("h1").first().waitFor();
      const walls: number[] = [];
      const layouts: number[] = [];
      const renders: number[] = [];
      for (let i = 0; i < 3; i++) {
        await page.goto(`${server.url}#/`);
        await page.locator("tr[data-stack]").first().waitFor();
        const start = Date.now();
        await page.evaluate(() => (location.hash = "#/stacks/dev/graph"));
        await page.locator('svg.graph[data-ready="true"]').waitFor({ timeout: 120_000 });
        walls.push(Date.now() - start);
        const g = await page.evaluate(() => window.__iacGraph!);
        if (g.nodes !== graph.nodes.length) throw new Error(`the page drew ${g.nodes} nodes, the stack has ${graph.nodes.length}`);
        layouts.push(g.layoutMs);
        renders.push(g.renderMs);
      }
      row.pageLayoutMs = Math.round(median(layouts));
      row.pageRenderMs = Math.round(median(renders));
      row.pageTotalMs = Math.round(median(walls));
      row.within2s = median(walls) <= 2000 ? "yes" : "no";
    } finally {
      await browser.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  }
  results.push(row);
}

const cols = ["n", "nodes", "edges", "nodeLayoutMs", "nodeLayoutCpuMs", "pageLayoutMs", "pageRenderMs", "pageTotalMs", "within2s"];
console.log(cols.join("  "));
for (const r of results) console.log(cols.map((c) => String(r[c] ?? "-").padStart(c.length)).join("  "));
console.log(JSON.stringify({ bench: "console", results }));
