/**
 * `iac console` benchmark: the graph page of a stack of N resources (2,000 by default), laid out
 * (dagre, one level of nesting at a time) and drawn (SVG) in headless Chromium. The stack looks
 * like a real one: a resource group and a network shared by components of 10 to 24 resources
 * (a storage account, a file share, a subnet and 6 to 20 container groups depending on them, in
 * four wiring patterns).
 *
 * Measured: the page's own layout and render times (`window.__iacGraph`), and the wall time from
 * opening the graph page to the graph being drawn (fetch + layout + render + first fit), median of
 * 3 runs, the page's main-thread busy time over that span (Chrome's TaskDuration: what it costs
 * apart from waiting for a CPU on a loaded machine), and the CPU time of a layout alone in Node.
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
    // Components differ: 6 to 20 container groups, four wiring patterns (so few share a shape,
    // and the layout's reuse of a shape already laid out helps only as much as in a real stack).
    const containers = 6 + ((i * 7) % 15);
    const pattern = i % 4;
    for (let k = 0; k < containers && out.length < n; k++) {
      const deps = pattern === 0 ? [share] : pattern === 1 ? (k % 2 === 1 ? [share, sub] : [share]) : pattern === 2 ? [sub] : k % 3 === 0 ? [sa, sub] : [share];
      add(`${app}-ct${k}`, "azure:containerinstance:ContainerGroup", true, deps, app);
    }
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
      // The page's main-thread busy time (Chrome's TaskDuration): what the graph costs the browser,
      // apart from the time it waits for a CPU on a loaded machine.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("Performance.enable");
      const busy = async () => ((await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "TaskDuration")?.value ?? 0) * 1000;
      const tasks: number[] = [];
      const walls: number[] = [];
      const layouts: number[] = [];
      const renders: number[] = [];
      for (let i = 0; i < 3; i++) {
        await page.goto(`${server.url}#/`);
        await page.locator("tr[data-stack]").first().waitFor();
        const busyBefore = await busy();
        const start = Date.now();
        await page.evaluate(() => (location.hash = "#/stacks/dev/graph"));
        await page.locator('svg.graph[data-ready="true"]').waitFor({ timeout: 120_000 });
        walls.push(Date.now() - start);
        tasks.push((await busy()) - busyBefore);
        const g = await page.evaluate(() => window.__iacGraph!);
        if (g.nodes !== graph.nodes.length) throw new Error(`the page drew ${g.nodes} nodes, the stack has ${graph.nodes.length}`);
        layouts.push(g.layoutMs);
        renders.push(g.renderMs);
      }
      row.pageLayoutMs = Math.round(median(layouts));
      row.pageRenderMs = Math.round(median(renders));
      row.pageTotalMs = Math.round(median(walls));
      row.pageBusyMs = Math.round(median(tasks));
      row.within2s = median(walls) <= 2000 ? "yes" : "no";
    } finally {
      await browser.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  }
  results.push(row);
}

const cols = ["n", "nodes", "edges", "nodeLayoutMs", "nodeLayoutCpuMs", "pageLayoutMs", "pageRenderMs", "pageBusyMs", "pageTotalMs", "within2s"];
console.log(cols.join("  "));
for (const r of results) console.log(cols.map((c) => String(r[c] ?? "-").padStart(c.length)).join("  "));
console.log(JSON.stringify({ bench: "console", results }));
