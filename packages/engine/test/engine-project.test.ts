import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { loadProject } from "../src/project.js";

describe("loadProject", () => {
  test("reads name, main and backend from iac.yaml, main defaulting to index.ts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "iac-proj-"));
    try {
      await writeFile(join(dir, "iac.yaml"), "name: web\nbackend: file://./state\n");
      assert.deepEqual(await loadProject(dir), { dir, name: "web", main: "index.ts", backend: "file://./state" });
      await writeFile(join(dir, "iac.yaml"), "name: web\nmain: src/main.ts\n");
      assert.equal((await loadProject(dir)).main, "src/main.ts");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a missing iac.yaml is a NoProject error that shows an example", async () => {
    const dir = await mkdtemp(join(tmpdir(), "iac-proj-"));
    try {
      await assert.rejects(loadProject(dir), (e: Error & { code?: string }) => {
        assert.equal(e.code, "NoProject");
        assert.match(e.message, /Create it, for example:\n {2}name: my-infra/);
        return true;
      });
      await writeFile(join(dir, "iac.yaml"), "main: index.ts\n");
      await assert.rejects(loadProject(dir), /has no `name`/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
