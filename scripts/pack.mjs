#!/usr/bin/env node
// `npm run pack -- <out-dir>`: build every package and write one npm tarball per package to
// <out-dir> (default .pack/), installable with no checkout (docs/cli.md, "Installing").
//
// In the checkout each package's `exports` point at its TypeScript sources, so that tests, tsx and
// `tsc -b` need no build. A published package must point at JavaScript: each package is staged in a
// temporary folder (package.json with `exports` mapped to dist/, its compiled dist/src as dist/, and
// the data it ships) and `npm pack` runs there. Nothing in the checkout is rewritten.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The published packages, in dependency order. */
export const PACKAGES = ["sdk", "engine", "emulator", "azure-spec", "azure", "kubernetes", "cli"];

/** `./src/x.ts` -> `{ types: ./dist/x.d.ts, default: ./dist/x.js }`; anything else (generated JS, data) as it is. */
export function publishedExport(target) {
  if (typeof target !== "string" || !/^\.\/src\/.*\.ts$/.test(target)) return target;
  const base = target.replace(/^\.\/src\//, "./dist/").replace(/\.ts$/, "");
  return { types: `${base}.d.ts`, default: `${base}.js` };
}

/** The package.json of the published package. */
export function publishedManifest(manifest) {
  const exports = Object.fromEntries(Object.entries(manifest.exports ?? {}).map(([key, target]) => [key, publishedExport(target)]));
  const { devDependencies: _dev, scripts: _scripts, ...rest } = manifest;
  return { ...rest, exports };
}

/**
 * Generated JavaScript shipped beside dist/ (packages/azure/generated) imports the package's own
 * modules as `../src/x.js`, which tsx maps to the TypeScript source in the checkout; the published
 * package has them compiled in dist/.
 */
function retargetSourceImports(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.(js|d\.ts)$/.test(entry.name)) continue;
    const file = join(entry.parentPath, entry.name);
    const text = readFileSync(file, "utf8");
    if (text.includes('from "../src/')) writeFileSync(file, text.replaceAll('from "../src/', 'from "../dist/'));
  }
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd} (exit ${r.status})`);
  return r.stdout;
}

/** Build (tsc -b, incremental) and pack every package into `outDir`; returns the tarball paths. */
export function packAll(outDir, options = {}) {
  if (options.build !== false) run(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-b"], ROOT);
  mkdirSync(outDir, { recursive: true });
  const stage = mkdtempSync(join(tmpdir(), "iac-pack-"));
  const tarballs = [];
  try {
    for (const name of PACKAGES) {
      const dir = join(ROOT, "packages", name);
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      const to = join(stage, name);
      mkdirSync(to, { recursive: true });
      if (!existsSync(join(dir, "dist", "src"))) throw new Error(`${dir}/dist/src is missing: run \`npm run build\` first.`);
      cpSync(join(dir, "dist", "src"), join(to, "dist"), { recursive: true, filter: (p) => !p.endsWith(".tsbuildinfo") });
      for (const extra of manifest.files ?? []) {
        if (extra === "dist" || !existsSync(join(dir, extra))) continue;
        cpSync(join(dir, extra), join(to, extra), { recursive: true });
        retargetSourceImports(join(to, extra));
      }
      for (const doc of ["README.md", "LICENSE"]) {
        const from = existsSync(join(dir, doc)) ? join(dir, doc) : join(ROOT, doc);
        if (existsSync(from)) cpSync(from, join(to, doc));
      }
      writeFileSync(join(to, "package.json"), `${JSON.stringify(publishedManifest(manifest), null, 2)}\n`);
      const out = run("npm", ["pack", "--json", "--pack-destination", resolve(outDir)], to);
      tarballs.push(join(resolve(outDir), JSON.parse(out)[0].filename));
    }
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return tarballs;
}

/**
 * A fresh project in `dir` (outside any checkout) with the tarballs installed as a user would,
 * preferring npm's cache to the network (`--prefer-offline`: the cache holds every dependency's
 * tarball once the checkout was installed; npm still asks the registry for the version lists).
 */
export function installInto(dir, tarballs) {
  mkdirSync(dir, { recursive: true });
  const deps = Object.fromEntries(tarballs.map((t) => [`@iac/${/^iac-(.+)-\d+\.\d+\.\d+\.tgz$/.exec(basename(t))[1]}`, `file:${t}`]));
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "iac-install-check", private: true, type: "module", dependencies: deps }, null, 2)}\n`);
  run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], dir);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] ?? join(ROOT, ".pack"));
  for (const t of packAll(outDir)) console.log(t);
}
