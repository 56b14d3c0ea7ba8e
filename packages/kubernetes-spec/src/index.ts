/**
 * `@iac/kubernetes-spec`: the schemas of every built-in Kubernetes kind, compacted from a real
 * kube-apiserver's OpenAPI v3 (FORMAT.md), the loader, and the validator that checks an object
 * against them (and against CRD schemas in the same format).
 */
export * from "./format.js";
export { KubernetesSpec, kubernetesSpec } from "./loader.js";
export { validate, nearest, type SchemaFailure, type ValidateOptions } from "./validate.js";
