/**
 * ARM's own check of resource references in a body: every property named `id` under `properties`
 * must be a fully qualified resource id. ARM refuses the request before the resource provider sees
 * it, for any type, with 400 `LinkedInvalidPropertyId` and this message (quoted in public
 * deployment logs, e.g. "Property id 'sub-management' at path
 * 'properties.ipConfigurations[0].properties.subnet.id' is invalid. Expect fully qualified resource Id
 * that start with '/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'.",
 * ErrorCode LinkedInvalidPropertyId, StatusCode 400, in a public Azure PowerShell walkthrough; the
 * same text for `properties.scopes[0]`, `extendedLocation.name` and `source.id` in others).
 */
import { ArmError } from "./errors.js";

/** Whether `value` reads as a fully qualified resource id (the two prefixes ARM names). */
export function isResourceId(value: string): boolean {
  return /^\/subscriptions\/[^/]+(\/|$)/i.test(value) || /^\/providers\/[^/]+\//i.test(value);
}

/** 400 `LinkedInvalidPropertyId` for the id at `path`. */
export function linkedInvalidPropertyId(value: string, path: string): ArmError {
  return new ArmError({
    status: 400,
    code: "LinkedInvalidPropertyId",
    message: `Property id '${value}' at path '${path}' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'.`,
    target: path,
  });
}

/** Throws `LinkedInvalidPropertyId` for the first `id` under `properties` that is not a resource id. */
export function checkLinkedIds(properties: unknown, path = "properties"): void {
  if (Array.isArray(properties)) {
    properties.forEach((item, i) => checkLinkedIds(item, `${path}[${i}]`));
    return;
  }
  if (typeof properties !== "object" || properties === null) return;
  for (const [k, v] of Object.entries(properties)) {
    const at = `${path}.${k}`;
    if (k === "id" && typeof v === "string") {
      if (!isResourceId(v)) throw linkedInvalidPropertyId(v, at);
      continue;
    }
    checkLinkedIds(v, at);
  }
}
