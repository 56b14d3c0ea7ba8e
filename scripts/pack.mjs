#!/usr/bin/env node
// `npm run pack -- <out-dir>`: build every package and write one npm tarball per package to
// <out-dir> (default .pack/), installable with no checkout (docs/cli.md, "Installing").
//
// In the checkout each package's `exports` point at its TypeScript sources, so that tests, tsx and
// `tsc -b` need no build. A published package must point at JavaScript: each package is staged in a
// temporary folder (package.json with `exports` mapped to dist/, its compiled dist/src as dist/, and
// the data it ships) and `npm pack` runs there. Nothing in the checkout is rewritten.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The published packages, in dependency order. */
export const PACKAGES = ["sdk", "engine", "emulator", "azure-spec", "kubernetes-spec", "azure", "kubernetes", "console", "automation", "controller", "cli"];

/** Where a package's compiled sources are, when not dist/src (the console keeps dist/ for its page bundle). */
const COMPILED = { console: join("dist", "tsc", "src") };
/** Compiled files a package does not ship: the console's page sources are shipped bundled. */
const SKIP_COMPILED = { console: /[\\/]web([\\/]|$)/ };
/** Built files shipped as they are (the console's page, bundled by esbuild). */
const ASSETS = { console: [join("dist", "console.js"), join("dist", "console.css")] };

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
  if (options.build !== false) {
    run(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-b"], ROOT);
    run(process.execPath, ["--import", "tsx", join(ROOT, "packages", "console", "src", "build.ts")], ROOT);
  }
  mkdirSync(outDir, { recursive: true });
  const stage = mkdtempSync(join(tmpdir(), "iac-pack-"));
  const tarballs = [];
  try {
    for (const name of PACKAGES) {
      const dir = join(ROOT, "packages", name);
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      const to = join(stage, name);
      mkdirSync(to, { recursive: true });
      const compiled = join(dir, COMPILED[name] ?? join("dist", "src"));
      if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run \`npm run build\` first.`);
      const skip = SKIP_COMPILED[name];
      cpSync(compiled, join(to, "dist"), { recursive: true, filter: (p) => !p.endsWith(".tsbuildinfo") && (skip === undefined || !skip.test(p)) });
      for (const asset of ASSETS[name] ?? []) cpSync(join(dir, asset), join(to, asset));
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
 * A fresh project in `dir` (outside any checkout) with the tarballs installed as a user would, and
 * offline: `npm ci --offline` from a lockfile made of the checkout's (the versions the checkout
 * installed, so every tarball is in npm's cache; npm needs no registry for a locked tree). The
 * tarballs are locked by their own sha512.
 */
export function installInto(dir, tarballs) {
  mkdirSync(dir, { recursive: true });
  const rootLock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8"));
  const deps = {};
  const packages = {};
  for (const t of tarballs) {
    const name = `@iac/${/^iac-(.+)-\d+\.\d+\.\d+\.tgz$/.exec(basename(t))[1]}`;
    const spec = `file:${relative(dir, t)}`;
    deps[name] = spec;
    const manifest = JSON.parse(run("tar", ["-xzOf", t, "package/package.json"], dir));
    packages[`node_modules/${name}`] = {
      version: manifest.version,
      resolved: spec,
      integrity: `sha512-${createHash("sha512").update(readFileSync(t)).digest("base64")}`,
      ...(manifest.license ? { license: manifest.license } : {}),
      ...(manifest.dependencies ? { dependencies: manifest.dependencies } : {}),
      ...(manifest.bin ? { bin: manifest.bin } : {}),
      ...(manifest.engines ? { engines: manifest.engines } : {}),
    };
  }
  for (const [key, entry] of Object.entries(rootLock.packages)) {
    // The checkout's own packages come from the tarballs; its dev tools are not a user's.
    if (key === "" || entry.link || entry.dev) continue;
    let target = key;
    if (!key.startsWith("node_modules/")) {
      // A package's nested dependency (packages/cli/node_modules/typescript, TypeScript 7 beside
      // the checkout's 5.9): at the top of the fresh project unless a non-dev one is there.
      const m = /^packages\/([^/]+)\/(node_modules\/.*)$/.exec(key);
      if (!m) continue;
      const top = rootLock.packages[m[2]];
      target = top && !top.dev && !top.link ? `node_modules/@iac/${m[1]}/${m[2]}` : m[2];
    }
    if (/^node_modules\/@iac\/[^/]+$/.test(target)) continue;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...rest } = entry;
    // npm leaves `resolved` out of some entries (optional platform packages); offline it cannot look it up.
    const name = key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length);
    packages[target] = rest.resolved ? rest : { ...rest, resolved: `https://registry.npmjs.org/${name}/-/${name.split("/").pop()}-${rest.version}.tgz` };
  }
  // As `iac new` writes it: esbuild's install script reviewed (npm 11.16+ lists unreviewed ones).
  const manifest = { name: "iac-install-check", private: true, type: "module", dependencies: deps, allowScripts: { esbuild: true } };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const lock = { name: manifest.name, lockfileVersion: 3, requires: true, packages: { "": { name: manifest.name, dependencies: deps }, ...packages } };
  writeFileSync(join(dir, "package-lock.json"), `${JSON.stringify(lock, null, 2)}\n`);
  run("npm", ["ci", "--offline", "--no-audit", "--no-fund", "--loglevel=error"], dir);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] ?? join(ROOT, ".pack"));
  for (const t of packAll(outDir)) console.log(t);
}
