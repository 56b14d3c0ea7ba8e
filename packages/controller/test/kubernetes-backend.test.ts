/**
 * The `kubernetes://` state backend (packages/engine/src/state/kubernetes-backend.ts) against the
 * emulated Kubernetes API: a state larger than a Secret can hold is sharded and read back whole;
 * records written without a close (a crash) are replayed from the journal; the lock is exclusive and
 * names its holder; secrets never reach a Secret in plaintext.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { emptySnapshot, openBackend, type Backend, type Crypter, type ResourceState } from "@iac/engine";
import { wrapSecret } from "@iac/sdk/runtime";
import { createKubeService, startLocalCloud, type LocalCloud } from "@iac/emulator";
import { Kube } from "../src/index.js";

const TMP = fileURLToPath(new URL("./.tmp/", import.meta.url));
let dir: string;
let cloud: LocalCloud;
let kube: Kube;
let backend: Backend;

/** A stand-in for the stack's key: reversible, and visibly not plaintext. */
const crypter: Crypter = {
  encrypt: (p) => `enc:${Buffer.from(p).toString("hex")}`,
  decrypt: (c) => Buffer.from(c.slice(4), "hex").toString(),
};

const resource = (i: number, size: number): ResourceState => ({
  urn: `urn:iac:dev::big::test:index:Thing::t${i}`,
  type: "test:index:Thing",
  custom: true,
  id: `id-${i}`,
  inputs: { blob: "x".repeat(size), n: i },
  outputs: { blob: "x".repeat(size), n: i },
  dependencies: [],
});

async function secretsOf(role: string): Promise<{ metadata: { name: string }; data: Record<string, string> }[]> {
  const list = await kube.call<{ items: { metadata: { name: string; labels?: Record<string, string> }; data: Record<string, string> }[] }>("GET", "/api/v1/namespaces/default/secrets");
  return list.items.filter((s) => s.metadata.labels?.["iac.dev/role"] === role);
}

before(async () => {
  await mkdir(TMP, { recursive: true });
  dir = await mkdtemp(join(TMP, "kb-"));
  cloud = await startLocalCloud({ dataDir: join(dir, "local"), services: { kubernetes: createKubeService } });
  kube = Kube.load({ kubeconfig: cloud.endpoints.kubeconfig });
  backend = await openBackend("kubernetes://default/test", { projectDir: dir, project: "big", env: { IAC_KUBECONFIG: cloud.endpoints.kubeconfig } });
});
after(async () => {
  await cloud?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the kubernetes:// backend", () => {
  test("a state larger than one Secret can hold is sharded and read back whole", async () => {
    await backend.createStack("dev");
    const resources = Array.from({ length: 30 }, (_, i) => resource(i, 100_000));
    await backend.write("dev", { ...emptySnapshot({ project: "big", stack: "dev", secretsProvider: { type: "passphrase" } }), resources, outputs: { password: wrapSecret("hunter2-but-longer") } }, crypter);
    const shards = await secretsOf("shard");
    assert.ok(shards.length >= 12, `a 6 MB state in ${shards.length} shards`);
    for (const s of shards) assert.ok(Buffer.from(s.data["chunk"]!, "base64").length <= 512 * 1024, "each shard below the object limit");
    const read = await backend.read("dev", crypter);
    assert.equal(read.resources.length, 30);
    assert.equal(read.resources[29]!.inputs["blob"], "x".repeat(100_000));
    const all = (await secretsOf("shard")).concat(await secretsOf("head")).map((s) => Object.values(s.data).map((v) => Buffer.from(v, "base64").toString()).join("")).join("");
    assert.ok(!all.includes("hunter2-but-longer"), "the secret output is stored encrypted");
    assert.deepEqual((await backend.listStacks()).map((s) => `${s.name} ${s.resourceCount}`), ["dev 30"]);
  });

  test("records of a writer that never closed (a crash) are replayed from the journal, then compacted", async () => {
    const writer = await backend.open("dev", crypter);
    const handle = await writer.begin({ urn: resource(100, 10).urn, type: "test:index:Thing", op: "create", time: new Date().toISOString() });
    await writer.end(handle, { upsert: resource(100, 10) });
    await writer.put(resource(101, 10));
    // No close(): what a kill -9 leaves.
    assert.ok((await secretsOf("journal")).length >= 1);
    const read = await backend.read("dev", crypter);
    assert.equal(read.resources.length, 32);
    assert.deepEqual(read.pendingOperations, []);
    const next = await backend.open("dev", crypter);
    await next.close();
    assert.equal((await backend.read("dev", crypter)).resources.length, 32);
  });

  test("the lock is exclusive, names its holder, and is free again once released", async () => {
    const lock = await backend.lock("dev", "iac up");
    await assert.rejects(backend.lock("dev", "iac up (second)"), (e: { code?: string; message: string }) => {
      assert.equal(e.code, "StackLocked");
      assert.match(e.message, new RegExp(`locked by \`iac up\` \\(pid ${process.pid} on host `));
      return true;
    });
    assert.equal((await backend.lockStatus("dev"))?.liveness, "running");
    await lock.release();
    assert.equal(await backend.lockStatus("dev"), undefined);
    const again = await backend.lock("dev", "iac refresh");
    await again.release();
  });

  test("a URL that names no namespace is refused with the form to use", async () => {
    await assert.rejects(openBackend("kubernetes://Not_A_Namespace", { projectDir: dir, project: "big", env: { IAC_KUBECONFIG: cloud.endpoints.kubeconfig } }), /is not kubernetes:\/\/<namespace>\[\/<prefix>\]/);
  });
});
