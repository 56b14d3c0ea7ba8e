/**
 * The `kubernetes://` state backend (packages/engine/src/state/kubernetes-backend.ts) against the
 * emulated Kubernetes API: a state larger than a Secret can hold is sharded and read back whole;
 * records written without a close (a crash) are replayed from the journal; the lock is exclusive and
 * names its holder, is renewed while held and lost when broken; history entries are kept (in parts
 * when large, the oldest beyond the retention deleted); secrets never reach a Secret in plaintext.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { emptySnapshot, openBackend, openKubernetesBackend, type Backend, type Crypter, type HistoryEntry, type ResourceState } from "@iac/engine";
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

  test("keeps a history: entries newest first, a large one in parts, the oldest beyond the retention deleted", async () => {
    const small = await openKubernetesBackend("kubernetes://default/hist", { project: "big", env: { IAC_KUBECONFIG: cloud.endpoints.kubeconfig }, historyRetention: 3 });
    await small.createStack("dev");
    assert.deepEqual(await small.listHistory!("dev", {}), [], "no history yet");
    const entry = (i: number, extra: Partial<HistoryEntry> = {}): HistoryEntry => ({
      version: 1, operation: "up", startTime: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), endTime: new Date(Date.UTC(2026, 0, 1, 0, i, 30)).toISOString(),
      durationMs: 30_000, result: "succeeded", counts: { create: i }, failed: 0, command: "iac up --yes", iacVersion: "0.1.0", host: "h", ...extra,
    });
    for (let i = 1; i <= 3; i++) await small.appendHistory!("dev", entry(i));
    assert.deepEqual((await small.listHistory!("dev", {})).map((e) => e.counts["create"]), [3, 2, 1]);
    assert.deepEqual((await small.listHistory!("dev", { limit: 2 })).map((e) => e.counts["create"]), [3, 2]);
    // Incompressible diagnostics: more than one Secret's worth once gzipped.
    const diagnostics = Array.from({ length: 200 }, () => ({ severity: "warning" as const, time: "2026-01-01T00:04:00.000Z", message: randomBytes(4000).toString("base64") }));
    await small.appendHistory!("dev", entry(4, { diagnostics }));
    const parts = (await secretsOf("history")).filter((s) => s.metadata.name.startsWith("hist-"));
    assert.ok(parts.length >= 4, `the large entry is in ${parts.length - 2} parts`);
    for (const p of parts) assert.ok(Buffer.from(p.data["entry"]!, "base64").length <= 512 * 1024);
    const listed = await small.listHistory!("dev", {});
    assert.deepEqual(listed.map((e) => e.counts["create"]), [4, 3, 2], "retention 3: the oldest was deleted");
    assert.deepEqual(listed[0]!.diagnostics, diagnostics, "read back whole");
    await small.removeStack("dev", { force: true });
    assert.deepEqual((await secretsOf("history")).filter((s) => s.metadata.name.startsWith("hist-")), [], "removed with the stack");
  });

  test("numbering, expiry and the newest entry read the history's metadata, not every entry's data; entries written without annotations (an older iac) still count", async () => {
    // Bytes from the API server to the backend, through a TCP proxy.
    let down = 0;
    const target = new URL(cloud.endpoints.kubernetes);
    const sockets = new Set<Socket>();
    const proxy = createNetServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on("error", () => undefined);
      }
      upstream.on("data", (d: Buffer) => (down += d.length));
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    try {
      const kubeconfig = join(dir, "counted-kubeconfig");
      await writeFile(kubeconfig, (await readFile(cloud.endpoints.kubeconfig, "utf8")).replace(target.origin, `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`));
      const counted = await openKubernetesBackend("kubernetes://default/meta", { project: "big", env: { IAC_KUBECONFIG: kubeconfig }, historyRetention: 6 });
      await counted.createStack("dev");
      const entry = (i: number, extra: Partial<HistoryEntry> = {}): HistoryEntry => ({
        version: 1, operation: "up", startTime: new Date(Date.UTC(2026, 0, 2, 0, i)).toISOString(), endTime: new Date(Date.UTC(2026, 0, 2, 0, i, 30)).toISOString(),
        durationMs: 30_000, result: "succeeded", counts: { create: i }, failed: 0, command: "iac up --yes", iacVersion: "0.1.0", host: "h", ...extra,
      });
      // An entry as an iac before the annotations wrote it: name, seq and parts only in its data.
      const old = { name: "2026-01-02T00-00-30-000Z-000001.json", seq: "1", part: "0", parts: "1" };
      const b64 = (t: string) => Buffer.from(t).toString("base64");
      const { gzipSync } = await import("node:zlib");
      await kube.call("POST", "/api/v1/namespaces/default/secrets", {
        apiVersion: "v1", kind: "Secret", type: "iac.dev/state",
        metadata: { name: "meta-big-dev-h1", labels: { "iac.dev/state": "meta", "iac.dev/project": "big", "iac.dev/stack": "dev", "iac.dev/role": "history" } },
        data: { ...Object.fromEntries(Object.entries(old).map(([k, v]) => [k, b64(v)])), entry: gzipSync(JSON.stringify(entry(0))).toString("base64") },
      });
      // Entries of ~150 KB each (incompressible diagnostics): the history holds ~600 KB.
      const big = () => ({ diagnostics: Array.from({ length: 40 }, () => ({ severity: "warning" as const, time: "2026-01-02T00:00:00.000Z", message: randomBytes(3000).toString("base64") })) });
      for (let i = 1; i <= 4; i++) await counted.appendHistory!("dev", entry(i, big()));
      const history = (await secretsOf("history")).filter((s) => s.metadata.name.startsWith("meta-"));
      assert.deepEqual(history.map((s) => s.metadata.name).sort(), ["meta-big-dev-h1", "meta-big-dev-h2", "meta-big-dev-h3", "meta-big-dev-h4", "meta-big-dev-h5"], "numbered after the old entry");
      const annotated = (await kube.call<{ metadata: { annotations?: Record<string, string> } }>("GET", "/api/v1/namespaces/default/secrets/meta-big-dev-h5")).metadata.annotations ?? {};
      assert.deepEqual([annotated["iac.dev/history-part"], annotated["iac.dev/history-parts"]], ["0", "1"]);
      assert.match(annotated["iac.dev/history-entry"]!, /-000005\.json$/);
      const stored = history.reduce((n, s) => n + (s.data["entry"]?.length ?? 0), 0);
      assert.ok(stored > 400_000, `the history holds ${stored} bytes`);

      // The old entry has no annotations: this append lists the data once (as before) and counts it.
      await counted.appendHistory!("dev", entry(5));
      // Expire the old entry: retention 6, two more small appends.
      await counted.appendHistory!("dev", entry(6));
      await counted.appendHistory!("dev", entry(7));
      const names = (await secretsOf("history")).filter((s) => s.metadata.name.startsWith("meta-")).map((s) => s.metadata.name).sort();
      assert.ok(!names.includes("meta-big-dev-h1"), `the old entry expired first: ${names.join(", ")}`);
      assert.equal(names.length, 6);

      down = 0;
      await counted.appendHistory!("dev", entry(8));
      assert.ok(down < 60_000, `an append downloaded ${down} bytes of a ${stored}-byte history (metadata only)`);
      down = 0;
      const [newest] = await counted.listHistory!("dev", { limit: 1 });
      assert.equal(newest!.counts["create"], 8);
      assert.ok(down < 60_000, `the newest entry took ${down} bytes (its own Secret and the metadata)`);
      const all = await counted.listHistory!("dev", {});
      assert.deepEqual(all.map((e) => e.counts["create"]), [8, 7, 6, 5, 4, 3]);
      assert.equal(all[4]!.diagnostics?.length, 40, "a large entry read back whole");
      await counted.removeStack("dev", { force: true });
    } finally {
      proxy.close();
      for (const s of sockets) s.destroy();
    }
  });

  test("the lock is renewed while held; a lock broken by hand is lost (the run stops); another host's lock is gone once not renewed", async () => {
    const quick = await openKubernetesBackend("kubernetes://default/renew", { project: "big", env: { IAC_KUBECONFIG: cloud.endpoints.kubeconfig }, lockRenewMs: 50, lockExpiryMs: 2000 });
    await quick.createStack("dev");
    const lock = await quick.lock("dev", "iac up");
    const renewTime = async () => Buffer.from((await kube.get<{ data: Record<string, string> }>("/api/v1/namespaces/default/secrets/renew-big-dev-lock"))!.data["renewTime"]!, "base64").toString();
    const first = await renewTime();
    await new Promise((r) => setTimeout(r, 300));
    assert.notEqual(await renewTime(), first, "renewed");
    assert.equal(lock.lost!.aborted, false);
    await kube.call("DELETE", "/api/v1/namespaces/default/secrets/renew-big-dev-lock");
    for (let i = 0; i < 50 && !lock.lost!.aborted; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(lock.lost!.aborted, true, "a broken lock is lost");
    assert.equal((lock.lost!.reason as { code?: string }).code, "StackLockLost");
    assert.match((lock.lost!.reason as Error).message, /was broken while this run held it/);
    await kube.call("POST", "/api/v1/namespaces/default/secrets", { apiVersion: "v1", kind: "Secret", metadata: { name: "renew-big-dev-lock" }, stringData: { info: "{}" } });
    await lock.release();
    assert.ok(await kube.get("/api/v1/namespaces/default/secrets/renew-big-dev-lock"), "releasing a lost lock leaves the next holder's alone");
    await kube.call("DELETE", "/api/v1/namespaces/default/secrets/renew-big-dev-lock");

    // A lock of a controller on another node: running while renewed, gone once its renewal is older than its expiry.
    const foreign = (renewed: Date) => ({
      apiVersion: "v1", kind: "Secret", type: "iac.dev/state",
      metadata: { name: "renew-big-dev-lock", labels: { "iac.dev/state": "renew", "iac.dev/project": "big", "iac.dev/stack": "dev", "iac.dev/role": "lock" } },
      stringData: { info: JSON.stringify({ host: "another-node", pid: 7, time: renewed.toISOString(), command: "iac controller: up" }), renewTime: renewed.toISOString(), expirySeconds: "60" },
    });
    await kube.call("POST", "/api/v1/namespaces/default/secrets", foreign(new Date()));
    assert.equal((await quick.lockStatus("dev"))?.liveness, "running");
    await kube.call("DELETE", "/api/v1/namespaces/default/secrets/renew-big-dev-lock");
    await kube.call("POST", "/api/v1/namespaces/default/secrets", foreign(new Date(Date.now() - 61_000)));
    const gone = await quick.lockStatus("dev");
    assert.equal(gone?.liveness, "gone");
    assert.match(gone!.reason, /has not renewed it for 6\d s \(it counts as gone after 60 s\)/);
    await quick.breakLock("dev", { expected: gone! });
    await quick.removeStack("dev", { force: true });
  });

  test("a lock whose renewals fail (the API server unreachable) is lost before it would expire", async () => {
    // The backend reaches the API server through a TCP proxy that is then closed.
    const sockets = new Set<Socket>();
    const target = new URL(cloud.endpoints.kubernetes);
    const proxy = createNetServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on("error", () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const kubeconfig = join(dir, "proxied-kubeconfig");
    await writeFile(kubeconfig, (await readFile(cloud.endpoints.kubeconfig, "utf8")).replace(target.origin, `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`));
    const far = await openKubernetesBackend("kubernetes://default/far", { project: "big", env: { IAC_KUBECONFIG: kubeconfig }, lockRenewMs: 50, lockExpiryMs: 1000 });
    await far.createStack("dev");
    const lock = await far.lock("dev", "iac up");
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(lock.lost!.aborted, false, "renewed while the API server answers");
    proxy.close();
    for (const s of sockets) s.destroy();
    for (let i = 0; i < 100 && !lock.lost!.aborted; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(lock.lost!.aborted, true);
    assert.equal((lock.lost!.reason as { code?: string }).code, "StackLockLost");
    assert.match((lock.lost!.reason as Error).message, /could not be renewed for \d+ s \(others count it as gone after 1 s\)/);
    await assert.rejects(lock.release(), /did not answer/, "releasing needs the API server too, and says so");
    await kube.call("DELETE", "/api/v1/namespaces/default/secrets/far-big-dev-lock");
  });

  test("a URL that names no namespace is refused with the form to use", async () => {
    await assert.rejects(openBackend("kubernetes://Not_A_Namespace", { projectDir: dir, project: "big", env: { IAC_KUBECONFIG: cloud.endpoints.kubeconfig } }), /is not kubernetes:\/\/<namespace>\[\/<prefix>\]/);
  });
});
