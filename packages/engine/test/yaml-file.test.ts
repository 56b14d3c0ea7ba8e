import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { readStackConfig, setConfigValue } from "../src/config.js";
import { loadProject } from "../src/project.js";
import { cachedYaml, yamlCachePath } from "../src/yaml-file.js";

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "iac-yaml-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A parse that counts its calls (each test uses its own project dir: the cache is per file path). */
function counting<T>(value: (text: string) => T): { parse: (text: string) => T; readonly calls: number } {
  let calls = 0;
  return {
    parse: (text) => {
      calls++;
      return value(text);
    },
    get calls() {
      return calls;
    },
  };
}

describe("the YAML cache", () => {
  test("parses a text once: the same text again is read from the cache, another text is parsed again", async () => {
    await inTempDir(async (dir) => {
      const file = join(dir, "iac.yaml");
      const p = counting((text) => ({ text }));
      assert.deepEqual(await cachedYaml({ projectDir: dir, file, text: "name: a\n", parse: p.parse }), { text: "name: a\n" });
      assert.deepEqual(await cachedYaml({ projectDir: dir, file, text: "name: a\n", parse: p.parse }), { text: "name: a\n" });
      assert.equal(p.calls, 1);
      assert.deepEqual(await cachedYaml({ projectDir: dir, file, text: "name: b\n", parse: p.parse }), { text: "name: b\n" });
      assert.equal(p.calls, 2);
      // Written for the next process: the entry holds the text it was parsed from.
      const onDisk = JSON.parse(await readFile(yamlCachePath(dir), "utf8")) as { entries: Record<string, { text: string; value: unknown }> };
      assert.deepEqual(onDisk.entries[file], { text: "name: b\n", value: { text: "name: b\n" } });
    });
  });

  test("gives each caller its own copy", async () => {
    await inTempDir(async (dir) => {
      const file = join(dir, "iac.yaml");
      const first = await cachedYaml({ projectDir: dir, file, text: "x", parse: () => ({ list: [1] }) });
      first.list.push(2);
      assert.deepEqual(await cachedYaml({ projectDir: dir, file, text: "x", parse: () => ({ list: [] as number[] }) }), { list: [1] });
    });
  });

  test("keeps only plain JSON data: a value JSON would change is parsed every time", async () => {
    await inTempDir(async (dir) => {
      const file = join(dir, "iac.yaml");
      for (const value of [{ n: Infinity }, { b: new Uint8Array([1]) }, { d: new Date(0) }, { u: undefined }]) {
        const p = counting(() => value);
        await cachedYaml({ projectDir: dir, file: `${file}-${Object.keys(value)[0]}`, text: "t", parse: p.parse });
        assert.equal(await cachedYaml({ projectDir: dir, file: `${file}-${Object.keys(value)[0]}`, text: "t", parse: p.parse }), value);
        assert.equal(p.calls, 2, `${JSON.stringify(Object.keys(value))} is not cached`);
      }
    });
  });

  test("a parse that throws is not remembered", async () => {
    await inTempDir(async (dir) => {
      const file = join(dir, "iac.yaml");
      await assert.rejects(cachedYaml({ projectDir: dir, file, text: "bad", parse: () => { throw new Error("not YAML"); } }), /not YAML/);
      assert.equal(await cachedYaml({ projectDir: dir, file, text: "bad", parse: () => "parsed" }), "parsed");
    });
  });

  test("a corrupt cache file is ignored (and replaced)", async () => {
    await inTempDir(async (dir) => {
      await mkdir(join(dir, ".iac"));
      await writeFile(yamlCachePath(dir), "{ not json");
      await writeFile(join(dir, "iac.yaml"), "name: web\n");
      assert.equal((await loadProject(dir)).name, "web");
      assert.equal((JSON.parse(await readFile(yamlCachePath(dir), "utf8")) as { version: number }).version, 1);
    });
  });

  test("loadProject and readStackConfig follow edits of their files", async () => {
    await inTempDir(async (dir) => {
      await writeFile(join(dir, "iac.yaml"), "name: web\n");
      assert.equal((await loadProject(dir)).name, "web");
      await writeFile(join(dir, "iac.yaml"), "name: api\nmain: src/index.ts\n");
      assert.deepEqual(await loadProject(dir), { dir, name: "api", main: "src/index.ts" });

      const at = { projectDir: dir, stack: "dev", project: "api" };
      assert.deepEqual(await readStackConfig(at), { config: {} });
      await setConfigValue({ ...at, key: "region", value: "westeurope", secret: false });
      assert.deepEqual((await readStackConfig(at)).config, { "api:region": "westeurope" });
      await setConfigValue({ ...at, key: "region", value: "northeurope", secret: false });
      assert.deepEqual((await readStackConfig(at)).config, { "api:region": "northeurope" });
      // A hand edit that breaks the file is reported, not hidden by the cached value of the old text.
      await writeFile(join(dir, "iac.dev.yaml"), "config: [1, 2]\n");
      await assert.rejects(readStackConfig(at), /"config" must be a mapping/);
    });
  });
});
