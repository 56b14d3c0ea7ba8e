/**
 * The emulated Kubernetes API through the real kubectl (1.32, gcloud dispatcher): the scenarios of
 * the recorded traces in /work/shared/reference/kubernetes/kubectl-traces, whose `.out` files
 * give the output kubectl printed against a probe server; this server must make it print the same,
 * except where the probe answered differently from a real apiserver (trace 01's namespace table,
 * see that test), where the real cluster's output is expected and the trace's requests are checked.
 * Skipped when /usr/bin/kubectl is absent.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startKubeCloud, type KubeCloud } from "./kube-helpers.js";

const KUBECTL = "/usr/bin/kubectl";
const skip = existsSync(KUBECTL) ? false : "kubectl not installed";
const TRACES = new URL("../../../../shared/reference/kubernetes/kubectl-traces/", import.meta.url);

interface Run {
  readonly stdout: string;
  readonly stderr: string;
  readonly rc: number;
}

/** The recorded output of a trace: its stdout/stderr lines, and the exit code from the `rc=` line. */
function trace(name: string): { text: string; rc: number } {
  const lines = readFileSync(new URL(`${name}.out`, TRACES), "utf8").split("\n");
  const rcLine = lines.findIndex((l) => l.startsWith("rc="));
  return { text: lines.slice(0, rcLine).join("\n"), rc: Number(lines[rcLine]!.slice(3)) };
}

/** The method and path of each request a trace's probe server received from kubectl itself. */
function traceRequests(name: string): string[] {
  return readFileSync(new URL(`${name}.requests`, TRACES), "utf8")
    .split("\n")
    .filter((l) => l.includes("| ua=kubectl/"))
    .map((l) => l.split(" | ")[0]!);
}

/** The method and path of each request kubectl logged at `-v=6` (`GET https://host:port/path 200 OK in 1 milliseconds`). */
function loggedRequests(stderr: string): string[] {
  return [...stderr.matchAll(/round_trippers\.go:\d+\] (\w+) https:\/\/[^/\s]+(\/\S*) \d{3} /g)].map((m) => `${m[1]} ${m[2]}`);
}

/** Whether `part` appears in `whole` in the same order (not necessarily contiguously). */
function isSubsequence(part: readonly string[], whole: readonly string[]): boolean {
  let i = 0;
  for (const w of whole) if (i < part.length && w === part[i]) i++;
  return i === part.length;
}

/** Rows laid out as kubectl's table printer does: every column but the last padded to its widest cell plus 3 spaces. */
function layout(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join("")).join("\n");
}

/** AGE cells depend on when the test runs; make them all 0s. */
function normalizeAges(text: string): string {
  return text.replace(/ +\d+[smhd](\d+[smh])?$/gm, (m) => m.replace(/\d+[smhd](\d+[smh])?$/, "0s"));
}

const NS_CM = `apiVersion: v1
kind: Namespace
metadata:
  name: demo
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  namespace: demo
data:
  a: "1"
`;

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
`;

const CR = `apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: demo}
spec: {size: 3}
`;

const DEPLOYMENT = (app: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${app}}}
  template:
    metadata: {labels: {app: ${app}}}
    spec:
      containers: [{name: web, image: "nginx:1"}]
`;

