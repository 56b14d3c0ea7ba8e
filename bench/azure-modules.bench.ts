/**
 * Generated Azure modules: what importing them costs a program, and their size on disk.
 *
 * Each case runs in a fresh `node --import tsx` child (as `iac` runs a program) and reports the
 * time from the child's start to the end of its imports plus declaring one resource of each
 * module; the median of RUNS runs. Target (issue 9): three generated modules add at most 150 ms
 * over a program importing none (`@iac/sdk` only).
 *
 * `node --import tsx bench/azure-modules.bench.ts` (also `npm run bench:azure`). Prints a table,
 * then one JSON line.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { importTime, median, sizeOf } from "./module-import.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const RUNS = Number(process.env.RUNS ?? 7);

const CASES: Record<string, string> = {
  "none (@iac/sdk only)": `import "@iac/sdk";`,
  "three generated modules (network, keyvault, containerservice)": `
import { VirtualNetwork } from "@iac/azure/network";
import { Vault } from "@iac/azure/keyvault";
import { ManagedCluster } from "@iac/azure/containerservice";
new VirtualNetwork("v", { resourceGroupName: "rg" });
new Vault("k", { resourceGroupName: "rg", tenantId: "t", sku: { family: "A", name: "standard" } });
new ManagedCluster("m", { resourceGroupName: "rg" });`,
  "three generated modules (storage, web, sql)": `
import { BlobContainer } from "@iac/azure/storage";
import { WebApp } from "@iac/azure/web";
import { Database } from "@iac/azure/sql";
new BlobContainer("c", { resourceGroupName: "rg", storageAccountName: "a" });
new WebApp("w", { resourceGroupName: "rg" });
new Database("d", { resourceGroupName: "rg", serverName: "s" });`,
  "the hand-written @iac/azure": `import { ResourceGroup } from "@iac/azure"; new ResourceGroup("g", {});`,
  "@iac/azure root import only": `import "@iac/azure";`,
  "@iac/azure/storage (re-exports StorageAccount)": `
import { StorageAccount, BlobContainer } from "@iac/azure/storage";
new StorageAccount("a", { resourceGroupName: "rg", sku: { name: "Standard_LRS" }, kind: "StorageV2" });
new BlobContainer("c", { resourceGroupName: "rg", storageAccountName: "a" });`,
  // What the engine does for a program with an Azure resource: load the provider module and
  // configure it (no cloud call yet: preview's check and diff never make one).
  "@iac/azure provider module configured": `
import { iacProviders } from "@iac/azure";
const set = await iacProviders.configure({ subscriptionId: "00000000-0000-0000-0000-000000000000" }, {});
set.provider("azure:storage:StorageAccount"); set.provider("azure:network:VirtualNetwork");`,
};

const results: Record<string, number> = {};
for (const [name, body] of Object.entries(CASES)) {
  importTime(ROOT, body); // warm tsx's transform cache
  results[name] = median(Array.from({ length: RUNS }, () => importTime(ROOT, body)));
}
const base = results["none (@iac/sdk only)"]!;
const rows = Object.entries(results).map(([name, ms]) => ({ case: name, ms: Math.round(ms), added: Math.round(ms - base) }));
const sizes = {
  dataBytes: sizeOf(join(ROOT, "packages/azure-spec/data")),
  generatedBytes: sizeOf(join(ROOT, "packages/azure/generated")),
};
console.log(`median of ${RUNS} runs, ms from process start to imports done`);
for (const r of rows) console.log(`${r.case.padEnd(64)} ${String(r.ms).padStart(6)} ms  (+${r.added} ms)`);
console.log(`data ${(sizes.dataBytes / 1e6).toFixed(1)} MB, generated ${(sizes.generatedBytes / 1e6).toFixed(1)} MB`);
console.log(JSON.stringify({ bench: "azure-modules", runs: RUNS, rows, ...sizes }));
