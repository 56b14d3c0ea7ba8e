/**
 * The azblob:// backend against Azurite (the real Blob Storage emulator): the file backend's
 * behaviours (journal, compaction, crash leftovers, lock, corrupt state, secrets, stacks) plus what
 * only a shared store needs (conditional writes so that two writers cannot both win).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import type { ContainerClient } from "@azure/storage-blob";
import { isSecretValue } from "@iac/sdk/runtime";
import { crypterFromKey } from "../src/secrets.js";
import { createAzblobBackend } from "../src/state/azblob-backend.js";
import { openBackend } from "../src/state/backend-url.js";
import { StackLockedError, StateCorruptError } from "../src/state/errors.js";
import type { Backend, Crypter, Snapshot } from "../src/state/types.js";
import { startAzurite } from "./state-azblob-azurite.js";
import { PROJECT, pending, resource, secret, urn } from "./state-fixtures.js";

const started = await startAzurite();
const azurite = "azurite" in started ? started.azurite : undefined;
after(() => azurite?.stop());

interface Store {
  readonly backend: Backend;
  readonly crypter: Crypter;
  readonly container: ContainerClient;
  /** Blob name of a stack's file. */
  blob(stack: string, name: string): string;
  /** Every blob of the container with its text. */
  all(): Promise<{ name: string; text: string }[]>;
  text(name: string): Promise<string | undefined>;
}

