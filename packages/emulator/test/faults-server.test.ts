import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it, mock } from "node:test";
import { startLocalCloud, type LocalCloud } from "../src/server.js";
import type { Service, ServiceFactory, ServiceName } from "../src/service.js";

/** A service that answers every request with 200 and its own name, standing in for ARM or Kubernetes. */
function echo(name: ServiceName): ServiceFactory {
  return (): Service => ({
    name,
    handle(_req: IncomingMessage, res: ServerResponse) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ handledBy: name }));
    },
  });
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

function call(ca: string, url: string, init: { method?: string; body?: unknown } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const text = init.body === undefined ? undefined : JSON.stringify(init.body);
    const req = request(url, { method: init.method ?? "GET", ca, agent: false, headers: text === undefined ? {} : { "content-type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(text);
  });
}

describe("faults injected by the local cloud's server", () => {
  let dir: string;
  let cloud: LocalCloud;
  let ca: string;
  let arm: string;
  let kube: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "iac-faults-"));
    cloud = await startLocalCloud({ dataDir: dir, services: { arm: echo("arm"), kubernetes: echo("kubernetes") } });
    ca = await readFile(cloud.endpoints.ca, "utf8");
    arm = cloud.endpoints.arm;
    kube = cloud.endpoints.kubernetes;
  });
  beforeEach(() => cloud.faults.clear());
  after(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers normally when no rule matches", async () => {
    cloud.faults.set([{ service: "kubernetes", status: 500 }, { path: "^/other$", status: 500 }]);
    const a = await call(ca, `${arm}/subscriptions`);
    assert.equal(a.status, 200);
    assert.deepEqual(JSON.parse(a.body), { handledBy: "arm" });
  });

  it("throttles with 429 and the Retry-After the rule gives, in ARM's error shape", async () => {
    cloud.faults.set([{ service: "arm", method: "PUT", path: "/resourcegroups/", status: 429, retryAfterSeconds: 7 }]);
    const a = await call(ca, `${arm}/subscriptions/s/resourceGroups/rg`, { method: "PUT", body: {} });
    assert.equal(a.status, 429);
    assert.equal(a.headers["retry-after"], "7");
    assert.equal(JSON.parse(a.body).error.code, "TooManyRequests");
    const get = await call(ca, `${arm}/subscriptions/s/resourceGroups/rg`);
    assert.equal(get.status, 200, "a GET does not match a PUT-only rule");
  });

  it("fails Kubernetes requests with 500 as a Status object", async () => {
    cloud.faults.set([{ service: "kubernetes", status: 500 }]);
    const a = await call(ca, `${kube}/api/v1/namespaces`);
    assert.equal(a.status, 500);
    const body = JSON.parse(a.body);
    assert.equal(body.kind, "Status");
    assert.equal(body.reason, "InternalError");
    assert.equal(body.code, 500);
  });

  it("drops the connection without an answer", async () => {
    cloud.faults.set([{ path: "/drop-me", drop: true }]);
    await assert.rejects(call(ca, `${arm}/drop-me`), (err: NodeJS.ErrnoException) => err.code === "ECONNRESET" || /socket hang up/.test(err.message));
    assert.equal((await call(ca, `${arm}/fine`)).status, 200);
  });

  it("counts `times` down and retires the rule when it reaches zero", async () => {
    cloud.faults.set([{ service: "arm", status: 503, retryAfterSeconds: 1, times: 2 }]);
    assert.equal((await call(ca, `${arm}/x`)).status, 503);
    assert.deepEqual(cloud.faults.rules(), [{ service: "arm", status: 503, retryAfterSeconds: 1, times: 1 }]);
    assert.equal((await call(ca, `${arm}/x`)).status, 503);
    assert.equal((await call(ca, `${arm}/x`)).status, 200);
    assert.deepEqual(cloud.faults.rules(), []);
  });

  it("holds a request for the rule's latency before handling it", async (t) => {
    t.after(() => mock.timers.reset());
    cloud.faults.set([{ path: "^/slow$", latencyMs: 5_000, times: 1 }]);
    mock.timers.enable({ apis: ["setTimeout"] });
    let answered = false;
    const pending = call(ca, `${arm}/slow`).then((a) => {
      answered = true;
      return a;
    });
    // The rule is counted down when the server matches the request, just before it waits.
    while (cloud.faults.rules().length > 0) await new Promise((r) => setImmediate(r));
    mock.timers.tick(4_999);
    // A whole round trip of another request completes meanwhile, so the slow one had every chance.
    assert.equal((await call(ca, `${arm}/fast`)).status, 200);
    assert.equal(answered, false, "answered before the latency elapsed");
    mock.timers.tick(1);
    const a = await pending;
    assert.equal(a.status, 200);
  });

  it("refuses rules that are not valid with 400 and keeps the old ones", async () => {
    cloud.faults.set([{ path: "^/kept$", status: 500 }]);
    const bad = await call(ca, `${arm}/_iac/faults`, { method: "PUT", body: { rules: [{ path: "([unclosed" }] } });
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).error.message, /path/);
    assert.deepEqual(cloud.faults.rules(), [{ path: "^/kept$", status: 500 }]);
  });

  it("lets a client read, replace and clear the rules over HTTP while running", async () => {
    const put = await call(ca, `${kube}/_iac/faults`, { method: "PUT", body: { rules: [{ service: "arm", status: 500, times: 1 }] } });
    assert.equal(put.status, 200);
    const got = await call(ca, `${arm}/_iac/faults`);
    assert.deepEqual(JSON.parse(got.body), { rules: [{ service: "arm", status: 500, times: 1 }] });
    assert.equal((await call(ca, `${arm}/anything`)).status, 500);
    await call(ca, `${arm}/_iac/faults`, { method: "PUT", body: { rules: [{ service: "arm", status: 500 }] } });
    const del = await call(ca, `${arm}/_iac/faults`, { method: "DELETE" });
    assert.deepEqual(JSON.parse(del.body), { rules: [] });
    assert.equal((await call(ca, `${arm}/anything`)).status, 200);
  });
});
