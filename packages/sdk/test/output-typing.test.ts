/**
 * The types of lifted property access, checked by the TypeScript compiler on two fixture programs:
 * `typing/lifted-ok.ts` must type-check; in `typing/lifted-bad.ts` exactly the lines marked
 * `// error TSnnnn` must fail, with that code (a typo such as `.webb` is caught before any run).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const here = dirname(fileURLToPath(import.meta.url));

function check(files: readonly string[]): ts.Diagnostic[] {
  const base = ts.readConfigFile(join(here, "../../../tsconfig.base.json"), (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(base.config, ts.sys, here);
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true, composite: false, declaration: false, emitDeclarationOnly: false, incremental: false };
  const program = ts.createProgram({ rootNames: files.map((f) => join(here, "typing", f)), options });
  return [...ts.getPreEmitDiagnostics(program)];
}

function where(d: ts.Diagnostic): string {
  const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
  return `${d.file?.fileName ?? "?"}:${pos ? pos.line + 1 : "?"} TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
}

describe("typing of property access on Outputs", () => {
  const diagnostics = check(["lifted-ok.ts", "lifted-bad.ts"]);

  it("accepts the Pulumi idioms: account.primaryEndpoints.web, group.ipAddress.ip, list[0].name", () => {
    const ok = diagnostics.filter((d) => d.file?.fileName.endsWith("lifted-ok.ts") || !d.file);
    assert.deepEqual(ok.map(where), []);
  });

  it("refuses typos, wrong types, possibly-undefined values, and names that are not lifted", () => {
    const file = join(here, "typing", "lifted-bad.ts");
    const expected = readFileSync(file, "utf8")
      .split("\n")
      .flatMap((line, i) => {
        const m = /\/\/ error (TS\d+)/.exec(line);
        return m ? [`${i + 1} ${m[1]}`] : [];
      });
    assert.ok(expected.length >= 5);
    const found = diagnostics
      .filter((d) => d.file?.fileName.endsWith("lifted-bad.ts"))
      .map((d) => `${d.file!.getLineAndCharacterOfPosition(d.start!).line + 1} TS${d.code}`);
    assert.deepEqual(found.sort(), expected.sort(), diagnostics.map(where).join("\n"));
  });

  it("names the property and its nearest match in the typo's message", () => {
    const typo = diagnostics.find((d) => d.code === 2551);
    assert.ok(typo);
    assert.match(ts.flattenDiagnosticMessageText(typo.messageText, " "), /'webb'.*Did you mean 'web'/);
  });
});
