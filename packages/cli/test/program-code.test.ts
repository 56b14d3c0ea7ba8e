import { test } from "node:test";
import assert from "node:assert/strict";
import { wrapSecret } from "@iac/sdk/runtime";
import { classOf, declarationCode, variableOf } from "../src/render/program-code.js";
import { moduleOf } from "../src/commands/import.js";

test("the class is the type token's last segment and the variable a camel-cased name", () => {
  assert.equal(classOf("azure:resources:ResourceGroup"), "ResourceGroup");
  assert.equal(variableOf("my-web app"), "myWebApp");
  assert.equal(variableOf("1st"), "_1st");
  assert.equal(variableOf("---"), "imported");
});

test("the declaration renders nested inputs as TypeScript literals with quoted keys only where needed", () => {
  const code = declarationCode({
    type: "azure:resources:ResourceGroup",
    name: "rg",
    id: "/subscriptions/s/resourceGroups/rg",
    module: "@iac/azure",
    inputs: { location: "westeurope", tags: { "cost-center": "42", owner: "me" }, zones: ["1", "2"], count: 2, enabled: true, none: null },
    secretKeys: [],
  }).join("\n");
  assert.equal(
    code,
    [
      'import { ResourceGroup } from "@iac/azure";',
      "",
      'const rg = new ResourceGroup("rg", {',
      "  count: 2,",
      "  enabled: true,",
      '  location: "westeurope",',
      "  none: null,",
      "  tags: {",
      '    "cost-center": "42",',
      '    owner: "me",',
      "  },",
      '  zones: ["1", "2"],',
      '}, { import: "/subscriptions/s/resourceGroups/rg" });',
    ].join("\n"),
  );
});

test("secret inputs are never printed: a comment says to set them from secret config", () => {
  const code = declarationCode({
    type: "test:index:Thing",
    name: "t",
    id: "thing-1",
    module: "./p.js",
    inputs: { password: "hunter2-plain", nested: { key: wrapSecret("wrapped-secret") }, value: "shown" },
    secretKeys: ["password"],
  }).join("\n");
  assert.doesNotMatch(code, /hunter2-plain|wrapped-secret/);
  assert.match(code, /\/\/ password: a secret \(not shown\)/);
  assert.match(code, /\/\/ nested: a secret \(not shown\)/);
  assert.match(code, /value: "shown",/);
});

test("an object read without inputs is declared with empty arguments", () => {
  const code = declarationCode({ type: "random:index:RandomString", name: "s", id: "x", module: "@iac/sdk/random", inputs: {}, secretKeys: [] });
  assert.equal(code.at(-1), 'const s = new RandomString("s", {}, { import: "x" });');
});

test("the provider module defaults to the iac package of the type, and --module wins", () => {
  assert.equal(moduleOf("random:index:RandomString", undefined), "@iac/sdk/random");
  assert.equal(moduleOf("azure:storage:StorageAccount", undefined), "@iac/azure");
  assert.equal(moduleOf("flux:source/v1:GitRepository", undefined), "@iac/kubernetes");
  assert.equal(moduleOf("test:index:Thing", "./p.js"), "./p.js");
  assert.throws(() => moduleOf("test:index:Thing", undefined), /--module/);
  assert.throws(() => moduleOf("notatype", undefined), /not a type token/);
});
