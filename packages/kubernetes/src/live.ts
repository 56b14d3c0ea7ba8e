/**
 * Turning live objects into outputs and refreshed inputs. Outputs are the live object without
 * `managedFields` (noise, and large). Refreshed inputs project the live object onto the shape of
 * what was applied: a field the program set and someone changed on the cluster shows its live value,
 * so the next diff reports it and the next `up` puts it back (drift correction); fields the API
 * server added (defaults, status) are left out, because iac never set them.
 */
import type { PropertyMap, PropertyValue } from "@iac/sdk/provider";
import type { LiveObject } from "./client.js";

/** Server-set metadata that never belongs in inputs. */
const SERVER_METADATA = ["managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "ownerReferences"];

/** The live object as outputs. */
export function outputsOf(live: LiveObject): PropertyMap {
  const { managedFields: _m, ...metadata } = live.metadata as Record<string, PropertyValue>;
  return { ...(live as unknown as PropertyMap), metadata };
}

function isMap(v: unknown): v is Record<string, PropertyValue> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * `live` restricted to the paths present in `desired`. A missing live value drops the path; a
 * list takes the live list's items at the desired indices (lists of different lengths show as a change).
 */
export function project(desired: PropertyValue | undefined, live: PropertyValue | undefined): PropertyValue | undefined {
  if (live === undefined) return undefined;
  if (isMap(desired) && isMap(live)) {
    const out: Record<string, PropertyValue> = {};
    for (const k of Object.keys(desired)) {
      const v = project(desired[k], live[k]);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  if (Array.isArray(desired) && Array.isArray(live)) {
    return live.map((item, i) => (i < desired.length ? (project(desired[i], item) ?? item) : item));
  }
  return live;
}

/**
 * Inputs for an object found on the cluster with nothing applied before (`import`): the live object
 * without status and server-set metadata.
 */
export function inputsFromLive(live: LiveObject): PropertyMap {
  const { status: _s, ...rest } = live as unknown as Record<string, PropertyValue>;
  const metadata = { ...(live.metadata as Record<string, PropertyValue>) };
  for (const k of SERVER_METADATA) delete metadata[k];
  const annotations = metadata.annotations;
  if (isMap(annotations)) {
    // kubectl's client-side apply bookkeeping is not the user's intent.
    const { "kubectl.kubernetes.io/last-applied-configuration": _l, ...others } = annotations;
    if (Object.keys(others).length > 0) metadata.annotations = others;
    else delete metadata.annotations;
  }
  return { ...rest, metadata };
}