/** A fresh container (so tests do not see each other's blobs) and a backend with a prefix in it. */
async function store(): Promise<Store> {
  const name = `t-${randomBytes(6).toString("hex")}`;
  const backend = await openBackend(`azblob://${name}/team/a`, { projectDir: "/nonexistent", project: PROJECT, env: azurite!.env });
  const container = azurite!.service.getContainerClient(name);
  const text = async (blob: string) => {
    try {
      return (await container.getBlobClient(blob).downloadToBuffer()).toString("utf8");
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  };
  return {
    backend,
    crypter: crypterFromKey(randomBytes(32), { describe: "the test key", remedy: "" }),
    container,
    blob: (stack, file) => `team/a/${PROJECT}/${stack}/${file}`,
    text,
    async all() {
      const out: { name: string; text: string }[] = [];
      for await (const item of container.listBlobsFlat()) out.push({ name: item.name, text: (await text(item.name)) ?? "" });
      return out;
    },
  };
}

function stateWith(resources: Snapshot["resources"]): Snapshot {
  return { version: 1, project: PROJECT, stack: "dev", secretsProvider: { type: "keyfile" }, resources, pendingOperations: [], outputs: {} };
}

describe("the azblob backend on Azurite", { skip: "skip" in started ? started.skip : false }, () => {
  test("records are appended to an append blob journal, readable before close, and compacted into snapshot.json on close", async () => {
    const s = await store();
    const w = await s.backend.open("dev", s.crypter);
    const h = await w.begin(pending("a"));
    await w.end(h, { upsert: resource("a") });
    await w.put(resource("b", { dependencies: [urn("a")] }));
    await w.setOutputs({ out: 1 });
    const props = await s.container.getBlobClient(s.blob("dev", "journal.ndjson")).getProperties();
    assert.equal(props.blobType, "AppendBlob");
    assert.equal(await s.text(s.blob("dev", "snapshot.json")), undefined, "nothing is compacted before close");
    // Another process (a second backend on the same URL) sees the journal replayed.
    const other = await openBackend(s.backend.url, { projectDir: "/nonexistent", project: PROJECT, env: azurite!.env });
    const seen = await other.read("dev", s.crypter);
    assert.deepEqual(seen.resources.map((r) => r.urn), [urn("a"), urn("b")]);
    assert.deepEqual(seen.pendingOperations, []);
    assert.deepEqual(seen.outputs, { out: 1 });
    await w.close();
    assert.equal(await s.text(s.blob("dev", "journal.ndjson")), undefined, "the journal is gone after compaction");
    const snapshot = JSON.parse((await s.text(s.blob("dev", "snapshot.json")))!);
    assert.equal(snapshot.generation, 1);
    assert.deepEqual(snapshot.resources.map((r: { urn: string }) => r.urn), [urn("a"), urn("b")]);
    // A second compaction keeps the first snapshot as .bak.
    const w2 = await s.backend.open("dev", s.crypter);
    await w2.remove(urn("b"));
    await w2.close();
    assert.equal(JSON.parse((await s.text(s.blob("dev", "snapshot.json.bak")))!).generation, 1);
    assert.deepEqual((await s.backend.read("dev", s.crypter)).resources.map((r) => r.urn), [urn("a")]);
  });

  test("group commit: many records handed in at once take fewer appendBlock requests than records", async () => {
    const s = await store();
    const w = await s.backend.open("dev", s.crypter);
    await Promise.all(Array.from({ length: 20 }, (_, i) => w.put(resource(`r${i}`))));
    const stats = (w as unknown as { stats: { flushes: number; records: number } }).stats;
    assert.equal(stats.records, 20);
    assert.ok(stats.flushes < 20, `${stats.flushes} requests for 20 records`);
    await w.close();
    assert.equal((await s.backend.read("dev", s.crypter)).resources.length, 20);
  });

  test("a crashed run's journal (never closed) is replayed by read and folded into the snapshot by the next writer; a torn last line is dropped", async () => {
    const s = await store();
    const w = await s.backend.open("dev", s.crypter);
    await w.put(resource("a"));
    const h = await w.begin(pending("b"));
    // The process dies here: no close, no compaction. Its last append was torn half-way.
    void h;
    await s.container.getAppendBlobClient(s.blob("dev", "journal.ndjson")).appendBlock('{"kind":"put","resou', 20);
    const read = await s.backend.read("dev", s.crypter);
    assert.deepEqual(read.resources.map((r) => r.urn), [urn("a")]);
    assert.deepEqual(read.pendingOperations.map((p) => `${p.op} ${p.urn}`), [`create ${urn("b")}`], "the pending create survives the crash");
    const next = await s.backend.open("dev", s.crypter);
    assert.deepEqual(next.base.pendingOperations.map((p) => p.urn), [urn("b")]);
    const journal = (await s.text(s.blob("dev", "journal.ndjson")))!;
    assert.equal(journal.split("\n").filter(Boolean).length, 1, "the new writer starts a fresh journal holding only its header");
    assert.equal(JSON.parse(journal.split("\n")[0]!).generation, 1);
    await next.clearPending([urn("b")]);
    await next.close();
    assert.deepEqual((await s.backend.read("dev", s.crypter)).pendingOperations, []);
  });

  test("a journal older than the snapshot (a crash between compaction and journal delete) is ignored, not applied twice", async () => {
    const s = await store();
    const w = await s.backend.open("dev", s.crypter);
    await w.put(resource("a"));
    const journal = (await s.text(s.blob("dev", "journal.ndjson")))!;
    await w.close();
    await w.close();
    // Put the generation-0 journal back next to the generation-1 snapshot, with a record that would show if applied.
    const blob = s.container.getAppendBlobClient(s.blob("dev", "journal.ndjson"));
    await blob.create();
    const stale = `${journal}${JSON.stringify({ kind: "put", resource: resource("ghost") })}\n`;
    await blob.appendBlock(stale, Buffer.byteLength(stale));
    assert.deepEqual((await s.backend.read("dev", s.crypter)).resources.map((r) => r.urn), [urn("a")]);
  });

  test("a second lock is refused with a message naming the holder's host, pid, time and command; release frees it", async () => {
    const s = await store();
    const lock = await s.backend.lock("dev", "iac up");
    const error = await s.backend.lock("dev", "iac destroy").then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof StackLockedError);
    assert.equal(error.code, "StackLocked");
    for (const part of [lock.info.host, String(lock.info.pid), lock.info.time, "`iac up`"]) assert.ok(error.message.includes(part), `message lacks ${part}: ${error.message}`);
    assert.match(error.message, /run `iac cancel` to break the lock/);
    assert.deepEqual(error.holder, lock.info);
    const [listed] = await s.backend.listStacks();
    assert.deepEqual(listed?.locked, lock.info, "stack ls shows the holder");
    await lock.release();
    assert.equal((await s.backend.listStacks())[0]?.locked, undefined);
    const again = await s.backend.lock("dev", "iac destroy");
    await again.release();
  });

  test("of many concurrent lock attempts exactly one wins the lease", async () => {
    const s = await store();
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => s.backend.lock("dev", "iac up")));
    const won = results.filter((r) => r.status === "fulfilled");
    assert.equal(won.length, 1);
    for (const r of results) if (r.status === "rejected") assert.equal((r.reason as { code?: string }).code, "StackLocked");
    await (won[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
  });

  test("breakLock breaks the lease and returns who held it; the old holder's release then leaves the new lock alone", async () => {
    const s = await store();
    const first = await s.backend.lock("dev", "iac up");
    assert.deepEqual(await s.backend.breakLock("dev"), first.info);
    const second = await s.backend.lock("dev", "iac refresh");
    await first.release();
    const error = await s.backend.lock("dev", "iac up").then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof StackLockedError);
    assert.equal(error.holder?.command, "iac refresh");
    await second.release();
    assert.equal(await s.backend.breakLock("dev"), undefined, "nothing left to break");
  });

  const corrupt: { name: string; text: string; problem: RegExp }[] = [
    { name: "bad JSON", text: '{"version":1,"resources":[', problem: /not valid JSON/ },
    { name: "an unknown version", text: JSON.stringify({ version: 7, resources: [] }), problem: /version 7 is newer/ },
  ];
  for (const c of corrupt) {
    test(`a snapshot with ${c.name} is refused with StateCorrupt naming the blob, and neither read, open nor a writer overwrites it`, async () => {
      const s = await store();
      const name = s.blob("dev", "snapshot.json");
      await s.backend.createStack("dev");
      await s.container.getBlockBlobClient(name).upload(c.text, Buffer.byteLength(c.text));
      const error = await s.backend.read("dev", s.crypter).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof StateCorruptError);
      assert.match(error.message, c.problem);
      assert.ok(error.message.includes(`azblob://${s.container.containerName}/${name}`), error.message);
      assert.match(error.message, /iac state import/);
      await assert.rejects(s.backend.open("dev", s.crypter), { code: "StateCorrupt" });
      assert.equal(await s.text(name), c.text);
    });
  }

  test("replacing a corrupt state with write (state import) keeps the corrupt bytes aside", async () => {
    const s = await store();
    await s.backend.createStack("dev");
    await s.container.getBlockBlobClient(s.blob("dev", "snapshot.json")).upload("garbage", 7);
    await s.backend.write("dev", stateWith([resource("a")]), s.crypter);
    assert.deepEqual((await s.backend.read("dev", s.crypter)).resources.map((r) => r.urn), [urn("a")]);
    const aside = (await s.all()).filter((b) => b.name.includes("snapshot.json.corrupt-"));
    assert.equal(aside.length, 1);
    assert.equal(aside[0]!.text, "garbage");
  });

  test("no blob ever holds a secret in plaintext (journal before close, snapshot and .bak after), and reads give the secret back", async () => {
    const s = await store();
    const w = await s.backend.open("dev", s.crypter);
    await w.put(resource("a", { inputs: { password: secret("hunter2-in-journal") }, outputs: { nested: [{ key: secret("k3y-0utput") }] } }));
    await w.setOutputs({ token: secret("t0ken-output") });
    const during = await s.all();
    await w.close();
    const w2 = await s.backend.open("dev", s.crypter);
    await w2.put(resource("b", { inputs: { password: secret("second-s3cret") } }));
    await w2.close();
    const blobs = [...during, ...(await s.all())];
    assert.ok(blobs.some((b) => b.name.endsWith("journal.ndjson")) && blobs.some((b) => b.name.endsWith("snapshot.json.bak")), "journal, snapshot and .bak were all looked at");
    for (const b of blobs) {
      for (const plain of ["hunter2-in-journal", "k3y-0utput", "t0ken-output", "second-s3cret"]) assert.ok(!b.text.includes(plain), `${b.name} holds ${plain}`);
    }
    const state = await s.backend.read("dev", s.crypter);
    const password = state.resources.find((r) => r.urn === urn("a"))!.inputs.password;
    assert.ok(isSecretValue(password) && password.value === "hunter2-in-journal");
  });

  test("stacks are created, listed, refused twice, refused removal while they hold resources, and removed with every blob", async () => {
    const s = await store();
    assert.deepEqual(await s.backend.listStacks(), [], "a container that does not exist yet holds no stacks");
    assert.equal(await s.backend.stackExists("dev"), false);
    await s.backend.createStack("dev");
    await s.backend.createStack("prod");
    assert.equal(await s.backend.stackExists("dev"), true);
    await assert.rejects(s.backend.createStack("dev"), { code: "StackExists" });
    await s.backend.write("prod", stateWith([resource("a")]), s.crypter);
    const listed = await s.backend.listStacks();
    assert.deepEqual(listed.map((x) => [x.name, x.resourceCount]), [["dev", 0], ["prod", 1]]);
    assert.ok(listed[1]!.updated);
    await assert.rejects(s.backend.removeStack("prod", { force: false }), { code: "StackNotEmpty" });
    // As `iac stack rm` does: under the stack's lock.
    const lock = await s.backend.lock("prod", "iac stack rm");
    await s.backend.removeStack("prod", { force: true });
    await lock.release();
    assert.equal(await s.backend.stackExists("prod"), false);
    assert.deepEqual((await s.all()).filter((b) => b.name.includes("/prod/")), []);
    await assert.rejects(s.backend.removeStack("prod", { force: false }), { code: "StackNotFound" });
    assert.deepEqual((await s.backend.listStacks()).map((x) => x.name), ["dev"]);
  });

  test("two writers cannot both win: a writer whose journal or snapshot was replaced by another fails with StateConflict", async () => {
    const s = await store();
    await s.backend.write("dev", stateWith([resource("base")]), s.crypter);
    // The first writer's lock was broken (`iac cancel`) while it ran, and a second writer opened the stack.
    const stale = await s.backend.open("dev", s.crypter);
    const fresh = await s.backend.open("dev", s.crypter);
    await fresh.put(resource("fresh"));
    await assert.rejects(stale.put(resource("stale")), { code: "StateConflict" });
    await fresh.close();
    await assert.rejects(stale.close(), (e: Error & { code?: string }) => e.code === "StateConflict" && /saved in azblob:\/\/.*snapshot\.json\.conflict-/.test(e.message));
    assert.deepEqual((await s.backend.read("dev", s.crypter)).resources.map((r) => r.urn), [urn("base"), urn("fresh")]);
    const aside = (await s.all()).filter((b) => b.name.includes("snapshot.json.conflict-"));
    assert.equal(aside.length, 1, "the refused writer's state is kept aside");
    assert.ok(aside[0]!.text.includes(urn("stale")) || aside[0]!.text.includes(urn("base")));
  });

  test("lockStatus says a held lease is running and a free stack is not locked; breakLock with that status leaves a lock that changed hands alone", async () => {
    const s = await store();
    assert.equal(await s.backend.lockStatus("dev"), undefined);
    const first = await s.backend.lock("dev", "iac up");
    const seen = (await s.backend.lockStatus("dev"))!;
    assert.equal(seen.liveness, "running");
    assert.deepEqual(seen.holder, first.info);
    assert.match(seen.reason, /renews every 20 s/);
    await first.release();
    assert.equal(await s.backend.lockStatus("dev"), undefined, "released");
    const second = await s.backend.lock("dev", "iac refresh");
    await assert.rejects(s.backend.breakLock("dev", { expected: seen }), (e: Error & { code?: string }) => e.code === "StackLocked" && /changed hands/.test(e.message));
    assert.equal((await s.backend.lockStatus("dev"))?.holder?.command, "iac refresh", "the new holder keeps its lease");
    assert.deepEqual(await s.backend.breakLock("dev", { expected: (await s.backend.lockStatus("dev"))! }), second.info);
    await second.release();
  });

  test("a holder whose lease is broken stops: its lost signal is aborted with StackLockLost at the next renewal", async () => {
    const s = await store();
    // The renewal period is an option of the backend; a short one makes the test quick.
    const fast = createAzblobBackend({ service: azurite!.service, container: s.backend.url.slice("azblob://".length).split("/")[0]!, prefix: "team/a", project: PROJECT, lockRenewMs: 100 });
    const lock = await fast.lock("dev", "iac up");
    assert.equal(lock.lost?.aborted, false);
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(lock.lost?.aborted, false, "renewals of a held lease succeed");
    await s.backend.breakLock("dev");
    await new Promise<void>((resolve) => (lock.lost!.aborted ? resolve() : lock.lost!.addEventListener("abort", () => resolve())));
    const reason = lock.lost!.reason as Error & { code?: string };
    assert.equal(reason.code, "StackLockLost");
    assert.match(reason.message, /was broken/);
    assert.match(reason.message, /stopped making cloud calls/);
    await lock.release();
  });
});

