/**
 * `iac console` without a browser: the token (a request without it is refused, a wrong Host too),
 * the JSON API read through the backend (stacks, updates newest first and filtered, one update's
 * changes with property diffs, resources, graph), secrets absent from every response unless
 * --show-secrets, the history's new fields (changes, git commit, version), `iac up` printing the
 * link to the update's page, and the live stream of a running up.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { request } from "node:http";
import { TestProject, show } from "./cli-fixture.js";
import { get, program, SECRET, startConsole, type RunningConsole } from "./console-fixture.js";

let project: TestProject;
let consoleRun: RunningConsole;

before(async () => {
  project = await TestProject.create({ name: "consoletest", files: { "index.ts": program("two") } });
  const up1 = await project.run(["up", "--yes"]);
  assert.equal(up1.code, 0, show(up1));
  await project.write({ "index.ts": program("three") });
  const up2 = await project.run(["up", "--yes"]);
  assert.equal(up2.code, 0, show(up2));
  await project.write({ "index.ts": `${program("three")}\nthrow new Error("failed on purpose");\n` });
  const up3 = await project.run(["up", "--yes"]);
  assert.equal(up3.code, 1, show(up3));
  await project.write({ "index.ts": program("three") });
  consoleRun = await startConsole(project);
});
after(async () => {
  await consoleRun?.stop();
  await project?.remove();
});

const auth = () => ({ Authorization: `Bearer ${consoleRun.token}` });
async function api<T>(path: string): Promise<T> {
  const r = await get(`${consoleRun.url}${path.replace(/^\//, "")}`, auth());
  assert.equal(r.status, 200, `${path}: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as T;
}

test("it listens on loopback only and refuses requests without the token or with another Host", async () => {
  assert.match(consoleRun.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  for (const path of ["", "api/stacks", "api/stacks/dev/resources", "assets/console.js", "api/stacks/dev/live"]) {
    const r = await get(`${consoleRun.url}${path}`);
    assert.equal(r.status, 401, `${path} without a token: ${r.body}`);
    assert.match(r.body, /token/);
    const wrong = await get(`${consoleRun.url}${path}`, { Authorization: "Bearer not-the-token" });
    assert.equal(wrong.status, 401, path);
  }
  const rebound = await get(`${consoleRun.url}api/stacks`, { ...auth(), Host: `evil.example:${new URL(consoleRun.url).port}` });
  assert.equal(rebound.status, 403, rebound.body);
});

test("the token in the URL becomes an HttpOnly cookie and leaves the address", async () => {
  const r = await get(consoleRun.loginUrl);
  assert.equal(r.status, 303);
  assert.equal(r.headers.location, "/");
  const cookie = String(r.headers["set-cookie"]);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const page = await get(consoleRun.url, { Cookie: cookie.split(";")[0] });
  assert.equal(page.status, 200);
  assert.match(page.body, /<script type="module" src="\/assets\/console.js">/);
  assert.match(String(page.headers["content-security-policy"]), /default-src 'none'/);
  const js = await get(`${consoleRun.url}assets/console.js`, { Cookie: cookie.split(";")[0] });
  assert.equal(js.status, 200);
  assert.doesNotMatch(js.body, /https?:\/\/(?!portal\.azure\.com|www\.w3\.org)[a-z]/i, "the bundle names no other host to load from");
});

interface Update {
  id: string;
  operation: string;
  result: string;
  counts: Record<string, number>;
  gitCommit?: string;
  iacVersion: string;
  user?: string;
  host: string;
  changes?: { urn: string; name: string; kind: string; status: string; diffs?: { path: string; kind: string; replace: boolean }[]; olds?: Record<string, unknown>; news?: Record<string, unknown> }[];
  diagnostics: { severity: string; message: string }[];
}

test("stacks: the last update, its counts and the outputs, secrets masked", async () => {
  const stacks = await api<{ name: string; resourceCount: number; last?: Update; outputs: Record<string, unknown> }[]>("/api/stacks");
  assert.deepEqual(stacks.map((s) => s.name), ["dev"]);
  const [dev] = stacks;
  assert.equal(dev.resourceCount, 4);
  assert.equal(dev.last?.result, "failed");
  assert.equal(dev.outputs.password, "[secret]");
  assert.equal(dev.outputs.value, "one");
});

test("updates newest first, filtered by result; an update's changes carry the property diff as preview shows it", async () => {
  const all = await api<Update[]>("/api/stacks/dev/updates");
  assert.deepEqual(all.map((u) => u.result), ["failed", "succeeded", "succeeded"]);
  const failed = await api<Update[]>("/api/stacks/dev/updates?result=failed");
  assert.deepEqual(failed.map((u) => u.id), [all[0].id]);

  const second = await api<Update>(`/api/stacks/dev/updates/${encodeURIComponent(all[1].id)}`);
  assert.equal(second.counts.update, 1);
  const changes = second.changes ?? [];
  assert.equal(changes.length, 1, JSON.stringify(changes));
  assert.equal(changes[0].name, "other");
  assert.equal(changes[0].kind, "update");
  assert.equal(changes[0].status, "done");
  assert.deepEqual(changes[0].diffs, [{ path: "value", kind: "update", replace: false }]);
  assert.equal(changes[0].olds?.value, "two");
  assert.equal(changes[0].news?.value, "three");

  const first = await api<Update>(`/api/stacks/dev/updates/${encodeURIComponent(all[2].id)}`);
  assert.deepEqual(first.changes?.map((c) => `${c.kind} ${c.name}`).sort(), ["create first", "create group", "create other", "create second"]);

  const broken = await api<Update>(`/api/stacks/dev/updates/${encodeURIComponent(all[0].id)}`);
  assert.ok(broken.diagnostics.some((d) => d.severity === "error" && /failed on purpose/.test(d.message)), JSON.stringify(broken.diagnostics));

  // Who ran it, from which commit (the test project lies inside this repository's work tree), with which iac.
  const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: project.dir, encoding: "utf8" }).trim();
  assert.equal(second.gitCommit, head);
  assert.equal(second.iacVersion, "0.1.0");
  assert.ok(second.host.length > 0);

  const missing = await get(`${consoleRun.url}api/stacks/dev/updates/nope`, auth());
  assert.equal(missing.status, 404);
  assert.match(missing.body, /no recorded update nope/);
});

test("resources and graph follow the state; a resource's inputs and outputs are masked", async () => {
  const rows = await api<{ urn: string; name: string; type: string; parent?: string; status: string; provider: string; dependencies: string[] }[]>("/api/stacks/dev/resources");
  assert.deepEqual(rows.map((r) => r.name).sort(), ["first", "group", "other", "second"]);
  assert.ok(rows.every((r) => r.status === "ok"));
  const graph = await api<{ nodes: { urn: string; group: boolean; parent?: string }[]; edges: { from: string; to: string }[] }>("/api/stacks/dev/graph");
  assert.equal(graph.nodes.length, 4);
  assert.deepEqual(graph.nodes.filter((n) => n.group).map((n) => n.urn.split("::").pop()), ["group"]);
  const name = (urn: string) => urn.split("::").pop();
  assert.deepEqual(graph.edges.map((e) => `${name(e.from)} -> ${name(e.to)}`).sort(), ["other -> first", "second -> first"]);
  const second = rows.find((r) => r.name === "second")!;
  const detail = await api<{ inputs: Record<string, unknown>; outputs: Record<string, unknown> }>(`/api/stacks/dev/resources?urn=${encodeURIComponent(second.urn)}`);
  assert.equal(detail.inputs.password, "[secret]");
  assert.equal(detail.outputs.password, "[secret]");
});

test("no response holds a secret unless --show-secrets; with it the page may reveal it", async () => {
  const rows = await api<{ urn: string }[]>("/api/stacks/dev/resources");
  const updates = await api<Update[]>("/api/stacks/dev/updates");
  const paths = ["/api/info", "/api/stacks", "/api/stacks/dev/updates", "/api/stacks/dev/graph", "/api/stacks/dev/resources", ...updates.map((u) => `/api/stacks/dev/updates/${encodeURIComponent(u.id)}`), ...rows.map((r) => `/api/stacks/dev/resources?urn=${encodeURIComponent(r.urn)}`)];
  for (const path of paths) {
    const r = await get(`${consoleRun.url}${path.slice(1)}`, auth());
    assert.equal(r.status, 200, path);
    assert.ok(!r.body.includes(SECRET), `${path} holds the secret`);
  }
  const revealing = await startConsole(project, ["--show-secrets"]);
  try {
    const second = rows.find((r) => r.urn.endsWith("::second"))!;
    const r = await get(`${revealing.url}api/stacks/dev/resources?urn=${encodeURIComponent(second.urn)}`, { Authorization: `Bearer ${revealing.token}` });
    assert.equal(JSON.parse(r.body).inputs.password, SECRET);
    const s = await get(`${revealing.url}api/stacks`, { Authorization: `Bearer ${revealing.token}` });
    assert.equal(JSON.parse(s.body)[0].outputs.password, SECRET);
  } finally {
    await revealing.stop();
  }
});

/** Read Server-Sent Events from the live stream until `until` says stop. */
function liveEvents(path: string, until: (events: { event: string; data: any }[]) => boolean): { done: Promise<{ event: string; data: any }[]>; close: () => void } {
  const events: { event: string; data: any }[] = [];
  let close = () => undefined as void;
  const done = new Promise<{ event: string; data: any }[]>((resolve, reject) => {
    const req = request(`${consoleRun.url}${path}`, { headers: auth() }, (res) => {
      let buffer = "";
      res.setEncoding("utf8").on("data", (d: string) => {
        buffer += d;
        let i: number;
        while ((i = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev !== undefined && data !== undefined) events.push({ event: ev, data: JSON.parse(data) });
          if (until(events)) {
            req.destroy();
            resolve(events);
          }
        }
      });
      res.on("error", () => resolve(events));
    });
    req.on("error", (e) => (until(events) ? resolve(events) : reject(e)));
    close = () => req.destroy();
    req.end();
  });
  return { done, close };
}

