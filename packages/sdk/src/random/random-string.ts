/**
 * The `random` resources a program declares.
 */
import { CustomResource } from "../resource.js";
import type { CustomResourceOptions } from "../resource-options.js";
import type { Output } from "../output.js";
import type { Inputs } from "../types.js";
import type { RandomInputs } from "./generate.js";
import { RANDOM_PASSWORD_TYPE, RANDOM_STRING_TYPE } from "./provider.js";

/** Args of {@link RandomString} and {@link RandomPassword}; any property may be an Input. */
export type RandomStringArgs = Inputs<RandomInputs>;
/** Args of {@link RandomPassword}. */
export type RandomPasswordArgs = RandomStringArgs;

const MODULE = "@iac/sdk/random";
const OUTPUTS = [
  "result",
  "length",
  "special",
  "upper",
  "lower",
  "numeric",
  "minUpper",
  "minLower",
  "minNumeric",
  "minSpecial",
  "overrideSpecial",
  "keepers",
] as const;

/**
 * The outputs {@link RandomString} and {@link RandomPassword} share: one generator, two rules of
 * secrecy. Not exported from `@iac/sdk/random`; declare one of the two.
 */
export abstract class RandomResource extends CustomResource {
  declare readonly result: Output<string>;
  declare readonly length: Output<number>;
  declare readonly special: Output<boolean>;
  declare readonly upper: Output<boolean>;
  declare readonly lower: Output<boolean>;
  declare readonly numeric: Output<boolean>;
  declare readonly minUpper: Output<number>;
  declare readonly minLower: Output<number>;
  declare readonly minNumeric: Output<number>;
  declare readonly minSpecial: Output<number>;
  declare readonly overrideSpecial: Output<string | undefined>;
  declare readonly keepers: Output<Record<string, string> | undefined>;

  protected constructor(type: string, name: string, args: RandomStringArgs, opts: CustomResourceOptions | undefined) {
    super(type, name, args, opts, { module: MODULE, outputs: OUTPUTS });
  }
}

/**
 * A random string, generated once at create and kept in state; any change of its args (keepers
 * included) replaces it with a new one. Not secret: use {@link RandomPassword} for secrets.
 *
 * @example
 * const suffix = new RandomString("suffix", { length: 6, special: false, upper: false });
 * const name = interpolate`app-${suffix.result}`;
 */
export class RandomString extends RandomResource {
  constructor(name: string, args: RandomStringArgs, opts?: CustomResourceOptions) {
    super(RANDOM_STRING_TYPE, name, args, opts);
  }
}

/**
 * Like {@link RandomString}, but `result` is secret: encrypted in state, masked in output.
 *
 * @example
 * const pw = new RandomPassword("db", { length: 24, minSpecial: 2 });
 * new Secret("db-password", { data: { password: pw.result } });
 */
export class RandomPassword extends RandomResource {
  constructor(name: string, args: RandomPasswordArgs, opts?: CustomResourceOptions) {
    // The SDK marks `result` secret too, so it is secret in the program even before the engine answers.
    super(RANDOM_PASSWORD_TYPE, name, args, { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "result"] });
  }
}
