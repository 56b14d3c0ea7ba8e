/**
 * `@iac/sdk`: the programming model. Declare resources, combine their Outputs, read config.
 *
 * The provider protocol is in `@iac/sdk/provider`; the SDK/engine contract in `@iac/sdk/runtime`;
 * the `random` provider in `@iac/sdk/random`.
 */
export { Output, OutputInstance, type OutputConstructor, output, all, interpolate, concat, secret, unsecret, isSecret, inspectOutput, type OutputDetails } from "./output.js";
export type { Input, DeepInput, Inputs, Unwrap, Lifted } from "./types.js";
export { Resource, CustomResource, ComponentResource, type CustomResourceDescriptor } from "./resource.js";
export { ProviderResource } from "./provider-resource.js";
export type {
  Alias,
  Duration,
  CustomTimeoutsInput,
  ResourceOptions,
  CustomResourceOptions,
  ComponentResourceOptions,
} from "./resource-options.js";
export { parseDuration } from "./resource-options.js";
export { Config, getStack, getProject } from "./config.js";
export { resolveStackOutputs } from "./stack.js";
export { autoname, type AutonameOptions, type NameCharset } from "./naming.js";
export { IacError, InputError, ResourceError, ConfigError, ApplyError } from "./errors.js";
export { makeUrn, parseUrn, type UrnParts } from "./urn.js";
export { UNKNOWN } from "./provider.js";