describe("openBackend", () => {
  test("maps no URL and file:// to the file backend in the project's .iac/", async () => {
    for (const url of [undefined, "", "file://"]) {
      const b = await openBackend(url, { projectDir: "/work/p", project: PROJECT });
      assert.equal(b.url, "file:///work/p/.iac");
    }
    assert.equal((await openBackend("file://./state", { projectDir: "/work/p", project: PROJECT })).url, "file:///work/p/state/.iac");
    assert.equal((await openBackend("file:///srv/iac", { projectDir: "/work/p", project: PROJECT })).url, "file:///srv/iac/.iac");
  });

  test("refuses an invalid container name, an unknown scheme, and azblob without credentials, saying what to set", async () => {
    await assert.rejects(openBackend("azblob://Bad_Name/x", { projectDir: "/p", project: PROJECT, env: {} }), (e: Error & { code?: string }) => e.code === "StateBackend" && /3 to 63 lowercase/.test(e.message));
    await assert.rejects(openBackend("s3://bucket", { projectDir: "/p", project: PROJECT, env: {} }), { code: "StateBackend" });
    await assert.rejects(openBackend("azblob://state/x", { projectDir: "/p", project: PROJECT, env: {} }), (e: Error & { code?: string }) => e.code === "StateBackend" && /AZURE_STORAGE_CONNECTION_STRING/.test(e.message) && /AZURE_STORAGE_ACCOUNT/.test(e.message));
  });

  test("never repeats a key from a connection string that does not parse", async () => {
    const key = "c2VjcmV0LWtleS1ub3QtdG8tYmUtc2hvd24=";
    const error = await openBackend("azblob://state/x", { projectDir: "/p", project: PROJECT, env: { AZURE_STORAGE_CONNECTION_STRING: `AccountKey=${key};Nonsense` } }).then(() => undefined, (e: unknown) => e as Error);
    assert.ok(error, "a broken connection string is refused");
    assert.equal((error as { code?: string }).code, "StateBackend");
    assert.ok(!`${error.message} ${(error.cause as Error | undefined)?.message ?? ""}`.includes(key));
  });
});
