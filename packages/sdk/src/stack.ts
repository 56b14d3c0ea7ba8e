/**
 * Stack outputs: what the engine records and `iac stack output` shows after the program ran.
 */
import type { PropertyMap } from "./provider.js";
import { serializeProperty } from "./lift.js";

/**
 * Resolves a program module's stack outputs: its named exports, plus, when `default` is a
 * function, the properties of the (awaited) object it returns, or when `default` is a plain object,
 * its properties. Outputs and promises resolve deeply; secrets come back wrapped, unknown values
 * as `UNKNOWN`, Resources as `{ urn, id }`. Functions and undefined values are left out.
 *
 * The engine calls it after importing the program.
 *
 * @example
 * const program = await import(pathToFileURL(main).href);
 * const outputs = await resolveStackOutputs(program);
 */
export async function resolveStackOutputs(moduleNamespace: Readonly<Record<string, unknown>>): Promise<PropertyMap> {
  const sources: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(moduleNamespace)) if (k !== "default") sources[k] = v;
  let def = moduleNamespace.default;
  if (typeof def === "function") def = await (def as () => unknown)();
  else def = await def;
  if (def !== null && typeof def === "object" && !Array.isArray(def)) {
    for (const [k, v] of Object.entries(def)) sources[k] = v;
  }
  const { value } = await serializeProperty(sources, "");
  return (value ?? {}) as PropertyMap;
}
