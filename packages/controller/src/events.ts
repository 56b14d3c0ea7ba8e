/**
 * Events for each update, in the two shapes Flux's controllers emit (fluxcd/pkg/runtime/events):
 *
 * - a Kubernetes `Event` (core/v1) on the Stack: `type` Normal or Warning, Flux's `reason`, the
 *   message, `source.component` / `reportingController` `iac-controller`, and the revision as the
 *   annotation `iac.dev/revision` (Flux's `<group>/revision`), so `kubectl events` and
 *   `flux events` show them;
 * - the same event as JSON POSTed to notification-controller's event address (`--events-addr`,
 *   e.g. `http://notification-controller.flux-system.svc.cluster.local./`): `involvedObject`,
 *   `severity` info|error, `timestamp`, `message`, `reason`, `metadata.revision`,
 *   `reportingController`, which an `Alert` forwards to a chat webhook.
 */
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { API_VERSION, GROUP, KIND, type StackObject } from "./spec.js";

export const CONTROLLER_NAME = "iac-controller";

export interface StackEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
  readonly revision?: string;
}

function involvedObject(stack: StackObject) {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: stack.metadata.name,
    namespace: stack.metadata.namespace ?? "default",
    ...(stack.metadata.uid ? { uid: stack.metadata.uid } : {}),
    ...(stack.metadata.resourceVersion ? { resourceVersion: stack.metadata.resourceVersion } : {}),
  };
}

/** The core/v1 Event for `event` on `stack`. */
export function kubernetesEvent(stack: StackObject, event: StackEvent, options: { readonly now: Date; readonly instance: string }) {
  const ns = stack.metadata.namespace ?? "default";
  const time = options.now.toISOString().replace(/\.\d+Z$/, "Z");
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: {
      // As client-go's recorder names them: <object>.<unique hex>.
      name: `${stack.metadata.name}.${randomBytes(8).toString("hex")}`,
      namespace: ns,
      ...(event.revision ? { annotations: { [`${GROUP}/revision`]: event.revision } } : {}),
    },
    involvedObject: involvedObject(stack),
    reason: event.reason,
    message: event.message,
    type: event.type,
    source: { component: CONTROLLER_NAME },
    reportingComponent: CONTROLLER_NAME,
    reportingInstance: options.instance,
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
}

/** The event as notification-controller's `/` endpoint takes it (fluxcd/pkg/apis/event v1beta1 Event). */
export function fluxEvent(stack: StackObject, event: StackEvent, options: { readonly now: Date }) {
  return {
    involvedObject: involvedObject(stack),
    severity: event.type === "Warning" ? "error" : "info",
    timestamp: options.now.toISOString().replace(/\.\d+Z$/, "Z"),
    message: event.message,
    reason: event.reason,
    ...(event.revision ? { metadata: { revision: event.revision } } : {}),
    reportingController: CONTROLLER_NAME,
  };
}

/** POSTs a Flux event to the notification-controller; a failure is returned, not thrown (events are best effort, as Flux's). */
export function postFluxEvent(address: string, body: unknown): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const text = JSON.stringify(body);
    let url: URL;
    try {
      url = new URL(address);
    } catch (e) {
      resolve(e as Error);
      return;
    }
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, { method: "POST", headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) }, timeout: 15_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode !== undefined && res.statusCode >= 400 ? new Error(`POST ${address}: ${res.statusCode}`) : undefined));
    });
    req.on("timeout", () => req.destroy(new Error(`POST ${address}: no answer in 15s`)));
    req.on("error", (e) => resolve(e));
    req.end(text);
  });
}
