/**
 * The compaction over real definitions (Key Vault's folder) and over small hand-made ones: one
 * entry per line, stable output, a change to the definitions rewrites only the entries it touches,
 * structural dedupe of object types across files, the api-version chosen.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { compactModule, type SourceFile } from "../gen/compact.js";
import { moduleText } from "../gen/write.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const KEYVAULT = "keyvault/microsoft.keyvault/2026-02-01";

function keyvault(): SourceFile {
  const path = join(ROOT, "../shared/reference/azure/bicep-types", KEYVAULT, "types.json");
  return { path: KEYVAULT, nodes: JSON.parse(readFileSync(path, "utf8")) };
}

const ref = (n: number) => ({ $ref: `#/${n}` });

/** A tiny definitions file: one resource type with a body holding one object property. */
function tiny(apiVersion: string, options: { extraProp?: boolean; writable?: number } = {}): SourceFile {
  const props: Record<string, unknown> = {
    id: { type: ref(0), flags: 10 },
    name: { type: ref(0), flags: 9 },
    properties: { type: ref(3), flags: 0 },
  };
  const inner: Record<string, unknown> = { size: { type: ref(4), flags: 1 } };
  if (options.extraProp) inner.color = { type: ref(0), flags: 0 };
  return {
    path: `x/microsoft.x/${apiVersion}`,
    nodes: [
      { $type: "StringType" },
      { $type: "ResourceType", name: `Microsoft.X/widgets@${apiVersion}`, body: ref(2), readableScopes: 8, writableScopes: options.writable ?? 8 },
      { $type: "ObjectType", name: "Microsoft.X/widgets", properties: props },
      { $type: "ObjectType", name: "WidgetProperties", properties: inner },
      { $type: "IntegerType", minValue: 1, maxValue: 10 },
    ],
  };
}

describe("compaction", () => {
  it("writes valid JSON with one map entry per line, the same text twice", () => {
    const a = moduleText(compactModule([keyvault()])!.spec);
    const b = moduleText(compactModule([keyvault()])!.spec);
    assert.equal(a, b);
    const parsed = JSON.parse(a) as { resources: Record<string, unknown>; types: Record<string, unknown> };
    const lines = a.split("\n");
    for (const key of Object.keys(parsed.resources)) assert.equal(lines.filter((l) => l.startsWith(`${JSON.stringify(key)}: {"token"`)).length, 1, key);
    assert.ok(Object.keys(parsed.types).length > 10);
  });

  it("rewrites only the lines of what changed", () => {
    const before = moduleText(compactModule([tiny("2024-01-01")])!.spec).split("\n");
    const after = moduleText(compactModule([tiny("2024-01-01", { extraProp: true })])!.spec).split("\n");
    assert.equal(before.length, after.length);
    const changed = after.filter((l, i) => l !== before[i]);
    assert.equal(changed.length, 1);
    assert.match(changed[0]!, /^"WidgetProperties": .*"color"/);
  });

  it("chooses the newest stable writable api-version and dedupes identical object types across files", () => {
    const spec = compactModule([tiny("2023-01-01"), tiny("2024-01-01"), tiny("2025-01-01-preview"), tiny("2026-01-01", { writable: 0 })])!.spec;
    const widget = spec.resources["Microsoft.X/widgets"]!;
    assert.equal(widget.apiVersion, "2024-01-01");
    assert.deepEqual(Object.keys(spec.types).sort(), ["Microsoft.X/widgets", "WidgetProperties"]);
    assert.deepEqual(spec.types.WidgetProperties, { kind: "object", name: "WidgetProperties", properties: { size: { type: { type: "int", min: 1, max: 10 }, flags: 1 } } });
  });

  it("keeps two different shapes under one name apart", () => {
    const spec = compactModule([tiny("2024-01-01"), { ...tiny("2024-01-01", { extraProp: true }), path: "y/microsoft.x/2024-01-01", nodes: tiny("2024-01-01", { extraProp: true }).nodes.map((n) => (n.$type === "ResourceType" ? { ...n, name: "Microsoft.X/gadgets@2024-01-01" } : n)) }])!.spec;
    assert.deepEqual(Object.keys(spec.types).filter((k) => k.startsWith("WidgetProperties")).sort(), ["WidgetProperties", "WidgetProperties~2"]);
  });

  it("keeps Key Vault's facts: the vault's id template, tenantId required with its pattern, a secret's read-only uri", () => {
    const spec = compactModule([keyvault()])!.spec;
    const vault = spec.resources["Microsoft.KeyVault/vaults"]!;
    assert.equal(vault.token, "azure:keyvault:Vault");
    assert.equal(vault.idTemplate, "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault/vaults/{vaultName}");
    const props = spec.types.VaultProperties;
    assert.ok(props?.kind === "object");
    assert.equal(props.properties.tenantId?.flags, 1);
    assert.deepEqual(props.properties.tenantId?.type, { type: "string", minLength: 36, maxLength: 36, pattern: "^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$" });
    const secret = spec.types.SecretProperties;
    assert.ok(secret?.kind === "object");
    assert.equal(secret.properties.secretUri?.flags, 2);
  });

  it("marks a Key Vault secret's value sensitive, which the definitions do not, and leaves read-only strings alone", () => {
    const raw = keyvault().nodes.find((n) => n.$type === "ObjectType" && n.name === "SecretProperties") as unknown as { properties: Record<string, { type: { $ref: string } }> };
    const rawValue = keyvault().nodes[Number(raw.properties.value!.type.$ref.slice(2))]!;
    assert.equal(rawValue.sensitive, undefined, "the definitions leave it unmarked");
    const secret = compactModule([keyvault()])!.spec.types.SecretProperties;
    assert.ok(secret?.kind === "object");
    assert.deepEqual(secret.properties.value?.type, { type: "string", sensitive: true });
    assert.equal(secret.properties.secretUri?.type, "string");
  });

  it("marks writable strings named as secrets are, and only those", async () => {
    const { isSecretByName } = await import("../gen/secrets.js");
    for (const name of ["password", "administratorLoginPassword", "clientSecret", "connectionString", "primaryKey", "storageAccountAccessKey", "sasToken", "accessToken"]) {
      assert.equal(isSecretByName("Anything", name), true, name);
    }
    for (const name of ["partitionKey", "publicKey", "key", "skipToken", "continuationToken", "secretName", "passwordResetPolicyName", "value"]) {
      assert.equal(isSecretByName("Anything", name), false, name);
    }
    assert.equal(isSecretByName("SecretObject", "value"), true);
  });
});
