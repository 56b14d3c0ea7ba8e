/**
 * `coordination.k8s.io/v1` Lease, as kube-apiserver v1.36 serves it (pkg/registry/coordination/lease,
 * pkg/apis/coordination/validation): its MicroTime fields (`acquireTime`, `renewTime`) decoded as
 * Go's `time.Parse(RFC3339Micro)` decodes them (exactly six fractional digits, a zone) and written
 * back in UTC; the spec validation (`leaseDurationSeconds` > 0, `leaseTransitions` >= 0,
 * `preferredHolder` only with `strategy`); `strategy` and `preferredHolder` dropped as the
 * CoordinatedLeaderElection feature gate (off by default) drops them. The registry's two rules
 * (create on PUT, no PUT without `resourceVersion`) are in store.ts.
 */
import type { FieldError } from "./errors.js";
import { isPlainObject, type KubeObject, type ResourceType } from "./types.js";

export const isLease = (type: Pick<ResourceType, "group" | "kind">): boolean => type.group === "coordination.k8s.io" && type.kind === "Lease";

const MICRO_TIME_FIELDS = ["acquireTime", "renewTime"] as const;
const LAYOUT = "2006-01-02T15:04:05.000000Z07:00";
const RFC3339_MICRO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})(Z|[+-]\d{2}:\d{2})$/;

/**
 * Go's error for a string `time.Parse` refuses with the RFC3339Micro layout, for the common shapes
 * (no or too few fractional digits, too many, not a time at all).
 */
function parseError(s: string): string {
  const head = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.exec(s);
  let why: string;
  if (head === null) why = `cannot parse "${s}" as "2006"`;
  else {
    const rest = s.slice(head[0].length);
    const frac = /^\.(\d*)/.exec(rest);
    if (frac === null || frac[1]!.length < 6) why = `cannot parse "${rest}" as ".000000"`;
    else why = `cannot parse "${rest.slice(7)}" as "Z07:00"`;
  }
  return `parsing time "${s}" as "${LAYOUT}": ${why}`;
}

/** The instant of a valid MicroTime string, re-written in UTC as the apiserver returns it. */
function normalized(s: string): string | undefined {
  const m = RFC3339_MICRO.exec(s);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, sec, micro, zone] = m;
  const offsetMin = zone === "Z" ? 0 : (zone!.startsWith("-") ? -1 : 1) * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6)));
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec)) - offsetMin * 60_000;
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, `.${micro}Z`);
}

/**
 * The decoding error (400) of a Lease's MicroTime field, or undefined; valid ones are re-written
 * in UTC in place, nulls dropped (a nil pointer, omitted).
 */
export function leaseDecode(obj: KubeObject): string | undefined {
  const spec = obj["spec"];
  if (!isPlainObject(spec)) return undefined;
  for (const f of MICRO_TIME_FIELDS) {
    const v = spec[f];
    if (v === null) {
      delete spec[f];
      continue;
    }
    if (typeof v !== "string") continue; // a wrong JSON type is builtin-schema's decoding error
    const n = normalized(v);
    if (n === undefined) return parseError(v);
    spec[f] = n;
  }
  return undefined;
}

/** Create and update: what the registry's PrepareForCreate/Update drop while CoordinatedLeaderElection is off. */
export function leasePrepare(obj: KubeObject, old: KubeObject | undefined): void {
  const spec = obj["spec"];
  if (!isPlainObject(spec)) return;
  const oldSpec = old !== undefined && isPlainObject(old["spec"]) ? old["spec"] : {};
  if (oldSpec["strategy"] === undefined) delete spec["strategy"];
  if (oldSpec["preferredHolder"] === undefined) delete spec["preferredHolder"];
}

/** ValidateLeaseSpec. */
export function leaseErrors(obj: KubeObject): FieldError[] {
  const spec = obj["spec"];
  if (!isPlainObject(spec)) return [];
  const out: FieldError[] = [];
  const duration = spec["leaseDurationSeconds"];
  if (typeof duration === "number" && duration <= 0) out.push({ type: "FieldValueInvalid", field: "spec.leaseDurationSeconds", value: duration, detail: "must be greater than 0" });
  const transitions = spec["leaseTransitions"];
  if (typeof transitions === "number" && transitions < 0) out.push({ type: "FieldValueInvalid", field: "spec.leaseTransitions", value: transitions, detail: "must be greater than or equal to 0" });
  const strategy = spec["strategy"];
  if (strategy !== undefined && strategy !== null && strategy !== "OldestEmulationVersion") {
    out.push({ type: "FieldValueNotSupported", field: "spec.strategy", value: strategy, detail: 'supported values: "OldestEmulationVersion"' });
  }
  const preferred = spec["preferredHolder"];
  if (typeof preferred === "string" && preferred !== "" && (typeof strategy !== "string" || strategy === "")) {
    out.push({ type: "FieldValueForbidden", field: "spec.preferredHolder", detail: "may only be specified if `strategy` is defined" });
  }
  return out;
}
