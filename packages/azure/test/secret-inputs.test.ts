/**
 * Secrets the user did not wrap are still secret (issue 8, item 10): each provider declares the
 * input paths the cloud treats as secret (`secretInputs`, `.` and `[*]`), and the engine encrypts
 * the values there. These tests hold the declared paths against real inputs, so a misspelt path
 * (which would silently leave a value in plaintext) fails here.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PropertyValue } from "@iac/sdk/provider";
import { createProviderSet, resolveSettings, TYPES } from "../src/index.js";

/** The values a `secretInputs` path selects (the protocol's syntax: `a.b`, `list[*].c`). */
function valuesAt(value: PropertyValue | undefined, path: string): PropertyValue[] {
  if (value === undefined) return [];
  if (path === "") return [value];
  const m = /^([^.[]+)(\[\*\])?\.?(.*)$/.exec(path);
  if (!m) throw new Error(`bad path ${path}`);
  const [, key, each, rest] = m;
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  const next = value[key!];
  if (each) return Array.isArray(next) ? next.flatMap((v) => valuesAt(v, rest!)) : [];
  return valuesAt(next, rest!);
}

const providers = createProviderSet(resolveSettings({ config: { subscriptionId: "00000000-0000-0000-0000-000000000000", location: "westeurope" }, env: {} }));
const secretInputsOf = (type: string) => (providers.provider(type) as { secretInputs?: readonly string[] }).secretInputs ?? [];

describe("secretInputs of the hand-written types", () => {
  it("a container group's secure environment values, volume keys and registry passwords, in every container, volume and registry", () => {
    const inputs: PropertyValue = {
      resourceGroupName: "rg",
      osType: "Linux",
      containers: [
        { name: "a", image: "x", environmentVariables: [{ name: "PLAIN", value: "not-secret" }, { name: "TOKEN", secureValue: "s1" }], resources: { requests: { cpu: 1, memoryInGB: 1 } } },
        { name: "b", image: "y", environmentVariables: [{ name: "KEY", secureValue: "s2" }], resources: { requests: { cpu: 1, memoryInGB: 1 } } },
      ],
      volumes: [
        { name: "v1", azureFile: { shareName: "s", storageAccountName: "acct", storageAccountKey: "k1" } },
        { name: "v2", emptyDir: {} },
      ],
      imageRegistryCredentials: [{ server: "r.azurecr.io", username: "pull", password: "p1" }, { server: "q.azurecr.io", identity: "/id" }],
    };
    const selected = secretInputsOf(TYPES.containerGroup).flatMap((p) => valuesAt(inputs, p));
    assert.deepEqual(selected.sort(), ["k1", "p1", "s1", "s2"]);
  });

  it("types whose inputs hold no secret declare none", () => {
    for (const type of [TYPES.resourceGroup, TYPES.storageAccount, TYPES.fileShare]) assert.deepEqual(secretInputsOf(type), [], type);
  });
});

describe("secretInputs of generated types: what the type data leaves unmarked (packages/azure-spec/gen/secret-rules.json)", () => {
  const outputsOf = (type: string) => (providers.provider(type) as { secretOutputs?: readonly string[] }).secretOutputs ?? [];
  it("a VM extension's protectedSettings (typed any) whole, not its public settings", () => {
    const inputs: PropertyValue = { resourceGroupName: "rg", virtualMachineName: "vm", settings: { commandToExecute: "echo" }, protectedSettings: { storageAccountKey: "p1" } };
    const selected = secretInputsOf("azure:compute:VirtualMachineExtension").flatMap((p) => valuesAt(inputs, p));
    assert.deepEqual(selected, [{ storageAccountKey: "p1" }]);
    assert.ok(outputsOf("azure:compute:VirtualMachineExtension").includes("protectedSettings"));
    assert.ok(!outputsOf("azure:compute:VirtualMachineExtension").includes("settings"));
  });

  it("a scale set's extension profile: every extension's protectedSettings", () => {
    assert.ok(secretInputsOf("azure:compute:VirtualMachineScaleSet").some((p) => /extensionProfile\.extensions\[\*\]\.properties\.protectedSettings$/.test(p)), secretInputsOf("azure:compute:VirtualMachineScaleSet").join(", "));
  });

  it("a scale set extension written in Pulumi's flattened form: check puts it in ARM's shape, where the secret path finds it", async () => {
    const { azureSpec, resourceByToken } = await import("@iac/azure-spec");
    const { checkArgs } = await import("../src/generic/validate.js");
    const r = resourceByToken("azure:compute:VirtualMachineScaleSet")!;
    const checked = checkArgs(
      { resourceGroupName: "rg", location: "westeurope", virtualMachineProfile: { extensionProfile: { extensions: [{ name: "script", publisher: "Microsoft.Azure.Extensions", type: "CustomScript", typeHandlerVersion: "2.1", protectedSettings: { storageAccountKey: "p3" } }] } } },
      { args: azureSpec.argsOf(r), outputs: azureSpec.outputsOf(r), named: (ref) => azureSpec.namedType("compute", ref), optional: new Set([r.nameArg]) },
    );
    assert.deepEqual(checked.failures, []);
    assert.deepEqual(secretInputsOf("azure:compute:VirtualMachineScaleSet").flatMap((p) => valuesAt(checked.inputs, p)), [{ storageAccountKey: "p3" }]);
  });

  it("a Flux configuration's and a cluster extension's configurationProtectedSettings", () => {
    for (const type of ["azure:kubernetesconfiguration:FluxConfiguration", "azure:kubernetesconfiguration:Extension"]) {
      const selected = secretInputsOf(type).flatMap((p) => valuesAt({ configurationProtectedSettings: { httpsKey: "k" }, configurationSettings: { plain: "v" } }, p));
      assert.deepEqual(selected, [{ httpsKey: "k" }], type);
    }
  });

  it("an App Service config told apart by its name: the connection strings' (a map of values) and every element's secrets", () => {
    const paths = secretInputsOf("azure:web:SiteConfig");
    assert.ok(paths.includes("properties"), "config/connectionstrings: the map of { value, type } is secret whole");
    assert.ok(paths.includes("connectionStrings[*].connectionString") && paths.includes("clientSecret"), paths.join(", "));
    assert.deepEqual(secretInputsOf("azure:network:VirtualNetwork"), [], "a type without secrets declares none");
  });

  it("a Key Vault secret's value and a SQL server's administrator password", () => {
    assert.deepEqual(secretInputsOf("azure:keyvault:Secret").flatMap((p) => valuesAt({ value: "v1", contentType: "text/plain" }, p)), ["v1"]);
    assert.deepEqual(secretInputsOf("azure:sql:Server").flatMap((p) => valuesAt({ administratorLogin: "admin", administratorLoginPassword: "p2" }, p)), ["p2"]);
  });
});
