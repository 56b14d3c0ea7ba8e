/**
 * `npm run real-cluster -- <command>`: build and run the real Kubernetes control plane and Flux
 * controllers (docs/real-cluster.md).
 *
 *   build [module...]   build what the cache lacks (all components, or the named modules)
 *   start [dir]         start the cluster alone (no ARM, no git host) with data under <dir>
 *                       (default ./.iac/real-cluster), print the kubeconfig path, run until Ctrl-C
 *   paths               print the cache and source folders
 *
 * `iac local serve --kubernetes=real` is the usual way to run it; this script is for building ahead
 * of time and for debugging the cluster on its own.
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildRealCluster, defaultCacheDir, defaultSourceDir, describeBuildEvent, loadOrCreateCa, startRealCluster } from "@iac/emulator";

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const started = Date.now();
  const onEvent = (e: Parameters<typeof describeBuildEvent>[0]) => console.log(describeBuildEvent(e));
  switch (command) {
    case "paths":
      console.log(`cache:  ${defaultCacheDir()}\nsource: ${defaultSourceDir()}`);
      return 0;
    case "build": {
      // Ctrl-C stops the go builds too (a half-built component is not kept).
      const abort = new AbortController();
      process.once("SIGINT", () => abort.abort());
      process.once("SIGTERM", () => abort.abort());
      const result = await buildRealCluster({ onEvent, signal: abort.signal, ...(rest.length > 0 ? { only: rest } : {}) });
      console.log(`done in ${Math.round((Date.now() - started) / 1000)} s; binaries:`);
      for (const [name, path] of Object.entries(result.binaries)) console.log(`  ${name}  ${path}`);
      for (const f of result.failed) console.error(`not built: ${f.module}: ${f.error.message}`);
      return result.failed.length > 0 ? 1 : 0;
    }
    case "start": {
      const dataDir = resolve(rest[0] ?? join(".iac", "real-cluster"));
      const built = await buildRealCluster({ onEvent });
      const cluster = await startRealCluster({ dataDir, ca: loadOrCreateCa(dataDir), binaries: built.binaries, files: built.files, log: (m) => console.log(m) });
      const kubeconfig = join(dataDir, "kubeconfig");
      writeFileSync(kubeconfig, cluster.kubeconfig, { mode: 0o600 });
      console.log(`Kubernetes API at ${cluster.server}, ready in ${Math.round((Date.now() - started) / 100) / 10} s.`);
      console.log(`kubectl --kubeconfig ${kubeconfig} get nodes`);
      console.log("Press Ctrl-C to stop.");
      await new Promise<void>((done) => {
        process.once("SIGINT", done);
        process.once("SIGTERM", done);
      });
      await cluster.close();
      console.log("stopped");
      return 0;
    }
    default:
      console.error("Usage: npm run real-cluster -- build [module...] | start [dir] | paths");
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error((err as Error).message);
    process.exit(1);
  },
);
