/**
 * Coverage of the generated modules, counted against Microsoft's definitions themselves
 * (../shared/reference/azure/bicep-types): every writable resource type has its class and every
 * resource function its function, in the module of its namespace, and each module loads.
 *
 * Today's definitions hold 2,825 ResourceType entries of which 2,151 are writable; they name 2,112
 * distinct writable ARM types (39 are defined twice: in two folders or two api-versions of one
 * namespace, e.g. Microsoft.Sql/servers in sql_0 at 2014-04-01 and sql_1 at 2025-01-01). They hold
 * 1,477 ResourceFunctionType entries naming 1,456 distinct (resource type, function) pairs (21 are
 * defined twice the same way). One class per ARM type and one function per pair is the target.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { it } from "node:test";
import { azureSpec, moduleOfNamespace } from "@iac/azure-spec";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const DEFINITIONS = join(ROOT, "../shared/reference/azure/bicep-types");
const GENERATED = join(ROOT, "packages/azure/generated");

interface Counted {
  rawWritable: number;
  rawFunctions: number;
  /** module -> lowercased ARM types. */
  writable: Map<string, Set<string>>;
  /** module -> `type#name`, lowercased. */
  functions: Map<string, Set<string>>;
}

function countDefinitions(): Counted {
  const c: Counted = { rawWritable: 0, rawFunctions: 0, writable: new Map(), functions: new Map() };
  const add = (m: Map<string, Set<string>>, module: string, key: string) => m.set(module, (m.get(module) ?? new Set()).add(key));
  for (const folder of readdirSync(DEFINITIONS)) {
    const fp = join(DEFINITIONS, folder);
    if (!statSync(fp).isDirectory()) continue;
    for (const ns of readdirSync(fp)) {
      // `extensions/az/types.json` lists the namespaces: not a provider folder.
      if (!statSync(join(fp, ns)).isDirectory()) continue;
      for (const version of readdirSync(join(fp, ns))) {
        const file = join(fp, ns, version, "types.json");
        if (!statSync(join(fp, ns, version)).isDirectory()) continue;
        const nodes = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>[];
        for (const n of nodes) {
          if (n.$type === "ResourceType" && Number(n.writableScopes) !== 0) {
            c.rawWritable++;
            const armType = String(n.name).split("@")[0]!;
            add(c.writable, moduleOfNamespace(armType.split("/")[0]!), armType.toLowerCase());
          } else if (n.$type === "ResourceFunctionType") {
            c.rawFunctions++;
            const armType = String(n.resourceType);
            add(c.functions, moduleOfNamespace(armType.split("/")[0]!), `${armType}#${String(n.name)}`.toLowerCase());
          }
        }
      }
    }
  }
  return c;
}

const total = (m: Map<string, Set<string>>) => [...m.values()].reduce((n, s) => n + s.size, 0);

it("today's definitions hold 2,112 writable resource types and 1,477 resource functions (1,456 distinct)", () => {
  const c = countDefinitions();
  assert.equal(total(c.writable), 2112);
  assert.equal(c.rawFunctions, 1477);
  assert.equal(total(c.functions), 1456);
});

it("every writable resource type has a class and every resource function a function in its module, and every module loads", async () => {
  const c = countDefinitions();
  let classes = 0;
  let functions = 0;
  const modules = azureSpec.modules();
  for (const module of modules) {
    const spec = azureSpec.loadModule(module);
    const mod = (await import(`@iac/azure/${module}`)) as Record<string, unknown>;
    const dts = readFileSync(join(GENERATED, `${module}.d.ts`), "utf8");
    const expected = c.writable.get(module) ?? new Set();
    const byArm = new Map(Object.values(spec.resources).map((r) => [r.armType.toLowerCase(), r]));
    for (const armType of expected) {
      const r = byArm.get(armType);
      assert.ok(r && r.writableScopes !== 0, `${armType}: no writable entry in data/${module}.json`);
      assert.equal(typeof mod[r.class], "function", `${armType}: @iac/azure/${module} does not export class ${r.class}`);
      assert.ok(new RegExp(`export declare class ${r.class} |export \\{[^}]*\\b${r.class}\\b`).test(dts), `${r.class} is not declared in ${module}.d.ts`);
      classes++;
    }
    const expectedFns = c.functions.get(module) ?? new Set();
    const fnByKey = new Map(Object.values(spec.functions).map((f) => [`${f.armType}#${f.name}`.toLowerCase(), f]));
    for (const key of expectedFns) {
      const f = fnByKey.get(key);
      assert.ok(f, `${key}: no function in data/${module}.json`);
      assert.equal(typeof mod[f.export], "function", `${key}: @iac/azure/${module} does not export ${f.export}`);
      assert.ok(dts.includes(`export declare function ${f.export}(`), `${f.export} is not declared in ${module}.d.ts`);
      functions++;
    }
  }
  assert.equal(classes, total(c.writable));
  assert.equal(functions, total(c.functions));
  assert.equal(classes, 2112);
  assert.equal(functions, 1456);
});

it("tokens are unique and each names its module and class", () => {
  const seen = new Set<string>();
  for (const module of azureSpec.modules()) {
    for (const r of Object.values(azureSpec.loadModule(module).resources)) {
      assert.equal(r.token, `azure:${module}:${r.class}`);
      assert.ok(!seen.has(r.token.toLowerCase()), `duplicate token ${r.token}`);
      seen.add(r.token.toLowerCase());
    }
  }
});
