/**
 * Programs of Pulumi's public azure-native examples (github.com/pulumi/examples, Apache-2.0),
 * ported to iac as test data in test/fixtures/pulumi-ports/ (imports changed; every other change
 * marked `CHANGED:` and counted in the file's header), each taken through up and destroy on the
 * local cloud. The counts are listed in docs/providers/azure-generated.md ("Ported programs").
 *
 * One local cloud (`iac local serve`, operations ending at their first poll) serves all of them:
 * each program is a project of its own whose `.iac/local` is the served cloud's.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdir, readFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { finish, waitFor } from "./cli-fixture.js";
import { iacProject, ROOT, show, spawnIac, type IacProject, type IacResult } from "./iac-run.js";

const FIXTURES = join(ROOT, "test", "fixtures", "pulumi-ports");
const UNDER = join(ROOT, "test", ".tmp");
const ENV = { IAC_EMULATOR_LRO_STEP_MS: "0" };
const PACKAGE = JSON.stringify({ name: "port", private: true, type: "module", dependencies: { "@iac/azure": "0.1.0", "@iac/sdk": "0.1.0" } });

let cloud: IacProject;
let server: ChildProcess | undefined;
let served: Promise<IacResult> | undefined;
const projects: IacProject[] = [];

before(async () => {
  cloud = await iacProject({ under: UNDER, prefix: "ports-cloud", files: { "iac.yaml": "name: ports-cloud\nmain: index.ts\n", "package.json": PACKAGE }, env: ENV });
  server = spawnIac(["local", "serve", "--port", "0"], { cwd: cloud.dir, env: ENV, stdin: "ignore" });
  served = finish(server);
  let stderr = "";
  server.stderr?.on("data", (d: Buffer | string) => (stderr += String(d)));
  await waitFor("the local cloud to be served", async () => stderr.includes("Press Ctrl-C"));
});
after(async () => {
  server?.kill("SIGINT");
  await served;
  for (const p of projects) await p.remove();
  await cloud?.remove();
});

interface Port {
  readonly name: string;
  /** Changes beyond the imports (the header's count). */
  readonly changes: number;
  /** Stack config (`<project>:<key>`), for the programs that read some. */
  readonly config?: Readonly<Record<string, string>>;
  readonly created: number;
  /** What the up's output must show. */
  readonly shows?: RegExp;
}

const PORTS: readonly Port[] = [
  { name: "aci", changes: 0, created: 2, shows: /containerIPv4Address: "\d+\.\d+\.\d+\.\d+"/ },
  { name: "webserver", changes: 6, created: 5, config: { username: "webadmin", password: "Passw0rd-for-tests!" } },
  { name: "containerapps", changes: 1, created: 5, shows: /url: \[secret\]/ },
  { name: "aks", changes: 4, created: 2, config: { clientId: "5b2b8f5e-0000-4000-8000-00000000aaaa", clientSecret: "not-a-real-secret", sshPublicKey: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 test@iac" }, shows: /kubeconfig: \[secret\]/ },
  { name: "static-website", changes: 7, created: 4, shows: /staticEndpoint: "https:\/\/storageaccount[a-z0-9]{8}\.web\.core\.windows\.net\/"/ },
];

describe("Pulumi's azure-native examples, ported", () => {
  for (const port of PORTS) {
    it(`${port.name}: ${port.changes} change(s) beyond the imports, up and destroy on the local cloud`, async () => {
      const source = await readFile(join(FIXTURES, port.name, "index.ts"), "utf8");
      const header = /Changes beyond the imports: (\d+)/.exec(source);
      assert.equal(Number(header?.[1]), port.changes, "the header's count");
      const body = source.slice(source.indexOf("\nimport "));
      assert.equal((body.match(/CHANGED:/g) ?? []).length, port.changes, "one CHANGED: marker per change");
      const config = Object.entries(port.config ?? {}).map(([k, v]) => `  ${port.name}:${k}: ${JSON.stringify(v)}\n`).join("");
      const project = await iacProject({
        under: UNDER,
        prefix: `port-${port.name}`,
        files: { "index.ts": source, "iac.yaml": `name: ${port.name}\nmain: index.ts\n`, "package.json": PACKAGE, ...(config ? { "iac.dev.yaml": `config:\n${config}` } : {}) },
        env: ENV,
      });
      projects.push(project);
      // The served cloud's folder: `--local` finds its running server there.
      await mkdir(join(project.dir, ".iac"), { recursive: true });
      await symlink(join(cloud.dir, ".iac", "local"), join(project.dir, ".iac", "local"));
      const up = await project.iac(["up", "--local", "--yes"]);
      assert.equal(up.code, 0, show(up));
      assert.match(up.stdout, new RegExp(`${port.created} created`));
      if (port.shows) assert.match(up.stdout, port.shows);
      const destroy = await project.iac(["destroy", "--local", "--yes"]);
      assert.equal(destroy.code, 0, show(destroy));
      assert.match(destroy.stdout, new RegExp(`${port.created} deleted`));
    });
  }
});
