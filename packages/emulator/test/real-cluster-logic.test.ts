// The real cluster's pure parts: which Deployments run which Flux controller, and which of their
// args survive when the supervisor runs the controller out of cluster. (The build and the running
// cluster are exercised by `npm run test:conformance`, which needs Go.)
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { COMPONENTS, FLUX_CONTROLLERS } from "../src/real/components.js";
import { controllerOfImage, keptArgs, supervisedArgs } from "../src/real/flux-supervisor.js";
import { describeBuildEvent } from "../src/real/serve.js";
import { kwokStages, UNPULLABLE_REGISTRY } from "../src/real/kwok-stages.js";
import { parseAllDocuments } from "yaml";

describe("real cluster: Flux supervisor rules", () => {
  it("maps a Flux controller image to its controller, and nothing else", () => {
    assert.equal(controllerOfImage("ghcr.io/fluxcd/source-controller:v1.9.1"), "source-controller");
    assert.equal(controllerOfImage("ghcr.io/fluxcd/kustomize-controller:v1.9.4@sha256:abc"), "kustomize-controller");
    assert.equal(controllerOfImage("registry.local:5000/mirror/fluxcd/helm-controller:v1.6.3"), "helm-controller");
    assert.equal(controllerOfImage("ghcr.io/fluxcd/image-reflector-controller:v1.2.0"), "image-reflector-controller");
    assert.equal(controllerOfImage("ghcr.io/fluxcd/image-automation-controller:v1.2.1"), "image-automation-controller");
    assert.equal(controllerOfImage("ghcr.io/fluxcd/source-watcher:v2.1.0"), undefined);
    assert.equal(controllerOfImage("nginx:1.27"), undefined);
    assert.equal(controllerOfImage("source-controller-fake"), undefined);
  });

  it("drops the address flags it sets itself and expands $(VAR) from the container env", () => {
    const args = [
      "--events-addr=http://notification-controller.$(RUNTIME_NAMESPACE).svc.cluster.local./",
      "--watch-all-namespaces=true",
      "--log-level=info",
      "--enable-leader-election",
      "--storage-path=/data",
      "--storage-adv-addr=source-controller.$(RUNTIME_NAMESPACE).svc.cluster.local.",
      "--requeue-dependency=5s",
      "--label=$(RUNTIME_NAMESPACE)-$(UNKNOWN)",
    ];
    assert.deepEqual(keptArgs(args, { RUNTIME_NAMESPACE: "flux-system" }), ["--watch-all-namespaces=true", "--log-level=info", "--requeue-dependency=5s", "--label=flux-system-$(UNKNOWN)"]);
  });

  it("gives the source and image-reflector controllers storage folders of their own, and every controller loopback addresses", () => {
    const o = { home: "/data/flux/flux-system-x", ports: { storage: 1001, events: 1002, receiver: 1003 }, healthPort: 1004 };
    const deployment = ["--events-addr=http://notification-controller.flux-system.svc.cluster.local./", "--watch-all-namespaces", "--log-level=info", "--enable-leader-election", "--storage-path=/data"];
    assert.deepEqual(supervisedArgs("image-reflector-controller", deployment, {}, o), [
      "--watch-all-namespaces", "--log-level=info",
      "--enable-leader-election=false", "--metrics-addr=0", "--health-addr=127.0.0.1:1004",
      "--storage-path=/data/flux/flux-system-x/data",
      "--events-addr=http://127.0.0.1:1002/",
    ]);
    const automation = supervisedArgs("image-automation-controller", deployment, {}, o);
    assert.ok(!automation.some((a) => a.startsWith("--storage-path")), "the automation controller keeps no storage");
    assert.ok(supervisedArgs("source-controller", deployment, {}, o).includes("--storage-adv-addr=127.0.0.1:1001"));
    assert.ok(supervisedArgs("notification-controller", deployment, {}, o).includes("--receiverAddr=127.0.0.1:1003"));
  });

  it("leaves a controller installed without the notification-controller (`--events-addr=`) without an event address", () => {
    const o = { home: "/data/flux/flux-system-x", ports: { storage: 1001, events: 1002, receiver: 1003 }, healthPort: 1004 };
    for (const deployment of [["--events-addr=", "--log-level=info"], ["--log-level=info"]]) {
      const args = supervisedArgs("source-controller", deployment, {}, o);
      assert.deepEqual(args.filter((a) => a.startsWith("--events-addr")), ["--events-addr="], deployment.join(" "));
    }
  });

  it("knows every controller image that Flux v2.9.4's manifests run (source, kustomize, helm, notification, image reflector and automation)", () => {
    const manifests = readFileSync(new URL("../../../../shared/reference/flux/install-v2.9.4.yaml", import.meta.url), "utf8");
    const images = [...manifests.matchAll(/image: (\S+)/g)].map((m) => m[1]!);
    const found = new Set(images.map(controllerOfImage).filter((c) => c !== undefined));
    assert.deepEqual([...found].sort(), [...FLUX_CONTROLLERS].sort());
    // The versions we build are the ones those images name.
    for (const image of images) {
      const controller = controllerOfImage(image);
      if (!controller) continue;
      const tag = image.split(":").pop();
      const component = COMPONENTS.find((c) => c.binaries.some((b) => b.name === controller));
      assert.ok(component, controller);
      // A version the Go proxy does not serve is built at the release before it, and says so.
      assert.equal(component.shipped?.version ?? component.upstream.split(" ")[1], tag, `${controller}: built ${component.upstream}, Flux v2.9.4 runs ${image}`);
    }
  });

  it("renders build progress as one line per event", () => {
    const component = COMPONENTS[0]!;
    assert.match(describeBuildEvent({ kind: "start", component, index: 1, total: 7 }), /^\[1\/7\] building etcd from go\.etcd\.io\/etcd\/server\/v3/);
    assert.match(describeBuildEvent({ kind: "progress", component, packages: 42, elapsedMs: 61_000 }), /etcd: 42 packages compiled, 61 s/);
  });
});

