/**
 * The `random` provider: values generated once at create and kept in state. Everything is local,
 * so `read` returns the state as is and `delete` has nothing to do.
 */
import { randomBytes } from "node:crypto";
import type { DiffResult, PropertyDiff, PropertyMap, PropertyValue, Provider, ProviderModule, ProviderSet, ResourceState } from "../provider.js";
import { generate, validate, withDefaults, type RandomInputs } from "./generate.js";

export type RandomOutputs = RandomInputs & { result: string };

const REPLACE_REASON = "a random value is generated once: any change of its arguments, keepers included, generates a new one";

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Every changed property replaces, as in Terraform's random provider. */
export function diffRandom(olds: RandomInputs, news: RandomInputs): DiffResult {
  const o = olds as Record<string, PropertyValue | undefined>;
  const n = news as Record<string, PropertyValue | undefined>;
  const detailed: PropertyDiff[] = [];
  for (const key of new Set([...Object.keys(o), ...Object.keys(n)])) {
    const before = o[key];
    const after = n[key];
    if (deepEqual(before, after)) continue;
    const kind = before === undefined ? "add" : after === undefined ? "delete" : "update";
    detailed.push({ path: key, kind, replace: true, reason: REPLACE_REASON });
  }
  return { changes: detailed.length > 0, replaces: detailed.map((d) => d.path), detailed };
}

function randomProvider(opts: { secretResult: boolean }): Provider<RandomInputs, RandomOutputs> {
  return {
    secretOutputs: opts.secretResult ? ["result"] : [],
    async check(news) {
      const inputs = withDefaults(news);
      return { inputs, failures: validate(inputs) };
    },
    async diff(_id, olds, news) {
      return diffRandom(olds.inputs, news);
    },
    async create(news) {
      // The id is not the result: a password must not appear in an id (ids are shown and logged).
      return { id: randomBytes(8).toString("hex"), outputs: { ...news, result: generate(news) } };
    },
    async read(_id, olds) {
      return olds;
    },
    // A random value lives only in the state: an interrupted create left nothing anywhere to adopt.
    async find() {
      return undefined;
    },
    // Only reached when the engine updates in spite of the diff (e.g. ignoreChanges): keep the result.
    async update(_id, olds: ResourceState<RandomInputs, RandomOutputs>, news) {
      return { outputs: { ...news, result: olds.outputs.result } };
    },
    async delete() {},
  };
}

/** The types this provider serves. */
export const RANDOM_STRING_TYPE = "random:index:RandomString";
export const RANDOM_PASSWORD_TYPE = "random:index:RandomPassword";

/** What the engine imports from `@iac/sdk/random`. */
export const iacProviders: ProviderModule = {
  package: "random",
  configure(): ProviderSet {
    const providers: Record<string, Provider> = {
      [RANDOM_STRING_TYPE]: randomProvider({ secretResult: false }) as unknown as Provider<PropertyMap, PropertyMap>,
      [RANDOM_PASSWORD_TYPE]: randomProvider({ secretResult: true }) as unknown as Provider<PropertyMap, PropertyMap>,
    };
    return { provider: (type) => providers[type] };
  },
};
