/**
 * The real cluster's build cache (docs/real-cluster.md), with a small Go module of the test's own in
 * place of the real components: built once, reused while its files are unchanged, rebuilt when they
 * change; a module that fails to compile leaves no cache entry and no temporary folder behind, and
 * the components after it are still built.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { buildRealCluster, defaultCacheDir, type BuildEvent } from "@iac/emulator";
import { ROOT } from "./harness.js";

const exec = promisify(execFile);
const dir = join(ROOT, "test", "conformance", ".tmp", `build-cache-${process.pid}`);
const sourceDir = join(dir, "src");
const cacheDir = join(dir, "cache");
// Go's build cache of the real builds: Go's standard library is compiled there already.
const goCacheDir = join(defaultCacheDir(), "gocache");
const hello = { module: "hello", upstream: "hello (test)", binaries: [{ name: "hello", pkg: "." }] };
const broken = { module: "broken", upstream: "broken (test)", binaries: [{ name: "broken", pkg: "." }] };

async function writeModule(name: string, main: string): Promise<void> {
  await mkdir(join(sourceDir, name), { recursive: true });
  await writeFile(join(sourceDir, name, "go.mod"), `module example.test/${name}\n\ngo 1.26.0\n`);
  await writeFile(join(sourceDir, name, "main.go"), main);
}

const mainSaying = (word: string) => `package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("${word}") }\n`;

before(async () => {
  await writeModule("hello", mainSaying("one"));
  await writeModule("broken", "package main\n\nfunc main() { undefinedThing() }\n");
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("real cluster build cache", () => {
  it("builds, then reuses the cache, then rebuilds when the module changes", async () => {
    const events: BuildEvent[] = [];
    const first = await buildRealCluster({ sourceDir, cacheDir, goCacheDir, components: [hello], onEvent: (e) => events.push(e) });
    assert.deepEqual(events.map((e) => e.kind).filter((k) => k !== "progress"), ["start", "done"]);
    assert.equal((await exec(first.binaries["hello"]!)).stdout.trim(), "one");

    events.length = 0;
    const second = await buildRealCluster({ sourceDir, cacheDir, goCacheDir, components: [hello], onEvent: (e) => events.push(e) });
    assert.deepEqual(events.map((e) => e.kind), ["cached"]);
    assert.equal(second.binaries["hello"], first.binaries["hello"]);

    await writeModule("hello", mainSaying("two"));
    events.length = 0;
    const third = await buildRealCluster({ sourceDir, cacheDir, goCacheDir, components: [hello], onEvent: (e) => events.push(e) });
    assert.deepEqual(events.map((e) => e.kind).filter((k) => k !== "progress"), ["start", "done"]);
    assert.notEqual(third.binaries["hello"], first.binaries["hello"]);
    assert.equal((await exec(third.binaries["hello"]!)).stdout.trim(), "two");
  });

  it("reports a module that does not compile, keeps no half-built entry, and builds the rest", async () => {
    const events: BuildEvent[] = [];
    const result = await buildRealCluster({ sourceDir, cacheDir, goCacheDir, components: [broken, hello], onEvent: (e) => events.push(e) });
    assert.deepEqual(result.failed.map((f) => [f.module, f.error.code]), [["broken", "BuildFailed"]]);
    assert.match(result.failed[0]!.error.message, /undefinedThing/);
    assert.equal(result.binaries["broken"], undefined);
    assert.ok(result.binaries["hello"]);
    assert.deepEqual(readdirSync(cacheDir).filter((f) => f.startsWith("broken")), []);
    assert.ok(!readdirSync(cacheDir).some((f) => f.includes(".tmp-")));
    assert.ok(existsSync(result.binaries["hello"]!));
  });

  it("says what to do when the Go modules are not where it looks", async () => {
    await assert.rejects(buildRealCluster({ sourceDir: join(dir, "nowhere"), cacheDir, goCacheDir }), (err: Error & { code?: string }) => {
      assert.equal(err.code, "SourceMissing");
      assert.match(err.message, /IAC_REAL_CLUSTER_SRC/);
      return true;
    });
  });
});
