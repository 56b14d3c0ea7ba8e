/**
 * The `scale` subresource of Deployments, ReplicaSets and StatefulSets (autoscaling/v1 Scale), as
 * `kubectl scale` uses it: a view of `spec.replicas` and the selector; writes go to the object.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { invalid, unsupportedMediaType } from "./errors.js";
import { mediaType, parseJson, readBody, sendJson } from "./http-util.js";
import { jsonPatch, mergePatch } from "./patch.js";
import type { StoreCore, Target } from "./store.js";
import { isPlainObject, type KubeObject } from "./types.js";

/** The `scale` subresource (autoscaling/v1 Scale) of a Deployment, ReplicaSet or StatefulSet, as `kubectl scale` uses it. */
export async function serveScale(o: { store: StoreCore; req: IncomingMessage; res: ServerResponse; rp: { target: Target; namespace: string | undefined }; name: string; method: string; q: URLSearchParams; fieldManager: string; dryRun: boolean }): Promise<void> {
  const { store, rp, name } = o;
  const view = (obj: KubeObject): Record<string, unknown> => {
    const spec = isPlainObject(obj["spec"]) ? obj["spec"] : {};
    const status = isPlainObject(obj["status"]) ? obj["status"] : {};
    const selector = isPlainObject(spec["selector"]) && isPlainObject(spec["selector"]["matchLabels"]) ? spec["selector"]["matchLabels"] : {};
    const m = obj.metadata;
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
      spec: { replicas: typeof spec["replicas"] === "number" ? spec["replicas"] : 1 },
      status: { replicas: typeof status["replicas"] === "number" ? status["replicas"] : 0, selector: Object.entries(selector).map(([k, v]) => `${k}=${String(v)}`).join(",") },
    };
  };
  const current = store.get(rp.target, rp.namespace, name);
  if (o.method === "GET") return sendJson(o.res, 200, view(current));
  const text = await readBody(o.req);
  let next: unknown;
  if (o.method === "PUT") next = parseJson(text, "Scale");
  else {
    const ctype = mediaType(o.req.headers["content-type"]);
    const before = view(current);
    if (ctype === "application/json-patch+json") next = jsonPatch(before, parseJson(text, "patch"));
    else if (ctype === "application/merge-patch+json" || ctype === "application/strategic-merge-patch+json") next = mergePatch(before, parseJson(text, "patch"));
    else throw unsupportedMediaType(ctype, ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"]);
  }
  const replicas = isPlainObject(next) && isPlainObject(next["spec"]) ? next["spec"]["replicas"] : undefined;
  if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
    throw invalid({ group: "autoscaling", kind: "Scale", name }, [{ type: "FieldValueInvalid", field: "spec.replicas", value: replicas ?? null, detail: "must be greater than or equal to 0" }]);
  }
  const result = store.patch(rp.target, rp.namespace, name, { type: "merge", body: { spec: { replicas } } }, { fieldManager: o.fieldManager, dryRun: o.dryRun });
  return sendJson(o.res, 200, view(result.object));
}
