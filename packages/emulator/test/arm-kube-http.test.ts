/**
 * The local ARM's Kubernetes client (src/arm/kube-http.ts, used by the AKS Flux agent) retries what a
 * busy apiserver answers, as client-go does: the real kube-apiserver says 500 "storage is
 * (re)initializing" for a moment after CRDs change, which `flux uninstall`'s order meets.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { KubeHttp } from "../src/arm/kube-http.js";
import type { Endpoints } from "../src/service.js";

describe("the local ARM's Kubernetes client", () => {
  let dir: string;
  let server: Server;
  let kube: KubeHttp;
  const answers: { status: number; body: unknown }[] = [];
  const seen: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      const a = answers.shift() ?? { status: 200, body: { kind: "Status", status: "Success" } };
      res.writeHead(a.status, { "content-type": "application/json" }).end(JSON.stringify(a.body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    dir = await mkdtemp(join(tmpdir(), "iac-kube-http-"));
    const port = (server.address() as AddressInfo).port;
    await writeFile(join(dir, "kubeconfig"), `apiVersion: v1\nclusters:\n- cluster:\n    server: http://127.0.0.1:${port}\n  name: local\nusers:\n- name: u\n  user:\n    token: t0ken\n`);
    await writeFile(join(dir, "ca.pem"), "not used over http\n");
    kube = new KubeHttp({ kubeconfig: join(dir, "kubeconfig"), ca: join(dir, "ca.pem"), kubernetes: "" } as unknown as Endpoints);
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it("retries 500 'storage is (re)initializing' and 429 until the apiserver answers, with the kubeconfig's token", async () => {
    seen.length = 0;
    answers.push({ status: 500, body: { kind: "Status", message: "storage is (re)initializing" } }, { status: 429, body: { kind: "Status", message: "too many requests" } });
    const r = await kube.call("GET", "/apis/source.toolkit.fluxcd.io/v1/gitrepositories");
    assert.equal(r.status, 200);
    assert.deepEqual(seen, Array(3).fill("GET /apis/source.toolkit.fluxcd.io/v1/gitrepositories Bearer t0ken"));
  });

  it("does not retry an answer that is final (404, 409, 422)", async () => {
    for (const status of [404, 409, 422]) {
      seen.length = 0;
      answers.push({ status, body: { kind: "Status", message: "final" } });
      const r = await kube.call("DELETE", "/api/v1/namespaces/flux-system");
      assert.equal(r.status, status);
      assert.equal(seen.length, 1, `${status} is asked once`);
    }
  });
});
