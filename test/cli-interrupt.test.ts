/**
 * Ctrl-C of a real `iac destroy` against the local cloud with latency: the deletes already sent
 * finish and are recorded (the state never falls behind the cloud), the run exits 130 saying what
 * it waits for, and the next `up` converges with no refresh.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
import { finish, show, waitFor } from "./cli-fixture.js";
import { iacProject, spawnIac, ROOT, type IacProject } from "./iac-run.js";

const COUNT = 20;
const program = `
import { ResourceGroup } from "@iac/azure";
for (let i = 0; i < ${COUNT}; i++) new ResourceGroup("g" + i, { location: "westeurope" });
`;

let project: IacProject;
let server: ReturnType<typeof spawnIac>;
let serverDone: Promise<unknown>;

/** PUT the local cloud's fault rules (through its ARM port, trusting its CA). */
async function setFaults(rules: unknown[]): Promise<void> {
  const endpoints = JSON.parse(await readFile(join(project.dir, ".iac", "local", "endpoints.json"), "utf8")) as { arm: string; ca: string };
  const ca = await readFile(endpoints.ca, "utf8");
  const body = JSON.stringify({ rules });
  await new Promise<void>((resolve, reject) => {
    const req = request(new URL("/_iac/faults", endpoints.arm), { method: "PUT", ca, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`PUT /_iac/faults: ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The resource groups the state records (live ones). */
async function stateGroups(): Promise<number> {
  const r = await project.iac(["state", "ls", "--json"]);
  assert.equal(r.code, 0, show(r));
  return (JSON.parse(r.stdout) as { type: string; pendingDelete: boolean }[]).filter((x) => x.type === "azure:resources:ResourceGroup" && !x.pendingDelete).length;
}

before(async () => {
  project = await iacProject({
    under: join(ROOT, "test", ".tmp"),
    prefix: "interrupt",
    files: {
      "iac.yaml": "name: interrupt\ntypecheck: false\n",
      "package.json": JSON.stringify({ name: "interrupt", private: true, type: "module", dependencies: { "@iac/azure": "0.1.0" } }),
      "index.ts": program,
    },
    env: { IAC_EMULATOR_LRO_STEP_MS: "20" },
  });
  server = spawnIac(["local", "serve", "--port", "0"], { cwd: project.dir, stdin: "ignore", env: { IAC_EMULATOR_LRO_STEP_MS: "20" } });
  serverDone = finish(server);
  let stderr = "";
  server.stderr?.on("data", (d: Buffer | string) => (stderr += String(d)));
  await waitFor("the local cloud to be served", async () => stderr.includes("Press Ctrl-C"));
});

after(async () => {
  server.kill("SIGINT");
  await serverDone;
  await project.remove();
});

test("Ctrl-C during a destroy lets the deletes in flight finish and records them; the next up converges without a refresh", async () => {
  const up = await project.iac(["up", "--local", "--yes"]);
  assert.equal(up.code, 0, show(up));
  assert.equal(await stateGroups(), COUNT);

  // Each delete takes 3 s in the cloud: a Ctrl-C lands while 8 are in flight.
  await setFaults([{ service: "arm", method: "DELETE", path: "/resourcegroups/", latencyMs: 3000 }]);
  const child = spawnIac(["destroy", "--local", "--yes", "--parallel", "8"], { cwd: project.dir });
  const done = finish(child);
  let out = "";
  child.stdout?.on("data", (d: Buffer | string) => (out += String(d)));
  await waitFor("deletes to be in flight", async () => (out.match(/deleting/g) ?? []).length >= 8);
  await new Promise((r) => setTimeout(r, 500));
  child.kill("SIGINT");
  const r = await done;
  assert.equal(r.code, 130, show(r));
  assert.match(r.stdout, /waiting for 8 cloud operation\(s\) already sent to finish/, show(r));
  assert.doesNotMatch(r.stdout, /failed/, show(r));
  // The 8 deletes the cloud finished are recorded; the 12 not started were left alone.
  assert.equal(await stateGroups(), COUNT - 8);

  await setFaults([]);
  const refresh = await project.iac(["refresh", "--local", "--preview-only", "--expect-no-changes"]);
  assert.equal(refresh.code, 0, `the state is behind the cloud\n${show(refresh)}`);
  const again = await project.iac(["up", "--local", "--yes"]);
  assert.equal(again.code, 0, show(again));
  const preview = await project.iac(["preview", "--local", "--expect-no-changes"]);
  assert.equal(preview.code, 0, show(preview));
});