describe("real cluster: kwok's stages", () => {
  const defaults = [
    "apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\nmetadata: { name: node-initialize }\nspec: { resourceRef: { apiGroup: v1, kind: Node }, selector: { matchExpressions: [] }, next: {} }",
    "apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\nmetadata: { name: pod-ready }\nspec:\n  resourceRef: { apiGroup: v1, kind: Pod }\n  selector:\n    matchExpressions:\n    - { key: .status.phase, operator: In, values: [Pending] }\n  next: {}",
  ].join("\n---\n");

  it("keeps pods of an unpullable image out of pod-ready and gives them ImagePullBackOff instead", () => {
    const docs = parseAllDocuments(kwokStages(defaults)).map((d) => d.toJSON() as { metadata: { name: string }; spec: { selector: { matchExpressions: { key: string; operator: string; values?: string[] }[] }; next: { statusTemplate?: string } } });
    assert.deepEqual(docs.map((d) => d.metadata.name), ["node-initialize", "pod-ready", "pod-image-pull-backoff"]);
    const ready = docs[1]!.spec.selector.matchExpressions;
    assert.deepEqual(ready.at(-1), { key: `.spec.containers.[].image | startswith("${UNPULLABLE_REGISTRY}")`, operator: "NotIn", values: ["true"] });
    const backoff = docs[2]!.spec;
    assert.ok(backoff.selector.matchExpressions.some((e) => e.operator === "In" && e.key.includes(UNPULLABLE_REGISTRY)));
    assert.match(backoff.next.statusTemplate ?? "", /reason: ImagePullBackOff/);
    assert.match(backoff.next.statusTemplate ?? "", /phase: Pending/);
  });

  it("says what changed when kwok's defaults have no pod-ready stage", () => {
    assert.throws(() => kwokStages(defaults.split("---")[0]!), /no pod-ready stage/);
  });
});