describe("the Kubernetes API through kubectl", { skip }, () => {
  let kube: KubeCloud;
  let home: string;

  const kubectl = (args: string[], stdin?: string): Promise<Run> =>
    new Promise((resolve) => {
      const child = execFile(KUBECTL, ["--kubeconfig", kube.kubeconfig, ...args], { env: { ...process.env, HOME: home, KUBECACHEDIR: join(home, "cache") }, timeout: 60_000 }, (err, stdout, stderr) => {
        const rc = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
        resolve({ stdout, stderr, rc });
      });
      if (stdin !== undefined) child.stdin?.end(stdin);
    });

  const file = (name: string, text: string) => {
    const p = join(home, name);
    writeFileSync(p, text);
    return p;
  };

  /** Compare a run with a trace's `.out` (stdout, or stderr for failures) and exit code. */
  const assertLikeTrace = (run: Run, name: string, normalize = (s: string) => s) => {
    const expected = trace(name);
    const printed = expected.rc === 0 ? run.stdout : run.stderr;
    assert.equal(normalize(printed.trimEnd()), normalize(expected.text.trimEnd()), `kubectl printed:\n${run.stdout}\n${run.stderr}`);
    assert.equal(run.rc, expected.rc);
  };

  before(async () => {
    // A namespace lingers Terminating briefly, so `kubectl delete ns` must wait on a watch (trace 08).
    kube = await startKubeCloud({ namespaceTerminationDelayMs: 300 });
    home = mkdtempSync(join(tmpdir(), "iac-kubectl-home-"));
  });
  after(async () => {
    await kube.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("lists the namespaces of trace 01 (get ns with a cold discovery cache) with the STATUS column of a real cluster", async () => {
    // Trace 01 was recorded against a logging stub whose Table had only NAME and AGE (the
    // apiserver's generic convertor). A real apiserver prints namespaces with the namespace
    // printer (pkg/printers/internalversion/printers.go: Name, Status, Age), so `kubectl get ns`
    // on a real cluster shows NAME STATUS AGE with `Active` namespaces: that is what a user of
    // the local cloud must see, so the expected output is the trace's rows in the real shape.
    // The trace still fixes what kubectl asks for: its requests here must be the trace's, in
    // order, ending with the same Table list; the stub answered only legacy discovery, so kubectl
    // also fetched each group-version there, which aggregated discovery (served here, as by a
    // real 1.32 server) makes unnecessary.
    const run = await kubectl(["get", "ns", "-v=6"]);
    assert.equal(run.rc, 0, run.stderr);
    const recorded = trace("01-get-ns-coldcache");
    const names = recorded.text.split("\n").slice(1).map((l) => l.split(/\s+/)[0]!);
    assert.deepEqual(names, ["default", "kube-system"]);
    assert.equal(normalizeAges(run.stdout.trimEnd()), layout([["NAME", "STATUS", "AGE"], ...names.map((n) => [n, "Active", "0s"])]));
    const expected = traceRequests("01-get-ns-coldcache");
    const made = loggedRequests(run.stderr);
    assert.ok(isSubsequence(made, expected), `kubectl's requests ${JSON.stringify(made)} are not the trace's ${JSON.stringify(expected)} in order`);
    assert.equal(made.at(-1), expected.at(-1));
    assert.equal(made.at(-1), "GET /api/v1/namespaces?limit=500");
  });

  it("reports the server version", async () => {
    const run = await kubectl(["version"]);
    assert.equal(run.rc, 0, run.stderr);
    assert.match(run.stdout, /Server Version: v1\.32\.\d+/);
  });

  it("server-side applies a Namespace and a ConfigMap with default validation as trace 02", async () => {
    assertLikeTrace(await kubectl(["apply", "--server-side", "-f", file("x.yaml", NS_CM)]), "02-apply-ssa-ns-cm");
  });

  it("server-side applies a CRD as trace 03 and a custom resource right after as trace 04", async () => {
    assertLikeTrace(await kubectl(["apply", "--server-side", "-f", file("crd.yaml", CRD)]), "03-apply-ssa-crd");
    assertLikeTrace(await kubectl(["apply", "--server-side", "-f", file("cr.yaml", CR)]), "04-apply-ssa-cr");
  });

  it("lists the custom resources as trace 05", async () => {
    assertLikeTrace(await kubectl(["get", "widgets", "-n", "demo"]), "05-get-cr", normalizeAges);
  });

  it("reports a missing object as trace 06", async () => {
    assertLikeTrace(await kubectl(["get", "cm", "nope", "-n", "demo"]), "06-get-missing");
  });

  it("waits for the CRD's Established condition as trace 09", async () => {
    assertLikeTrace(await kubectl(["wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=20s"]), "09-wait-crd");
  });

  it("shows the field manager's ownership in the applied object", async () => {
    const run = await kubectl(["get", "cm", "cfg", "-n", "demo", "-o", "json", "--show-managed-fields"]);
    const obj = JSON.parse(run.stdout);
    assert.deepEqual(obj.metadata.managedFields.map((e: any) => [e.manager, e.operation]), [["kubectl", "Apply"]]);
    assert.deepEqual(obj.metadata.managedFields[0].fieldsV1, { "f:data": { "f:a": {} } });
  });

  it("deletes a ConfigMap as trace 07 and a namespace (which lingers Terminating) as trace 08", async () => {
    assertLikeTrace(await kubectl(["delete", "cm", "cfg", "-n", "demo"]), "07-delete-cm");
    assertLikeTrace(await kubectl(["delete", "ns", "demo", "--timeout=30s"]), "08-delete-ns-terminating");
    const gone = await kubectl(["get", "ns", "demo"]);
    assert.equal(gone.rc, 1);
    assert.match(gone.stderr, /namespaces "demo" not found/);
  });

  it("applies without validation as trace 11", async () => {
    assertLikeTrace(await kubectl(["apply", "--server-side", "--validate=false", "-f", file("x.yaml", NS_CM)]), "11-apply-ssa-no-openapi-validate-false");
  });

  it("fails on a conflicting field manager, succeeds with --force-conflicts, and supports --dry-run=server", async () => {
    const first = await kubectl(["apply", "--server-side", "-f", "-"], DEPLOYMENT("web", 2));
    assert.equal(first.stdout.trim(), "deployment.apps/web serverside-applied");
    const conflict = await kubectl(["apply", "--server-side", "--field-manager=other", "-f", "-"], DEPLOYMENT("web", 3));
    assert.equal(conflict.rc, 1);
    assert.match(conflict.stderr, /^error: Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas$/m);
    assert.match(conflict.stderr, /--force-conflicts/);
    const forced = await kubectl(["apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", "-"], DEPLOYMENT("web", 3));
    assert.equal(forced.rc, 0, forced.stderr);
    const dry = await kubectl(["apply", "--server-side", "--field-manager=other", "--dry-run=server", "-f", "-"], DEPLOYMENT("web", 7));
    assert.equal(dry.stdout.trim(), "deployment.apps/web serverside-applied (server dry run)");
    const replicas = await kubectl(["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]);
    assert.equal(replicas.stdout, "3");
  });

  it("refuses a selector change with kubectl's rendering of the 422 Invalid Status", async () => {
    const run = await kubectl(["apply", "--server-side", "--force-conflicts", "-f", "-"], DEPLOYMENT("other", 3));
    assert.equal(run.rc, 1);
    assert.match(run.stderr, /The Deployment "web" is invalid: spec\.selector: Invalid value: .*: field is immutable/);
  });

  it("client-side applies built-ins and custom resources (strategic and JSON merge patches) without warnings", async () => {
    const ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: csa}\n";
    const cm = (v: string) => `${ns}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: csa}\ndata: {a: "${v}"}\n`;
    const first = await kubectl(["apply", "-f", "-"], cm("1"));
    assert.equal(first.stdout, "namespace/csa created\nconfigmap/c created\n", first.stderr);
    const second = await kubectl(["apply", "-f", "-"], cm("2"));
    assert.equal(second.stdout, "namespace/csa unchanged\nconfigmap/c configured\n");
    assert.equal(second.stderr, "");
    await kubectl(["apply", "--server-side", "-f", file("crd.yaml", CRD)]);
    const widget = (size: number) => `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w2, namespace: csa}\nspec: {size: ${size}}\n`;
    assert.equal((await kubectl(["apply", "-f", "-"], widget(1))).stdout, "widget.example.com/w2 created\n");
    const changed = await kubectl(["apply", "-f", "-"], widget(2));
    assert.equal(changed.stdout, "widget.example.com/w2 configured\n", changed.stderr);
    assert.equal(changed.stderr, "");
    assert.equal((await kubectl(["get", "widget", "w2", "-n", "csa", "-o", "jsonpath={.spec.size}"])).stdout, "2");
  });

  it("resolves short names and categories (get deploy, get all)", async () => {
    const run = await kubectl(["get", "all"]);
    assert.equal(run.rc, 0, run.stderr);
    assert.match(run.stdout, /^NAME +READY +UP-TO-DATE +AVAILABLE +AGE$/m);
    assert.match(run.stdout, /^deployment\.apps\/web +0\/3 +0 +0 +\d+s$/m);
  });

  it("prints the columns of a real server for deployments (-o wide too), services, configmaps, secrets, serviceaccounts and CRDs", async () => {
    const objects = `apiVersion: v1
kind: Namespace
metadata: {name: cols}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: cols}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: "nginx:1"}, {name: log, image: "busybox:1"}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: cols}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: cols}
data: {a: "1", b: "2"}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: cols}
stringData: {user: u}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: bot, namespace: cols}
`;
    const applied = await kubectl(["apply", "-f", "-"], objects);
    assert.equal(applied.rc, 0, applied.stderr);
    const get = async (...args: string[]) => {
      const run = await kubectl(["get", "-n", "cols", ...args]);
      assert.equal(run.rc, 0, run.stderr);
      return normalizeAges(run.stdout.trimEnd());
    };
    assert.equal(await get("deploy"), layout([["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], ["api", "0/2", "0", "0", "0s"]]));
    // -o wide shows the printer's priority-1 columns; AGE is mid-line there, so it is normalized by hand.
    const wide = (await get("deploy", "-o", "wide")).replace(/^(api +0\/2 +0 +0 +)\d+s/m, "$10s");
    assert.equal(wide, layout([["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"], ["api", "0/2", "0", "0", "0s", "api,log", "nginx:1,busybox:1", "app=api"]]));
    const svc = await get("svc");
    const ip = (await kubectl(["get", "-n", "cols", "svc", "api", "-o", "jsonpath={.spec.clusterIP}"])).stdout;
    assert.match(ip, /^10\.\d+\.\d+\.\d+$/);
    assert.equal(svc, layout([["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], ["api", "ClusterIP", ip, "<none>", "80/TCP", "0s"]]));
    assert.equal(await get("cm"), layout([["NAME", "DATA", "AGE"], ["settings", "2", "0s"]]));
    assert.equal(await get("secrets"), layout([["NAME", "TYPE", "DATA", "AGE"], ["creds", "Opaque", "1", "0s"]]));
    assert.equal(await get("sa"), layout([["NAME", "SECRETS", "AGE"], ["bot", "0", "0s"]]));
    const crds = await kubectl(["get", "crd", "widgets.example.com"]);
    assert.equal(crds.rc, 0, crds.stderr);
    assert.match(crds.stdout, /^NAME +CREATED AT\nwidgets\.example\.com +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
  });
});
