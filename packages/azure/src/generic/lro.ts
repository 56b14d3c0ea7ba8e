/**
 * Following an ARM long-running operation to its end, in every form ARM uses
 * (reference/notes/azure-arm.md §0.3; the ARM RPC "async operations" rules):
 *
 * - `Azure-AsyncOperation` (on 200/201/202): poll it until `status` is Succeeded, Failed or
 *   Canceled; a failure carries `error.code`/`error.message`. The result of a PUT/PATCH is then the
 *   resource (GET); of a POST, the `Location` answer when there is one.
 * - `Location` (on 202): poll it while it answers 202; its final answer is the result (POST) or
 *   the signal to read the resource (PUT/PATCH). The storage provider answers the last poll of a
 *   FAILED creation with **200** and `{"status":"Failed","error":{...}}` (the SDK takes it for
 *   success: Azure/azure-rest-api-specs#18844): that body is a failure here.
 * - neither (200/201): a PUT/PATCH whose body's `provisioningState` is not terminal yet is polled
 *   with GET until it is. A final `provisioningState: Failed` is a failure.
 *
 * Polls wait the answer's Retry-After, else the configured interval, and stop when the call's
 * signal (custom timeout, interrupt) aborts.
 */
import { failedOperationOf } from "../failed-operation-policy.js";
import { ArmCallError, armErrorOf, type ArmAnswer } from "./transport.js";
import { setTimeout as sleep } from "node:timers/promises";

/** How to poll. `send` answers any status (it does not throw on 4xx). */
export interface LroOptions {
  readonly send: (url: string) => Promise<ArmAnswer>;
  readonly intervalMs: number;
  readonly signal?: AbortSignal;
}

const TERMINAL = /^(succeeded|failed|canceled|cancelled)$/i;
const SUCCEEDED = /^succeeded$/i;

function header(a: ArmAnswer, name: string): string | undefined {
  for (const [k, v] of Object.entries(a.headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

function provisioningStateOf(body: unknown): string | undefined {
  const props = (body as { properties?: { provisioningState?: unknown } } | undefined)?.properties;
  return typeof props?.provisioningState === "string" ? props.provisioningState : undefined;
}

/** The wait before the next poll: the answer's Retry-After when it names one, else the interval. */
function delayOf(a: ArmAnswer, intervalMs: number): number {
  const v = header(a, "retry-after");
  const seconds = v === undefined ? NaN : Number(v);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : intervalMs;
}

async function get(url: string, o: LroOptions): Promise<ArmAnswer> {
  const a = await o.send(url);
  if (a.status >= 400) throw armErrorOf(a.status, a.body);
  return a;
}

/** A failure of the operation itself (its status body), with the cloud's code and message. */
function operationFailed(body: unknown, state: string): ArmCallError {
  const e = armErrorOf(undefined, body);
  return e.code === "OperationFailed" && !(body as { error?: unknown } | undefined)?.error
    ? new ArmCallError({ code: state === "Canceled" || state === "Cancelled" ? "OperationCanceled" : "OperationFailed", message: `the operation ended in status ${state}` })
    : e;
}

/** Polls an Azure-AsyncOperation URL to its end; throws the operation's error when it failed. */
async function pollAsyncOperation(url: string, first: ArmAnswer, o: LroOptions): Promise<void> {
  let wait = delayOf(first, o.intervalMs);
  for (;;) {
    await sleep(wait, undefined, { signal: o.signal });
    const a = await get(url, o);
    const status = (a.body as { status?: unknown } | undefined)?.status;
    if (typeof status === "string" && TERMINAL.test(status)) {
      if (SUCCEEDED.test(status)) return;
      throw operationFailed(a.body, status);
    }
    wait = delayOf(a, o.intervalMs);
  }
}

/** Polls a Location URL while it answers 202; the final answer (a 404 ends a deletion). */
async function pollLocation(url: string, first: ArmAnswer, o: LroOptions, method: string): Promise<ArmAnswer> {
  let wait = delayOf(first, o.intervalMs);
  for (;;) {
    await sleep(wait, undefined, { signal: o.signal });
    const a = await o.send(url);
    if (a.status === 202) {
      wait = delayOf(a, o.intervalMs);
      continue;
    }
    if (a.status === 404 && method === "DELETE") return a;
    if (a.status >= 400) throw armErrorOf(a.status, a.body);
    const failure = failedOperationOf(a.body);
    if (failure) throw new ArmCallError({ code: failure.code, message: failure.message });
    return a;
  }
}

/** Polls a resource with GET until its provisioningState is terminal; throws when it is Failed or Canceled. */
async function pollResource(url: string, first: ArmAnswer, o: LroOptions): Promise<unknown> {
  let answer = first;
  for (;;) {
    const state = provisioningStateOf(answer.body);
    if (state === undefined || TERMINAL.test(state)) {
      if (state !== undefined && !SUCCEEDED.test(state)) {
        throw new ArmCallError({ code: "ProvisioningFailed", message: `the resource ended in provisioningState ${state}` });
      }
      return answer.body;
    }
    await sleep(delayOf(answer, o.intervalMs), undefined, { signal: o.signal });
    answer = await get(url, o);
  }
}

/**
 * The result of the call whose first answer is `first`: the resource (PUT/PATCH), nothing (DELETE),
 * the function's answer (POST), once every long-running operation has ended.
 */
export async function followOperation(first: ArmAnswer, o: LroOptions & { readonly method: "PUT" | "PATCH" | "DELETE" | "POST"; readonly resourceUrl: string }): Promise<unknown> {
  const asyncUrl = header(first, "azure-asyncoperation");
  const location = header(first, "location");
  const writesResource = o.method === "PUT" || o.method === "PATCH";
  if (asyncUrl !== undefined && (first.status === 201 || first.status === 202 || !TERMINAL.test(provisioningStateOf(first.body) ?? "Succeeded"))) {
    await pollAsyncOperation(asyncUrl, first, o);
    if (writesResource) return pollResource(o.resourceUrl, await get(o.resourceUrl, o), o);
    if (o.method === "POST" && location !== undefined) return (await pollLocation(location, first, o, o.method)).body;
    return undefined;
  }
  if (location !== undefined && first.status === 202) {
    const final = await pollLocation(location, first, o, o.method);
    if (writesResource) return pollResource(o.resourceUrl, await get(o.resourceUrl, o), o);
    return o.method === "POST" ? final.body : undefined;
  }
  if (writesResource) return pollResource(o.resourceUrl, first, o);
  return o.method === "DELETE" ? undefined : first.body;
}
