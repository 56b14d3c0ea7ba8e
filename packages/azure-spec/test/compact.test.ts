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
    // Reviewed additions (gen/secret-rules.json) and reviewed exceptions.
    for (const name of ["passphrase", "sharedAccessPolicyKey", "authKey1", "blobContainerSasUri", "primaryKekCertificatePfx", "token"]) assert.equal(isSecretByName("Anything", name), true, name);
    for (const name of ["keyName", "sshPublicKey", "hostKeyAlgorithm", "lastModifiedSecret", "tokenEndpoint", "keyVaultUri"]) assert.equal(isSecretByName("Anything", name), false, name);
    assert.equal(isSecretByName("ConnStringValueTypePair", "value"), true, "an App Service connection string's value");
    assert.equal(isSecretByName("CaCertificateProperties", "encodedCertificate"), false, "a CA certificate is public");
    assert.equal(isSecretByName("HostnameConfiguration", "encodedCertificate"), true, "a PFX holds the private key");
  });

  it("marks values that are not strings where the rules say their whole value is secret, on the property", async () => {
    const { secretRuleOf, markSecret } = await import("../gen/secrets.js");
    // Protected settings, whatever their type: `any` (VM extensions), a map (Flux configurations), a list (run commands).
    assert.equal(secretRuleOf("VirtualMachineExtensionProperties", "protectedSettings", 0, "any"), "whole-value");
    assert.equal(secretRuleOf("FluxConfigurationProperties", "configurationProtectedSettings", 0, "@FluxConfigurationPropertiesConfigurationProtectedSettings"), "whole-value");
    assert.equal(secretRuleOf("VirtualMachineRunCommandProperties", "protectedParameters", 0, { type: "array", items: "@RunCommandInputParameter" }), "whole-value");
    // A password typed `any` (Data Factory's "string or expression") is one by name.
    assert.equal(secretRuleOf("MySqlLinkedServiceTypeProperties", "password", 0, "any"), "name");
    // Write-only (sent, never returned) and named as a credential: secret; a write-only enum is not.
    assert.equal(secretRuleOf("OnlineEndpointProperties", "keys", 4, "@EndpointAuthKeys"), "write-only");
    assert.equal(secretRuleOf("ExportDatabaseDefinition", "storageKeyType", 4, { type: "enum", values: ["SharedAccessKey", "StorageAccessKey"] }), undefined);
    // Read-only values are never marked by the rules; the public settings are not secret.
    assert.equal(secretRuleOf("VirtualMachineExtensionProperties", "protectedSettings", 2, "any"), undefined);
    assert.equal(secretRuleOf("VirtualMachineExtensionProperties", "settings", 0, "any"), undefined);
    // A certificate blob beside a password is a PFX (private key); a public certificate's data is not secret.
    assert.equal(secretRuleOf("ApplicationGatewaySslCertificatePropertiesFormat", "data", 0, "string", ["data", "password", "keyVaultSecretId"]), "beside-password");
    assert.equal(secretRuleOf("ApplicationGatewayTrustedRootCertificatePropertiesFormat", "data", 0, "string", ["data", "keyVaultSecretId"]), undefined);
    assert.deepEqual(markSecret("string"), { type: { type: "string", sensitive: true }, onProperty: false });
    assert.deepEqual(markSecret("any"), { type: "any", onProperty: true });
  });

  it("the committed data carries the marks: protected settings of VM extensions and Flux configurations", () => {
    const data = (m: string) => JSON.parse(readFileSync(join(ROOT, "packages/azure-spec/data", `${m}.json`), "utf8")) as { types: Record<string, { properties: Record<string, { sensitive?: true }> }> };
    assert.equal(data("compute").types.VirtualMachineExtensionProperties!.properties.protectedSettings!.sensitive, true);
    assert.equal(data("compute").types.VirtualMachineExtensionProperties!.properties.settings!.sensitive, undefined);
    assert.equal(data("kubernetesconfiguration").types.FluxConfigurationProperties!.properties.configurationProtectedSettings!.sensitive, true);
  });
});
