/**
 * The local registry: the OCI distribution API subset that pushes and scans use, served by the
 * local cloud on loopback, persisted under its data directory.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createRegistryService, listTags, pushImage, RegistryPushError } from "../src/registry/index.js";
import { routeOf } from "../src/registry/registry-service.js";
import { readFile } from "node:fs/promises";
import { serveLocalCloud } from "../src/local.js";
import { startLocalCloud, type LocalCloud } from "../src/server.js";

const digestOf = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

describe("local registry", () => {
  let dir: string;
  let cloud: LocalCloud;
  let base: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "iac-registry-"));
    cloud = await startLocalCloud({ dataDir: dir, services: { registry: createRegistryService } });
    base = cloud.endpoints.registry!;
  });
  after(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("is served over http on loopback and named in the endpoints", async () => {
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await fetch(`${base}/v2/`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("docker-distribution-api-version"), "registry/2.0");
  });

  it("takes a pushed image and lists, serves and resolves its tags", async () => {
    const a = await pushImage(base, "team/app", "1.0.0");
    const b = await pushImage(base, "team/app", "1.1.0");
    assert.notEqual(a.digest, b.digest, "each tag has its own manifest");
    assert.equal(a.image, `${new URL(base).host}/team/app:1.0.0`);
    assert.deepEqual(await listTags(base, "team/app"), ["1.0.0", "1.1.0"]);
    const head = await fetch(`${base}/v2/team/app/manifests/1.0.0`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("docker-content-digest"), a.digest);
    assert.equal(head.headers.get("content-type"), "application/vnd.oci.image.manifest.v1+json");
    const manifest = Buffer.from(await (await fetch(`${base}/v2/team/app/manifests/${a.digest}`)).arrayBuffer());
    assert.equal(digestOf(manifest), a.digest, "a manifest fetched by digest hashes to it");
    const layer = (JSON.parse(manifest.toString()) as { layers: { digest: string }[] }).layers[0]!.digest;
    const blob = Buffer.from(await (await fetch(`${base}/v2/team/app/blobs/${layer}`)).arrayBuffer());
    assert.equal(digestOf(blob), layer);
    const catalog = (await (await fetch(`${base}/v2/_catalog`)).json()) as { repositories: string[] };
    assert.ok(catalog.repositories.includes("team/app"));
  });

  it("pages the tag list with n and last, and a Link to the next page", async () => {
    for (const t of ["a", "b", "c"]) await pushImage(base, "paged", t);
    const first = await fetch(`${base}/v2/paged/tags/list?n=2`);
    assert.deepEqual(((await first.json()) as { tags: string[] }).tags, ["a", "b"]);
    assert.equal(first.headers.get("link"), '</v2/paged/tags/list?n=2&last=b>; rel="next"');
    const rest = await fetch(`${base}/v2/paged/tags/list?n=2&last=b`);
    assert.deepEqual(((await rest.json()) as { tags: string[] }).tags, ["c"]);
    assert.equal(rest.headers.get("link"), null);
  });

  it("assembles a chunked upload (POST, PATCH, PUT with the digest) and refuses a wrong digest", async () => {
    const data = Buffer.from("hello, layer");
    const start = await fetch(`${base}/v2/chunks/blobs/uploads/`, { method: "POST" });
    assert.equal(start.status, 202);
    const location = start.headers.get("location")!;
    const patch = await fetch(`${base}${location}`, { method: "PATCH", body: data.subarray(0, 5) });
    assert.equal(patch.status, 202);
    const wrong = await fetch(`${base}${location}?digest=${digestOf(Buffer.from("other"))}`, { method: "PUT", body: data.subarray(5) });
    assert.equal(wrong.status, 400);
    assert.equal(((await wrong.json()) as { errors: { code: string }[] }).errors[0]!.code, "DIGEST_INVALID");
    const put = await fetch(`${base}${location}?digest=${digestOf(data)}`, { method: "PUT" });
    assert.equal(put.status, 201);
    assert.equal(Buffer.from(await (await fetch(`${base}/v2/chunks/blobs/${digestOf(data)}`)).arrayBuffer()).toString(), "hello, layer");
  });

  it("refuses a manifest naming blobs not pushed, an invalid name, and unknown tags, with the spec's error codes", async () => {
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: `sha256:${"0".repeat(64)}`, size: 2 }, layers: [] });
    const r = await fetch(`${base}/v2/team/app/manifests/broken`, { method: "PUT", body: manifest, headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" } });
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { errors: { code: string }[] }).errors[0]!.code, "MANIFEST_BLOB_UNKNOWN");
    await assert.rejects(pushImage(base, "Team/App", "1"), (e: unknown) => e instanceof RegistryPushError && e.code === "NAME_INVALID");
    const missing = await fetch(`${base}/v2/team/app/manifests/9.9.9`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { errors: { code: string }[] }).errors[0]!.code, "MANIFEST_UNKNOWN");
    assert.equal((await fetch(`${base}/v2/nothing/tags/list`)).status, 404);
    assert.deepEqual(await listTags(base, "nothing"), []);
  });

  it("deletes a tag", async () => {
    await pushImage(base, "gone", "1");
    await pushImage(base, "gone", "2");
    assert.equal((await fetch(`${base}/v2/gone/manifests/1`, { method: "DELETE" })).status, 202);
    assert.deepEqual(await listTags(base, "gone"), ["2"]);
  });

  it("keeps its images across a restart of the local cloud", async () => {
    await cloud.close();
    cloud = await startLocalCloud({ dataDir: dir, services: { registry: createRegistryService } });
    base = cloud.endpoints.registry!;
    assert.deepEqual(await listTags(base, "team/app"), ["1.0.0", "1.1.0"]);
  });

  it("routes the API's paths, repository names with slashes included", () => {
    assert.deepEqual(routeOf("/v2/a/b/c/tags/list"), { name: "a/b/c", kind: "tags", ref: "" });
    assert.deepEqual(routeOf("/v2/a/manifests/1.0"), { name: "a", kind: "manifest", ref: "1.0" });
    assert.deepEqual(routeOf("/v2/a/b/blobs/uploads/"), { name: "a/b", kind: "upload", ref: "" });
    assert.deepEqual(routeOf("/v2/a/blobs/sha256:00"), { name: "a", kind: "blob", ref: "sha256:00" });
    assert.equal(routeOf("/v2/a"), undefined);
  });
});

describe("local registry in iac local serve", () => {
  it("is one of the default services, in endpoints.json, and keeps its port across restarts", async () => {
    const project = await mkdtemp(join(tmpdir(), "iac-registry-serve-"));
    try {
      const first = await serveLocalCloud({ projectDir: project });
      const registry = first.endpoints.registry;
      try {
        assert.match(registry ?? "", /^http:\/\/127\.0\.0\.1:\d+$/);
        const written = JSON.parse(await readFile(first.endpointsFile, "utf8")) as { registry?: string };
        assert.equal(written.registry, registry);
        await pushImage(registry!, "team/app", "1.0.0");
      } finally {
        await first.close();
      }
      const again = await serveLocalCloud({ projectDir: project });
      try {
        assert.equal(again.endpoints.registry, registry, "the previous run's port, so image references in git stay valid");
        assert.deepEqual(await listTags(again.endpoints.registry!, "team/app"), ["1.0.0"]);
      } finally {
        await again.close();
      }
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
});
