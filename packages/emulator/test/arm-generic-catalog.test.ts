/**
 * The emulator's reader of the type definitions: modules are read on first use and once, and the
 * metadata's type references (named, inline, enums) become the table the handlers walk.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createCatalog, type CatalogSource } from "../src/arm/spec/catalog.js";
import { convertModule, fileCatalogSource } from "../src/arm/spec/reader.js";
import { cleanBody } from "../src/arm/spec/validate.js";

describe("the local cloud's catalog of Azure types", () => {
  it("reads a module only when one of its types is first asked for, and only once", () => {
    const files = fileCatalogSource();
    const loads: string[] = [];
    const counting: CatalogSource = { ...files, load: (m) => (loads.push(m), files.load(m)) };
    const catalog = createCatalog(counting);
    assert.ok(catalog.hasNamespace("microsoft.keyvault"));
    assert.deepEqual(loads, []);
    assert.equal(catalog.resource("Microsoft.KeyVault/vaults")?.armType, "Microsoft.KeyVault/vaults");
    assert.equal(catalog.resource("MICROSOFT.KEYVAULT/VAULTS/SECRETS")?.armType, "Microsoft.KeyVault/vaults/secrets");
    assert.deepEqual(loads, ["keyvault"]);
    assert.equal(catalog.resource("Microsoft.Network/virtualNetworks/subnets")?.apiVersions[0], "2025-09-01");
    assert.deepEqual(loads, ["keyvault", "network"]);
  });

  it("knows the functions of a type with their api-version", () => {
    const aks = createCatalog(fileCatalogSource()).resource("Microsoft.ContainerService/managedClusters")!;
    const names = aks.functions.map((f) => f.name);
    assert.ok(names.includes("listClusterUserCredential"), names.join(", "));
    assert.ok(aks.functions.every((f) => /^\d{4}-\d{2}-\d{2}/.test(f.apiVersion)));
  });

  it("turns named, inline, enum and open-enum references into types the checker walks", () => {
    const mod = convertModule(
      {
        format: 1,
        module: "test",
        resources: { "Test.Ns/things": { armType: "Test.Ns/things", apiVersion: "2025-01-01", readableScopes: 8, writableScopes: 8, body: "@Thing" } },
        types: {
          Thing: { kind: "object", name: "Thing", properties: { properties: { type: "@Props", flags: 1 } } },
          Props: {
            kind: "object",
            name: "Props",
            properties: {
              size: { type: { type: "enum", values: ["Small", "Large"] } },
              tier: { type: { type: "enum", values: ["Basic"], open: true } },
              count: { type: { type: "int", min: 1, max: 3 } },
              child: { type: "@Thing" },
            },
          },
        },
      },
      "test.json",
    );
    const body = mod.resources[0]!.body;
    const ok = cleanBody(mod.spec, body, { properties: { size: "small", tier: "Custom", count: 2, child: { properties: {} } } }, { partial: false });
    assert.deepEqual(ok.problems, []);
    assert.deepEqual(ok.value, { properties: { size: "Small", tier: "Custom", count: 2, child: { properties: {} } } });
    const bad = cleanBody(mod.spec, body, { properties: { size: "Medium", count: 9, child: {} } }, { partial: false });
    assert.deepEqual(bad.problems.map((p) => p.path).sort(), ["properties.child.properties", "properties.count", "properties.size"]);
  });

  it("refuses a metadata file of a format it does not read, saying where to update", () => {
    assert.throws(() => convertModule({ format: 2, module: "x" }, "x.json"), /format 2 is not one the local cloud reads/);
  });
});
