/** The page's script and stylesheet, read from dist/ (built first when missing or stale). */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { buildBundle, DIST_DIR, WEB_DIR } from "./build.js";

export interface Assets {
  readonly js: string;
  readonly css: string;
}

async function mtime(path: string): Promise<number> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return -1;
  }
}

/** Whether dist/ is missing or older than a source of the page (src/web, and the graph model it imports). */
async function stale(): Promise<boolean> {
  const built = Math.min(await mtime(join(DIST_DIR, "console.js")), await mtime(join(DIST_DIR, "console.css")));
  if (built < 0) return true;
  // An installed copy without sources serves what it was built with.
  const names = await readdir(WEB_DIR).catch(() => [] as string[]);
  const sources = names.map((f) => join(WEB_DIR, f));
  sources.push(join(WEB_DIR, "..", "graph-model.ts"));
  for (const s of sources) if ((await mtime(s)) > built) return true;
  return false;
}

export async function loadAssets(): Promise<Assets> {
  if (await stale()) await buildBundle();
  const [js, css] = await Promise.all([readFile(join(DIST_DIR, "console.js"), "utf8"), readFile(join(DIST_DIR, "console.css"), "utf8")]);
  return { js, css };
}