test("the live stream shows a running up resource by resource; up prints the link to its page", async () => {
  const stream = liveEvents("api/stacks/dev/live", (events) => events.some((e) => e.event === "finished"));
  // Wait for the initial status, then start an up that creates three slow resources.
  await new Promise((r) => setTimeout(r, 800));
  await project.write({ "index.ts": program("four", { extra: 3, delayMs: 400 }) });
  const up = await project.run(["up", "--yes"]);
  assert.equal(up.code, 0, show(up));
  const events = await Promise.race([stream.done, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no finished event")), 60_000))]);
  stream.close();
  const kinds = events.map((e) => (e.event === "resource" ? `${e.event}:${e.data.change}:${e.data.name}` : e.event === "status" ? `status:${e.data.running}` : e.event));
  assert.equal(kinds[0], "pending", kinds.join(" "));
  assert.ok(kinds.includes("status:true"), kinds.join(" "));
  for (const n of ["extra0", "extra1", "extra2"]) assert.ok(kinds.includes(`resource:created:${n}`), `${n} created: ${kinds.join(" ")}`);
  assert.ok(kinds.includes("resource:updated:other"), kinds.join(" "));
  assert.ok(kinds.indexOf("status:true") < kinds.indexOf("resource:created:extra0"));
  const finished = events.find((e) => e.event === "finished")!;
  assert.equal(finished.data.update.result, "succeeded");
  assert.equal(finished.data.update.counts.create, 3);

  // The up found the running console and printed the page of the update it recorded.
  const link = /View this up in iac console: (\S+)/.exec(up.stderr)?.[1];
  assert.ok(link !== undefined, show(up));
  assert.ok(link.startsWith(`${consoleRun.url}?token=${consoleRun.token}#/stacks/dev/updates/`), link);
  const id = decodeURIComponent(link.slice(link.lastIndexOf("/") + 1));
  assert.equal(id, finished.data.update.id);
});
