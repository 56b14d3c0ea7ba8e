/**
 * The args the four hand-written types take, as data, for what the generated types get from the
 * definitions (issue 12, item 2): an arg or nested property the type does not know is refused with
 * the nearest valid names (an unknown key used to be dropped silently: `sku` or a firewall rule set
 * that never reached Azure), and an enum value is matched case-insensitively and sent in the
 * service's spelling (`"always"` -> `"Always"`, `"Tcp"` -> `"TCP"`), as Azure itself accepts it.
 * The per-type rules then check the values (kept case-sensitive, on the conformed inputs).
 */
import type { PropertyMap, PropertyValue } from "@iac/sdk/provider";
import { isUnknown, type Failures } from "./check-helpers.js";
import { nearest } from "./generic/validate.js";

/**
 * What a value may be: a scalar (`"value"`: the rules check its type), anything (`"any"`: tags,
 * metadata), one of an enum's values, a list of a shape, or an object of known fields.
 */
export type Shape = "value" | "any" | { readonly oneOf: readonly string[] } | { readonly listOf: Shape } | { readonly fields: Readonly<Record<string, Shape>> };

/** A shape of an object with these fields. */
export const fields = (f: Readonly<Record<string, Shape>>): Shape => ({ fields: f });
/** A shape of a list of `item`. */
export const listOf = (item: Shape): Shape => ({ listOf: item });
/** A shape of an enum value (its spellings as the service writes them). */
export const oneOf = (values: readonly string[]): Shape => ({ oneOf: values });

const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`);

/**
 * `value` conformed to `shape`: enum values in the service's spelling; every key the shape does not
 * know reported in `failures` (and kept, so that nothing the program wrote disappears silently).
 * Unknown (preview) values pass as they are.
 */
export function conform(value: PropertyValue | undefined, shape: Shape, path: string, failures: Failures): PropertyValue | undefined {
  if (value === undefined || value === null || isUnknown(value) || shape === "value" || shape === "any") return value;
  if ("oneOf" in shape) {
    if (typeof value !== "string" || shape.oneOf.includes(value)) return value;
    return shape.oneOf.find((v) => v.toLowerCase() === value.toLowerCase()) ?? value;
  }
  if ("listOf" in shape) return Array.isArray(value) ? value.map((v, i) => conform(v, shape.listOf, `${path}[${i}]`, failures) ?? null) : value;
  if (typeof value !== "object" || Array.isArray(value)) return value;
  const out: { [key: string]: PropertyValue } = {};
  const known = Object.keys(shape.fields);
  for (const [k, v] of Object.entries(value)) {
    const s = shape.fields[k];
    if (s === undefined) {
      const near = nearest(k, known);
      const what = path === "" ? "an arg of this resource type" : `a property of ${path}`;
      failures.add(join(path, k), `is not ${what}; ${near.length > 0 ? `did you mean ${near.join(", ")}?` : `valid ones are ${known.join(", ")}`}`);
      out[k] = v;
      continue;
    }
    const c = conform(v, s, join(path, k), failures);
    if (c !== undefined) out[k] = c;
  }
  return out;
}

/** The inputs of a resource conformed to its args' shape (see {@link conform}). */
export function conformArgs<T>(news: T, shape: Shape, failures: Failures): T {
  return conform(news as unknown as PropertyMap, shape, "", failures) as unknown as T;
}
