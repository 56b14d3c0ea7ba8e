/**
 * Which kubeconfig the provider uses under `--local` (IAC_LOCAL_ENDPOINTS set): the local cloud's,
 * unless the program gives one for the local cloud's own API (an AKS cluster's credentials read
 * from the local ARM), which is then used as given.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { resolveSettings } from "../src/settings.js";

let dir: string;
let env: Record<string, string>;
const SERVER = "https://127.0.0.1:4502";
const kubeconfig = (server: string, token: string) =>
  `apiVersion: v1\nkind: Config\nclusters:\n- name: aks\n  cluster:\n    server: ${server}\nusers:\n- name: u\n  user:\n    token: ${token}\ncontexts:\n- name: aks\n  context: { cluster: aks, user: u }\ncurrent-context: aks\n`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "iac-settings-"));
  await writeFile(join(dir, "kubeconfig"), kubeconfig(SERVER, "local-cloud-token"));
  await writeFile(join(dir, "endpoints.json"), JSON.stringify({ kubernetes: SERVER, git: "http://127.0.0.1:4503", ca: join(dir, "ca.pem"), kubeconfig: join(dir, "kubeconfig") }));
  env = { IAC_LOCAL_ENDPOINTS: join(dir, "endpoints.json") };
});
after(() => rm(dir, { recursive: true, force: true }));

test("under --local a kubeconfig for the local cloud's API is used as given", () => {
  const given = kubeconfig(`${SERVER}/`, "aks-user-token");
  const s = resolveSettings({ config: { kubeconfig: given }, env });
  assert.equal(s.kubeconfig, given);
  assert.equal(s.local?.kubernetes, SERVER);
});

test("under --local a kubeconfig of another cluster is ignored for the local cloud's", () => {
  const s = resolveSettings({ config: { kubeconfig: kubeconfig("https://aks-1234.hcp.westeurope.azmk8s.io:443", "real") }, env });
  assert.match(s.kubeconfig, /local-cloud-token/);
  assert.equal(s.source, "local cloud");
});

test("under --local a kubeconfig path is ignored (it names a real cluster's file)", () => {
  const s = resolveSettings({ config: { kubeconfig: "~/.kube/config" }, env });
  assert.equal(s.source, "local cloud");
});
