/**
 * Stack outputs as the engine holds them (secrets wrapped anywhere inside a value, unknowns as
 * the SDK's marker) turned into Pulumi's `OutputValue`s.
 */
import { UNKNOWN, type PropertyMap } from "@iac/sdk/provider";
import { isSecretValue } from "@iac/sdk/runtime";
import type { OutputMap, OutputValue } from "./results.js";

/** `{ value, secret }` per output: `secret` when the value is, or holds, a secret. */
export function toOutputMap(outputs: PropertyMap): OutputMap {
  const result: Record<string, OutputValue> = {};
  for (const [name, value] of Object.entries(outputs)) {
    const found = { secret: false };
    result[name] = { value: plain(value, found), secret: found.secret };
  }
  return result;
}

function plain(value: unknown, found: { secret: boolean }): unknown {
  if (value === UNKNOWN) return undefined;
  if (isSecretValue(value)) {
    found.secret = true;
    return plain(value.value, found);
  }
  if (Array.isArray(value)) return value.map((v) => plain(v, found));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v, found)]));
  }
  return value;
}
