/**
 * `@iac/sdk/random`: random strings and passwords, generated once and kept in state.
 */
export { RandomString, RandomPassword, type RandomStringArgs, type RandomPasswordArgs } from "./random-string.js";
export { iacProviders, diffRandom, RANDOM_STRING_TYPE, RANDOM_PASSWORD_TYPE, type RandomOutputs } from "./provider.js";
export { DEFAULT_SPECIAL, type RandomInputs } from "./generate.js";
