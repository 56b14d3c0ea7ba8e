/**
 * Bundles the page (src/web) with esbuild into dist/console.js and dist/console.css: one script
 * and one stylesheet, every library inside, so the page loads nothing from any other host.
 * `npm run build` runs it; the server builds on start when the bundle is missing or older than
 * its sources (a fresh clone, or a source edited since), so tests and CI need no build step.
 * Run directly (`node --import tsx src/build.ts`) it builds and prints the sizes.
 */
import { build } from "esbuild";
import { copyFile, mkdir, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const WEB_DIR = fileURLToPath(new URL("./web/", import.meta.url));
export const DIST_DIR = fileURLToPath(new URL("../dist/", import.meta.url));

export async function buildBundle(options: { readonly outDir?: string } = {}): Promise<{ readonly js: string; readonly css: string }> {
  const outDir = options.outDir ?? DIST_DIR;
  await mkdir(outDir, { recursive: true });
  const js = join(outDir, "console.js");
  const css = join(outDir, "console.css");
  // Written under temp names and renamed: a server reading dist/ meanwhile sees old or new, never half.
  const temp = `.${process.pid}-${Date.now()}.tmp`;
  await build({
    entryPoints: [join(WEB_DIR, "main.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "none",
    outfile: js + temp,
    logLevel: "silent",
  });
  await copyFile(join(WEB_DIR, "style.css"), css + temp);
  await rename(js + temp, js);
  await rename(css + temp, css);
  return { js, css };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await buildBundle();
  for (const f of [out.js, out.css]) process.stdout.write(`${f}: ${(await stat(f)).size} bytes\n`);
}
