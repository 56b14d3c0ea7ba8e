/** Type tokens and the module specifier of this package. */

/** The module specifier resources name so that the engine finds this package. */
export const MODULE = "@iac/kubernetes";

/** Type tokens of the `kubernetes:*` resources. */
export const TYPES = {
  manifest: "kubernetes:index:Manifest",
  namespace: "kubernetes:core/v1:Namespace",
  configFile: "kubernetes:index:ConfigFile",
  directory: "kubernetes:index:Directory",
  fluxBootstrap: "flux:index:FluxBootstrap",
} as const;
