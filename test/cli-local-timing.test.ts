/**
 * `iac local serve --timing=azure`: the served ARM answers with Azure's durations and Retry-After
 * values (storage account creation 202 + Retry-After: 17, invisible until done); a timing the
 * emulator does not know is a usage error.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { TestProject, finish, show, waitFor } from "./cli-fixture.js";

let project: TestProject;

before(async () => {
  project = await TestProject.create({ files: { "index.ts": "export const x = 1;\n" } });
});
after(async () => {
  await project.remove();
});

function put(endpoints: { arm: string; ca: string }, path: string, body: unknown): Promise<{ status: number; headers: Record<string, unknown> }> {
  const url = new URL(path, endpoints.arm);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "PUT", ca: readFileSync(endpoints.ca), headers: { authorization: "Bearer t", "content-type": "application/json" } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

test("local serve --timing=azure serves ARM at Azure's pace", async () => {
  const server = project.spawn(["local", "serve", "--port", "0", "--timing=azure"]);
  const done = finish(server);
  let stderr = "";
  server.stderr?.on("data", (d: Buffer | string) => (stderr += String(d)));
  try {
    await waitFor("the local cloud to be served", async () => stderr.includes("Press Ctrl-C"));
    const endpoints = JSON.parse(readFileSync(join(project.dir, ".iac", "local", "endpoints.json"), "utf8")) as { arm: string; ca: string; subscriptionId: string };
    const rg = `/subscriptions/${endpoints.subscriptionId}/resourceGroups/timing`;
    assert.equal((await put(endpoints, `${rg}?api-version=2025-04-01`, { location: "westeurope" })).status, 201);
    const created = await put(endpoints, `${rg}/providers/Microsoft.Storage/storageAccounts/timingacct?api-version=2026-09-01`, { location: "westeurope", sku: { name: "Standard_LRS" }, kind: "StorageV2" });
    assert.equal(created.status, 202);
    assert.equal(created.headers["retry-after"], "17");
  } finally {
    server.kill("SIGINT");
    const s = await done;
    assert.equal(s.code, 0, show(s));
  }
});

test("local serve --timing with an unknown profile is a usage error (exit 2)", async () => {
  const r = await project.run(["local", "serve", "--port", "0", "--timing=slow"]);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /--timing: unknown timing 'slow'/);
});
