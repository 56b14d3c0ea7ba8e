import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { SECRET_SIG, SECRET_SIG_VALUE } from "@iac/sdk/runtime";
import { crypterFromKey } from "../src/secrets.js";
import { createFileBackend } from "../src/state/file-backend.js";
import { allFiles, tempProject } from "./state-fixtures.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * A child process that writes batches of 8 parallel records (compacting every 10 batches, so that
 * kills also land inside compactions) and prints the number of each batch once it is durable.
 */
function childSource(): string {
  const backendUrl = new URL("../src/state/file-backend.ts", import.meta.url).href;
  const secretsUrl = new URL("../src/secrets.ts", import.meta.url).href;
  return `
import { createFileBackend } from ${JSON.stringify(backendUrl)};
import { crypterFromKey } from ${JSON.stringify(secretsUrl)};
const backend = createFileBackend({ projectDir: process.argv[2], project: "app" });
const crypter = crypterFromKey(Buffer.from(process.env.TEST_KEY, "base64"), { describe: "k", remedy: "" });
let w = await backend.open("dev", crypter);
for (let i = 0; ; i++) {
  await Promise.all(Array.from({ length: 8 }, (_, j) => w.put({
    urn: "urn:iac:dev::app::t:i:T::r" + i + "-" + j, type: "t:i:T", custom: true, id: "id" + i + "-" + j,
    inputs: { password: { ${JSON.stringify(SECRET_SIG)}: ${JSON.stringify(SECRET_SIG_VALUE)}, value: "hunter2-" + i } },
    outputs: {}, dependencies: j > 0 ? ["urn:iac:dev::app::t:i:T::r" + i + "-0"] : [],
  })));
  process.stdout.write(i + "\\n");
  if (i % 10 === 9) { await w.close(); w = await backend.open("dev", crypter); }
}
`;
}

/** Run the child until it has reported `batches` durable batches, then kill -9 it; returns the last reported batch. */
function runAndKill(options: { script: string; dir: string; key: string; batches: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", options.script, options.dir], {
      cwd: repoRoot,
      env: { ...process.env, TEST_KEY: options.key },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    let last = -1;
    let killed = false;
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const lines = out.split("\n");
      out = lines.pop()!;
      for (const line of lines) last = Number(line);
      if (!killed && last >= options.batches) {
        killed = true;
        child.kill("SIGKILL");
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (_code, signal) => {
      if (signal === "SIGKILL") resolve(last);
      else reject(new Error(`the writer process exited by itself (${_code}): ${err}`));
    });
  });
}

test("a writer killed with SIGKILL at arbitrary instants always leaves a state that loads and holds every durable record", async (t) => {
  const p = await tempProject(t);
  const keyBytes = randomBytes(32);
  const key = keyBytes.toString("base64");
  const crypter = crypterFromKey(keyBytes, { describe: "k", remedy: "" });
  const backend = createFileBackend({ projectDir: p.dir, project: "app" });
  const script = join(p.dir, "writer-child.mjs");
  await writeFile(script, childSource());

  let total = 0;
  for (const batches of [12, 25, 7]) {
    const last = await runAndKill({ script, dir: p.dir, key, batches });
    total += last + 1;
    const state = await backend.read("dev", crypter);
    const urns = new Set(state.resources.map((r) => r.urn));
    for (let i = 0; i <= last; i++) {
      for (let j = 0; j < 8; j++) assert.ok(urns.has(`urn:iac:dev::app::t:i:T::r${i}-${j}`), `batch ${i} was reported durable but is missing`);
    }
    // The dependency order holds, whatever instant the kill hit.
    const seen = new Set<string>();
    for (const r of state.resources) {
      for (const d of r.dependencies) assert.ok(seen.has(d), `${r.urn} comes before its dependency ${d}`);
      seen.add(r.urn);
    }
  }
  assert.ok(total > 0);
  // Recovery: a new writer opens on the crashed state, and nothing on disk holds a plaintext secret.
  const w = await backend.open("dev", crypter);
  await w.close();
  for (const file of await allFiles(join(p.dir, ".iac"))) assert.ok(!file.text.includes("hunter2"), `${file.path} holds a plaintext secret`);
});
