import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { get } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parse } from "yaml";
import { startLocalCloud } from "../src/server.js";
import type { Service, ServiceFactory, ServiceName } from "../src/service.js";

function echo(name: ServiceName, seen: string[] = []): ServiceFactory {
  return (ctx): Service => ({
    name,
    handle(_req: IncomingMessage, res: ServerResponse) {
      res.end(JSON.stringify({ name, dataDir: ctx.dataDir, others: ctx.service(name === "arm" ? "kubernetes" : "arm")?.name ?? null }));
    },
    start() {
      seen.push(`start ${name}`);
    },
    async close() {
      seen.push(`close ${name}`);
    },
  });
}

function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca, agent: false }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString("utf8")));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}

describe("starting the local cloud's server", () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("serves each service over HTTPS trusted through its CA, writes endpoints.json and a kubeconfig, and runs start/close", async () => {
    const dir = await mkdtemp(join(tmpdir(), "iac-server-"));
    dirs.push(dir);
    const seen: string[] = [];
    const cloud = await startLocalCloud({ dataDir: dir, services: { arm: echo("arm", seen), kubernetes: echo("kubernetes", seen) } });
    try {
      const ca = readFileSync(cloud.endpoints.ca, "utf8");
      const endpoints = JSON.parse(readFileSync(join(dir, "endpoints.json"), "utf8"));
      assert.deepEqual(endpoints, cloud.endpoints);
      assert.equal(endpoints.git, "", "no git service, no git endpoint");
      const arm = JSON.parse((await httpsGet(`${cloud.endpoints.arm}/x`, ca)).body);
      assert.deepEqual(arm, { name: "arm", dataDir: join(dir, "arm"), others: "kubernetes" });
      const kubeconfig = parse(readFileSync(cloud.endpoints.kubeconfig, "utf8"));
      assert.equal(kubeconfig.clusters[0].cluster.server, cloud.endpoints.kubernetes);
      assert.equal(Buffer.from(kubeconfig.clusters[0].cluster["certificate-authority-data"], "base64").toString("utf8"), ca);
      assert.deepEqual(seen, ["start arm", "start kubernetes"]);
    } finally {
      await cloud.close();
    }
    assert.deepEqual(seen.slice(2), ["close arm", "close kubernetes"]);
    await assert.rejects(httpsGet(`${cloud.endpoints.arm}/x`, readFileSync(cloud.endpoints.ca, "utf8")), /ECONNREFUSED/);
  });

  it("adds the endpoints its services serve besides their port, and those set after it started, for its services and in endpoints.json", async () => {
    const dir = await mkdtemp(join(tmpdir(), "iac-server-"));
    dirs.push(dir);
    let ctxOfArm: Parameters<ServiceFactory>[0] | undefined;
    const arm: ServiceFactory = (ctx) => {
      ctxOfArm = ctx;
      return { name: "arm", handle: (_req, res) => void res.end() };
    };
    // A service serving a second endpoint once started (as the emulated notification-controller's webhook receiver).
    const kube: ServiceFactory = (ctx) => ({ ...echo("kubernetes")(ctx), endpoints: async () => ({ fluxWebhooks: "http://127.0.0.1:1234" }) }) as Service;
    const cloud = await startLocalCloud({ dataDir: dir, services: { arm, kubernetes: kube } });
    try {
      const file = () => JSON.parse(readFileSync(join(dir, "endpoints.json"), "utf8")) as Record<string, string>;
      assert.equal(file()["fluxWebhooks"], "http://127.0.0.1:1234");
      assert.equal(ctxOfArm!.endpoints().fluxWebhooks, "http://127.0.0.1:1234");
      // --kubernetes=real: the real cluster starts after ARM; ARM learns its address.
      const now = cloud.setEndpoints({ kubernetes: "https://127.0.0.1:9999" });
      assert.equal(now.kubernetes, "https://127.0.0.1:9999");
      assert.equal(ctxOfArm!.endpoints().kubernetes, "https://127.0.0.1:9999");
      assert.equal(file()["kubernetes"], "https://127.0.0.1:9999");
      assert.equal(file()["arm"], cloud.endpoints.arm);
    } finally {
      await cloud.close();
    }
  });

  it("keeps its CA across restarts so clients keep trusting it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "iac-server-"));
    dirs.push(dir);
    const first = await startLocalCloud({ dataDir: dir, services: { arm: echo("arm") } });
    const ca = readFileSync(first.endpoints.ca, "utf8");
    await first.close();
    const second = await startLocalCloud({ dataDir: dir, services: { arm: echo("arm") } });
    try {
      assert.equal(readFileSync(second.endpoints.ca, "utf8"), ca);
      assert.equal((await httpsGet(`${second.endpoints.arm}/x`, ca)).status, 200);
    } finally {
      await second.close();
    }
  });

  it("refuses to start when a port is taken and leaves no service listening", async () => {
    const dir = await mkdtemp(join(tmpdir(), "iac-server-"));
    dirs.push(dir);
    const blocker = await startLocalCloud({ dataDir: dir, services: { kubernetes: echo("kubernetes") } });
    const kubePort = Number(new URL(blocker.endpoints.kubernetes).port);
    try {
      await assert.rejects(startLocalCloud({ dataDir: join(dir, "b"), port: kubePort - 1, services: { arm: echo("arm"), kubernetes: echo("kubernetes") } }), { code: "EADDRINUSE" });
      // The ARM port the failed start had bound is free again.
      const again = await startLocalCloud({ dataDir: join(dir, "c"), port: kubePort - 1, services: { arm: echo("arm") } });
      await again.close();
    } finally {
      await blocker.close();
    }
  });
});
