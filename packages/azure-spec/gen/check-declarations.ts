/**
 * Type-checks every generated declaration file (`packages/azure/generated/*.d.ts`) with
 * `skipLibCheck` off, which the project's own build leaves on: a program importing every module,
 * compiled with tsc in a temporary folder. About a minute; run after changing the generator:
 * `node --import tsx packages/azure-spec/gen/check-declarations.ts`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(fileURLToPath(new URL("../../../", import.meta.url)));
const modules = readdirSync(join(repoRoot, "packages/azure/generated"))
  .filter((f) => f.endsWith(".d.ts"))
  .map((f) => f.slice(0, -".d.ts".length))
  .sort();
const dir = mkdtempSync(join(tmpdir(), "azure-dts-"));
try {
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  writeFileSync(join(dir, "all.ts"), modules.map((m, i) => `import * as m${i} from "@iac/azure/${m}";\nvoid m${i};\n`).join(""));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: join(repoRoot, "tsconfig.base.json"),
      compilerOptions: { skipLibCheck: false, composite: false, noEmit: true, emitDeclarationOnly: false, declaration: false, typeRoots: [join(repoRoot, "node_modules/@types")] },
      files: ["all.ts"],
    }),
  );
  const started = performance.now();
  const r = spawnSync(process.execPath, ["--max-old-space-size=6000", join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", dir], { encoding: "utf8" });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.stderr.write(`${modules.length} modules: ${r.status === 0 ? "no type errors" : "type errors above"} (${Math.round((performance.now() - started) / 1000)} s)\n`);
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
