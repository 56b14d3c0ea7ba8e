/**
 * Typed Kubernetes modules: what importing them costs a program, and their size on disk.
 *
 * Each case runs in a fresh `node --import tsx` child (as `iac` runs a program) and reports the
 * time from the child's start to the end of its imports plus declaring one resource of each
 * class (which loads @iac/kubernetes-spec's index and types, or a Flux module's schemas); the
 * median of RUNS runs. The check before apply is the provider's and is not in these figures
 * (typed-check.test.ts exercises it).
 *
 * `node --import tsx bench/kubernetes-modules.bench.ts` (also `npm run bench:kubernetes`). Prints a
 * table, then one JSON line.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { importTime, median, sizeOf } from "./module-import.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const RUNS = Number(process.env.RUNS ?? 7);

const CASES: Record<string, string> = {
  "none (@iac/sdk only)": `import "@iac/sdk";`,
  "Manifest (@iac/kubernetes)": `import { Manifest } from "@iac/kubernetes"; new Manifest("d", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" } });`,
  "apps/v1 + core/v1 typed (Deployment, Service, ConfigMap)": `
import { Deployment } from "@iac/kubernetes/apps/v1";
import { ConfigMap, Service } from "@iac/kubernetes/core/v1";
new Deployment("d", { spec: { selector: {}, template: {} } });
new Service("s", { spec: { ports: [{ port: 80 }] } });
new ConfigMap("c", { data: { a: "b" } });`,
  "Flux typed (GitRepository, Kustomization, HelmRelease)": `
import { GitRepository } from "@iac/kubernetes/flux/source/v1";
import { Kustomization } from "@iac/kubernetes/flux/kustomize/v1";
import { HelmRelease } from "@iac/kubernetes/flux/helm/v2";
new GitRepository("g", { spec: { url: "https://x", interval: "1m" } });
new Kustomization("k", { spec: { interval: "1m", prune: true, sourceRef: { kind: "GitRepository", name: "g" } } });
new HelmRelease("h", { spec: { interval: "1m" } });`,
};

const results: Record<string, number> = {};
for (const [name, body] of Object.entries(CASES)) {
  importTime(ROOT, body); // warm tsx's transform cache
  results[name] = median(Array.from({ length: RUNS }, () => importTime(ROOT, body)));
}
const base = results["none (@iac/sdk only)"]!;
const manifest = results["Manifest (@iac/kubernetes)"]!;
const rows = Object.entries(results).map(([name, ms]) => ({ case: name, ms: Math.round(ms), added: Math.round(ms - base), overManifest: Math.round(ms - manifest) }));
const sizes = {
  dataBytes: sizeOf(join(ROOT, "packages/kubernetes-spec/data")),
  generatedBytes: sizeOf(join(ROOT, "packages/kubernetes/generated")),
};
console.log(`median of ${RUNS} runs, ms from process start to imports done`);
for (const r of rows) console.log(`${r.case.padEnd(60)} ${String(r.ms).padStart(6)} ms  (+${r.added} ms over sdk, ${r.overManifest >= 0 ? "+" : ""}${r.overManifest} ms over Manifest)`);
console.log(`data ${(sizes.dataBytes / 1e6).toFixed(2)} MB, generated ${(sizes.generatedBytes / 1e6).toFixed(2)} MB`);
console.log(JSON.stringify({ bench: "kubernetes-modules", runs: RUNS, rows, ...sizes }));
