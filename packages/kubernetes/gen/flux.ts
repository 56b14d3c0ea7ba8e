/** Where the Flux kinds come from and how their modules are named (docs/decisions/0008-typed-kubernetes-kinds.md). */

/** Every CRD of Flux v2.9.4 (all components, the image automation ones included), relative to the repository root. */
export const FLUX_CRDS = "../shared/reference/flux/install-v2.9.4.yaml";

/**
 * `source.toolkit.fluxcd.io` -> `source`, `image.toolkit.fluxcd.io` -> `image`; other Flux groups
 * keep their first two labels (`source.extensions.fluxcd.io` -> `source-extensions`), so no two
 * groups share a module.
 */
export function fluxModuleOf(group: string): string {
  const toolkit = /^([a-z0-9-]+)\.toolkit\.fluxcd\.io$/.exec(group);
  if (toolkit) return toolkit[1]!;
  return group.replace(/\.fluxcd\.io$/, "").replace(/\./g, "-");
}
