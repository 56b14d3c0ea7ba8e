/**
 * Secrets the user did not wrap are still secret (issue 8, item 10), as a user checks it: a
 * container group's `secureValue` and a SQL server's `administratorLoginPassword` written as plain
 * string literals go through `iac up --local`, and neither appears anywhere under `.iac/` (state,
 * journal, history; the local cloud's own data excepted), nor in `--json` output. The providers
 * declare the paths (`secretInputs`); the engine encrypts what is there.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { TestProject, show } from "./cli-fixture.js";

const SECURE = "literal-secure-value-5b1f";
const PASSWORD = "Literal-Sql-Passw0rd-9c2e";

const program = `
import { ResourceGroup, ContainerGroup } from "@iac/azure";
import { Server } from "@iac/azure/sql";
const rg = new ResourceGroup("rg", {});
new ContainerGroup("app", {
  resourceGroupName: rg.name,
  osType: "Linux",
  containers: [{ name: "app", image: "nginx", resources: { requests: { cpu: 1, memoryInGB: 1 } }, environmentVariables: [{ name: "TOKEN", secureValue: "${SECURE}" }, { name: "PLAIN", value: "visible" }] }],
});
new Server("sql", { resourceGroupName: rg.name, administratorLogin: "iacadmin", administratorLoginPassword: "${PASSWORD}" });
`;

let project: TestProject;
before(async () => {
  project = await TestProject.create({ files: { "index.ts": program } });
});
after(async () => {
  await project.remove();
});

test("secure values and passwords written as literals are never in plaintext under .iac/", async () => {
  const r = await project.run(["up", "--local", "--yes", "--json"]);
  assert.equal(r.code, 0, show(r));
  assert.ok(!r.stdout.includes(SECURE) && !r.stdout.includes(PASSWORD), "--json output holds a secret");
  const files = (await project.stateFiles()).filter((f) => !f.path.includes("/.iac/local/"));
  assert.ok(files.some((f) => f.text.includes("visible")), "the state holds the plain value (the check looks at the right files)");
  for (const f of files) {
    assert.ok(!f.text.includes(SECURE), `${f.path} holds the secure value in plaintext`);
    assert.ok(!f.text.includes(PASSWORD), `${f.path} holds the SQL password in plaintext`);
  }
  const again = await project.run(["preview", "--local", "--expect-no-changes"]);
  assert.equal(again.code, 0, show(again));
});
