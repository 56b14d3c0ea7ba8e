/**
 * `npm run gen:kubernetes`: the typed modules of @iac/kubernetes.
 *
 * 1. Built-in kinds, from @iac/kubernetes-spec: `generated/<module>/<version>.{js,d.ts}` and `generated/types.d.ts`.
 * 2. Flux's kinds, from the CRDs of Flux v2.9.4 (`../shared/reference/flux/install-v2.9.4.yaml`, every
 *    component): `generated/flux/<module>/<version>.{js,d.ts,json}` through the `iac gen crd` generator.
 * 3. One subpath export per module in package.json.
 *
 * Only files whose contents changed are written; files no longer generated are removed.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { generateCrdModules } from "../src/codegen/crd.js";
import { generateBuiltin } from "./builtin.js";
import { FLUX_CRDS, fluxModuleOf } from "./flux.js";

const PACKAGE = resolve(import.meta.dirname, "..");
const GENERATED = join(PACKAGE, "generated");

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

/** Every generated file by path under generated/. */
export function generateAll(repoRoot: string): Record<string, string> {
  const files = generateBuiltin();
  const fluxPath = join(repoRoot, FLUX_CRDS);
  const modules = generateCrdModules({
    text: readFileSync(fluxPath, "utf8"),
    from: FLUX_CRDS.replace(/^\.\.\//, ""),
    tokenPackage: "flux",
    moduleOf: fluxModuleOf,
    defineFrom: "../../../src/typed/define.js",
    generator: "npm run gen:kubernetes",
    extraArgs:
      "  /**\n   * Wait after create and update until the controller reports Ready=True for the new generation (as `flux create ... --wait`).\n   * Default true for GitRepository and Kustomization, false for the other kinds. Not sent to the cluster.\n   */\n  waitForReady?: $DeepInput<boolean>;\n",
  });
  for (const m of modules) for (const [p, text] of Object.entries(m.files)) files[`flux/${p}`] = text;
  return files;
}

function main(): void {
  const repoRoot = resolve(PACKAGE, "../..");
  const files = generateAll(repoRoot);
  let written = 0;
  for (const [p, text] of Object.entries(files)) {
    const file = join(GENERATED, p);
    if (existsSync(file) && readFileSync(file, "utf8") === text) continue;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    written++;
  }
  let removed = 0;
  for (const f of listFiles(GENERATED)) {
    if (!(relative(GENERATED, f) in files)) {
      rmSync(f);
      removed++;
    }
  }
  // package.json: keep the hand-written exports, then one per generated module.
  const pkgFile = join(PACKAGE, "package.json");
  const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { exports: Record<string, unknown> };
  const exportsOut: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(pkg.exports)) if (typeof v === "string") exportsOut[k] = v;
  exportsOut["./types"] = { types: "./generated/types.d.ts" };
  for (const p of Object.keys(files).filter((f) => f.endsWith(".js")).sort()) {
    const mod = p.slice(0, -3);
    exportsOut[`./${mod}`] = { types: `./generated/${mod}.d.ts`, default: `./generated/${mod}.js` };
  }
  const text = JSON.stringify({ ...pkg, exports: exportsOut }, null, 2) + "\n";
  if (readFileSync(pkgFile, "utf8") !== text) writeFileSync(pkgFile, text);
  const modules = Object.keys(files).filter((f) => f.endsWith(".js")).length;
  console.log(`${modules} modules, ${Object.keys(files).length} files; ${written} written, ${removed} removed.`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) main();
