/**
 * `@iac/kubernetes`: Kubernetes objects as iac resources, applied with server-side apply through
 * `@kubernetes/client-node`. Flux is in `@iac/kubernetes/flux`.
 */
export { Provider, type ProviderArgs } from "./provider.js";
export { Manifest, type ManifestArgs } from "./manifest.js";
export { Namespace, type NamespaceArgs } from "./namespace.js";
export { ConfigFile, Directory, type ConfigFileArgs, type DirectoryArgs, type Transformation } from "./config-file.js";
export type { ObjectArgs, ObjectMetaArgs } from "./object-args.js";
export { iacProviders, createProviderSet } from "./provider-module.js";
export { resolveSettings, type KubeSettings } from "./settings.js";
export { KubeClient, FIELD_MANAGER } from "./client.js";
export { KubernetesError } from "./errors.js";
export { parseObjects, loadFile, loadDirectory } from "./yaml-load.js";
export { sortForApply, applyDependencies } from "./order.js";
export { IMMUTABLE_FIELDS } from "./immutable.js";
export { idOf, parseId, type KubeObject, type ObjectKey } from "./objects.js";
export { MODULE, TYPES } from "./types.js";
