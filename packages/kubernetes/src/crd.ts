/**
 * `@iac/kubernetes/crd`: what the modules `iac gen crd` writes import at run time
 * (`defineCrdModule`), and the generator itself for programs and tools (`generateCrdModules`).
 */
export { defineCrdModule, defineBuiltinModule, type KindModule, type TypedResourceClass } from "./typed/define.js";
export { generateCrdModules, parseCrds, type CrdGenOptions, type CrdModuleFiles } from "./codegen/crd.js";
export type { CrdModuleData, CrdKindSpec } from "./typed/crd-data.js";
