/** `kubectl auth can-i`: SelfSubjectAccessReview, answered as the local cloud authorizes (everything). */
import type { IncomingMessage } from "node:http";
import { mediaType, parseJson, readBody, readRawBody } from "./http-util.js";
import { decodeProtobufObject, PROTOBUF } from "./protobuf.js";
import { isPlainObject } from "./types.js";

/**
 * `kubectl auth can-i`: the local cloud enforces no RBAC (any token is accepted), so every review
 * is allowed, as for a cluster admin; the review is echoed back with its status.
 */
export async function selfSubjectAccessReview(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = mediaType(req.headers["content-type"]) === PROTOBUF ? decodeProtobufObject(await readRawBody(req)) : parseJson(await readBody(req), "SelfSubjectAccessReview");
  const spec = isPlainObject(body) && isPlainObject(body["spec"]) ? body["spec"] : {};
  return {
    kind: "SelfSubjectAccessReview",
    apiVersion: "authorization.k8s.io/v1",
    metadata: { creationTimestamp: null },
    spec,
    status: { allowed: true, reason: "the local cloud enforces no RBAC: every request of any token is allowed" },
  };
}
