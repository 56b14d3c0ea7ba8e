/**
 * The lazy loader of the built-in kinds' data: `data/index.json` and `data/types.json` are read and
 * parsed on first use (about 140 kB together); `data/descriptions.json` only by the generator.
 */
import { readFileSync } from "node:fs";
import { FORMAT_VERSION, type KindSpec, type ObjectSpec, type SpecIndex, type SpecTypes } from "./format.js";

const DATA = new URL("../data/", import.meta.url);

function readData<T extends { format: number }>(file: string): T {
  const value = JSON.parse(readFileSync(new URL(file, DATA), "utf8")) as T;
  if (value.format !== FORMAT_VERSION) {
    throw new Error(`@iac/kubernetes-spec data/${file} has format ${value.format}, this loader reads ${FORMAT_VERSION}: regenerate with npm run capture:kubernetes-openapi -- --compact-only <raw dir>.`);
  }
  return value;
}

/** The built-in kinds and their types, parsed once per loader. */
export class KubernetesSpec {
  #index: SpecIndex | undefined;
  #types: SpecTypes | undefined;

  /** `data/index.json`. */
  get index(): SpecIndex {
    return (this.#index ??= readData<SpecIndex>("index.json"));
  }

  /** The named object types (`apps.v1.DeploymentSpec`, ...). */
  get types(): Readonly<Record<string, ObjectSpec>> {
    return (this.#types ??= readData<SpecTypes>("types.json")).types;
  }

  /** The kind of `<apiVersion>` + `kind` (`apps/v1`, `Deployment`), or undefined when it is not built in. */
  tryFindKind(apiVersion: string, kind: string): KindSpec | undefined {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/", 2) : ["core", apiVersion];
    return this.index.kinds[`${group}/${version}/${kind}`];
  }

  /** The Kubernetes version the data was captured from (`v1.36.3`). */
  get kubernetesVersion(): string {
    return this.index.source.kubernetes;
  }

  /** Descriptions by type key and `<type key>.<property>` (the generator's; not needed at run time). */
  descriptions(): Readonly<Record<string, string>> {
    return readData<{ format: number; descriptions: Record<string, string> }>("descriptions.json").descriptions;
  }
}

/** The loader every reader of this package shares (the data are immutable). */
export const kubernetesSpec = new KubernetesSpec();
