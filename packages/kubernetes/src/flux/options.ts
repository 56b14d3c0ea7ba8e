/**
 * Explicit providers for `flux:*` resources. A provider serves one package and a type token names
 * its package, so a kubernetes `Provider` given to a Flux resource is swapped for its `flux` twin
 * (see Provider.flux).
 */
import type { CustomResourceOptions, ProviderResource } from "@iac/sdk";
import { Provider } from "../provider.js";

export function fluxOptions(opts: CustomResourceOptions | undefined): CustomResourceOptions | undefined {
  const p = opts?.provider;
  if (p === undefined || !(p instanceof Provider)) return opts;
  return { ...opts, provider: p.flux as ProviderResource };
}
