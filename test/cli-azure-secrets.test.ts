/**
 * Secrets the user did not wrap are still secret (issue 8, item 10), as a user checks it: secrets
 * written as plain string literals go through `iac up --local`, and none appears anywhere under
 * `.iac/` (state, journal, history), nor in `--json` output, nor in the local cloud's own store
 * (real ARM never returns them either). The providers declare the paths (`secretInputs`); the engine
 * encrypts what is there. Besides the hand-written container group's `secureValue`: a SQL server's
 * `administratorLoginPassword` and a Key Vault secret's `value` (strings the type data leaves
 * unmarked), a VM extension's `protectedSettings` (typed `any`) and a Flux configuration's
 * `configurationProtectedSettings` (a map), marked by @iac/azure-spec's secret rules
 * (packages/azure-spec/gen/secret-rules.json).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, TestProject, show } from "./cli-fixture.js";

const SECURE = "literal-secure-value-5b1f";
const PASSWORD = "Literal-Sql-Passw0rd-9c2e";
const VAULT_SECRET = "literal-vault-secret-3e8a";
const PROTECTED = "literal-storage-key-71d4";
const FLUX_KEY = "literal-git-https-key-0f6b";
const ALL = { SECURE, PASSWORD, VAULT_SECRET, PROTECTED, FLUX_KEY };

const program = `
import { ResourceGroup, ContainerGroup } from "@iac/azure";
import { Server } from "@iac/azure/sql";
import { Vault, Secret } from "@iac/azure/keyvault";
import { VirtualMachine, VirtualMachineExtension } from "@iac/azure/compute";
import { ManagedCluster } from "@iac/azure/containerservice";
import { Extension, FluxConfiguration } from "@iac/azure/kubernetesconfiguration";
const rg = new ResourceGroup("rg", {});
new ContainerGroup("app", {
  resourceGroupName: rg.name,
  osType: "Linux",
  containers: [{ name: "app", image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1 } }, environmentVariables: [{ name: "TOKEN", secureValue: "${SECURE}" }, { name: "PLAIN", value: "visible" }] }],
});
new Server("sql", { resourceGroupName: rg.name, administratorLogin: "iacadmin", administratorLoginPassword: "${PASSWORD}" });
const vault = new Vault("kv", { resourceGroupName: rg.name, tenantId: "00000000-0000-0000-0000-000000000000", sku: { family: "A", name: "standard" }, accessPolicies: [] });
new Secret("db", { resourceGroupName: rg.name, vaultName: vault.name, value: "${VAULT_SECRET}", contentType: "text/plain" });
const vm = new VirtualMachine("vm", { resourceGroupName: rg.name, hardwareProfile: { vmSize: "Standard_B1s" } });
new VirtualMachineExtension("script", {
  resourceGroupName: rg.name,
  virtualMachineName: vm.name,
  publisher: "Microsoft.Azure.Extensions",
  type: "CustomScript",
  typeHandlerVersion: "2.1",
  settings: { commandToExecute: "echo visible-setting" },
  protectedSettings: { storageAccountName: "scripts", storageAccountKey: "${PROTECTED}" },
});
const cluster = new ManagedCluster("aks", {
  resourceGroupName: rg.name,
  dnsPrefix: "secrets",
  identity: { type: "SystemAssigned" },
  agentPoolProfiles: [{ name: "system", mode: "System", count: 1, vmSize: "Standard_D2s_v5", osType: "Linux", type: "VirtualMachineScaleSets" }],
});
const flux = new Extension("flux", { scope: cluster.id, extensionName: "flux", extensionType: "microsoft.flux" });
new FluxConfiguration("app", {
  scope: cluster.id,
  fluxConfigurationName: "app",
  namespace: "flux-system",
  sourceKind: "GitRepository",
  gitRepository: { url: "https://git.example.invalid/app.git", repositoryRef: { branch: "main" }, httpsUser: "deploy" },
  configurationProtectedSettings: { httpsKey: Buffer.from("${FLUX_KEY}").toString("base64") },
  kustomizations: { apps: { path: "./apps" } },
}, { dependsOn: [flux] });
`;

/** Where each secret may hide: as written, and base64-encoded (protected settings travel so). */
const forms = (v: string) => [v, Buffer.from(v).toString("base64")];

/** The local cloud answers each operation's first poll with its end; its Flux extension installs Flux's install.yaml. */
const env = { IAC_EMULATOR_LRO_STEP_MS: "0", IAC_LOCAL_FLUX_MANIFESTS: join(ROOT, "..", "shared", "reference", "flux", "install-v2.9.4.yaml") };

let project: TestProject;
before(async () => {
  project = await TestProject.create({ files: { "index.ts": program } });
});
after(async () => {
  await project.remove();
});

test("secure values, passwords, a vault secret and protected settings written as literals are never in plaintext", async () => {
  const r = await project.run(["up", "--local", "--yes", "--json"], { env });
  assert.equal(r.code, 0, show(r));
  for (const [name, v] of Object.entries(ALL)) for (const f of forms(v)) assert.ok(!r.stdout.includes(f) && !r.stderr.includes(f), `the output holds ${name} (${f})`);
  const files = await project.stateFiles();
  const state = files.filter((f) => !f.path.includes("/.iac/local/"));
  assert.ok(state.some((f) => f.text.includes("visible")) && state.some((f) => f.text.includes("visible-setting")), "the state holds the plain values (the check looks at the right files)");
  // The state, and the local cloud's ARM store (ARM keeps no protected setting and returns none on
  // GET; the Flux key is on the cluster, in the Secret the GitRepository names, as AKS puts it).
  const checked = files.filter((f) => !f.path.includes("/.iac/local/kubernetes/"));
  assert.ok(checked.some((f) => f.path.includes("/.iac/local/")), "the local cloud's ARM store is checked too");
  for (const f of checked) for (const [name, v] of Object.entries(ALL)) for (const form of forms(v)) assert.ok(!f.text.includes(form), `${f.path} holds ${name} in plaintext`);
  const again = await project.run(["preview", "--local", "--expect-no-changes"], { env });
  assert.equal(again.code, 0, show(again));
  const refreshed = await project.run(["refresh", "--local", "--yes", "--json"], { env });
  assert.equal(refreshed.code, 0, show(refreshed));
  for (const f of (await project.stateFiles()).filter((x) => !x.path.includes("/.iac/local/kubernetes/"))) for (const [name, v] of Object.entries(ALL)) for (const form of forms(v)) assert.ok(!f.text.includes(form), `after refresh, ${f.path} holds ${name} in plaintext`);
  const after = await project.run(["preview", "--local", "--expect-no-changes"], { env });
  assert.equal(after.code, 0, `refresh read back what the cloud never returns as drift: ${show(after)}`);
  // A changed protected setting is a change, shown masked in the preview's diff (plain and --json).
  const ROTATED = "literal-rotated-key-c93a";
  await project.write({ "index.ts": program.replace(PROTECTED, ROTATED) });
  for (const json of [[], ["--json"]]) {
    const changed = await project.run(["preview", "--local", "--expect-no-changes", ...json], { env });
    assert.equal(changed.code, 3, show(changed));
    assert.match(changed.stdout, /protectedSettings/, show(changed));
    for (const v of [ROTATED, PROTECTED]) for (const f of forms(v)) assert.ok(!changed.stdout.includes(f) && !changed.stderr.includes(f), `the preview shows ${f}: ${show(changed)}`);
  }
});
