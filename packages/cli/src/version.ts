/** The CLI package's version, read from its package.json (src/ in a checkout, dist/src/ when installed). */
import { readFileSync } from "node:fs";

export function cliVersion(): string {
  for (const relative of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "@iac/cli" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // Not this one: try the next location.
    }
  }
  return "unknown";
}
