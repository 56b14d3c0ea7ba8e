/**
 * AKS's managed Flux as the local ARM shows it (flux-agent.ts does the work): the Flux objects a
 * fluxConfiguration stands for, and the read-only values the two types report from what the agent
 * recorded in the resource's `assigned`.
 */
import type { KubeJson } from "./kube-http.js";
import type { GenericRecord, Json } from "./model.js";

type Props = Record<string, unknown>;
const propsOf = (r: { readonly body: Json }): Props => ((r.body["properties"] as Props | undefined) ?? {});

/** The extension type AKS's managed Flux is. */
export const isFluxExtension = (r: { readonly type: string; readonly body: Json }) =>
  r.type.toLowerCase() === "microsoft.kubernetesconfiguration/extensions" && String(propsOf(r)["extensionType"] ?? "").toLowerCase() === "microsoft.flux";

/** A configuration the local cloud cannot turn into Flux objects; `code` is the operation's error code. */
export class FluxObjectsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The Flux objects a fluxConfiguration stands for (AKS's mapping and defaults). */
export function fluxConfigurationObjects(r: GenericRecord, secretName: string | undefined): KubeJson[] {
  const p = propsOf(r);
  const namespace = String(p["namespace"] ?? "default");
  const name = r.name;
  const kind = String(p["sourceKind"] ?? "GitRepository");
  if (kind !== "GitRepository") throw new FluxObjectsError("FluxConfigurationSourceNotSupported", `The local cloud emulates fluxConfigurations with sourceKind GitRepository only (got ${kind}).`);
  const git = (p["gitRepository"] as Props | undefined) ?? {};
  const ref = (git["repositoryRef"] as Props | undefined) ?? {};
  const seconds = (v: unknown, d: number) => `${typeof v === "number" ? v : d}s`;
  const labels = { "iac.dev/flux-configuration": name };
  const source: KubeJson = {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "GitRepository",
    metadata: { name, namespace, labels },
    spec: {
      url: String(git["url"] ?? ""),
      interval: seconds(git["syncIntervalInSeconds"], 600),
      timeout: seconds(git["timeoutInSeconds"], 600),
      ref: Object.fromEntries(["branch", "tag", "semver", "commit"].filter((k) => typeof ref[k] === "string").map((k) => [k, ref[k]])),
      ...(secretName === undefined ? {} : { secretRef: { name: secretName } }),
      ...(p["suspend"] === true ? { suspend: true } : {}),
    },
  };
  const kustomizations = Object.entries((p["kustomizations"] as Record<string, Props> | undefined) ?? {}).map(([key, k]): KubeJson => ({
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name: `${name}-${key}`, namespace, labels },
    spec: {
      sourceRef: { kind: "GitRepository", name },
      path: String(k["path"] ?? ""),
      interval: seconds(k["syncIntervalInSeconds"], 600),
      timeout: seconds(k["timeoutInSeconds"], 600),
      ...(typeof k["retryIntervalInSeconds"] === "number" ? { retryInterval: `${k["retryIntervalInSeconds"]}s` } : {}),
      prune: k["prune"] === true,
      force: k["force"] === true,
      wait: k["wait"] !== false,
      ...(Array.isArray(k["dependsOn"]) ? { dependsOn: (k["dependsOn"] as string[]).map((d) => ({ name: `${name}-${d}` })) } : {}),
      ...(k["postBuild"] !== undefined ? { postBuild: k["postBuild"] } : {}),
      ...(p["suspend"] === true ? { suspend: true } : {}),
    },
  }));
  return [source, ...kustomizations];
}

/** Read-only values of the two types, from what the agent recorded. */
export function fluxExtensionView(record: GenericRecord, p: Props): void {
  if (!isFluxExtension(record)) return;
  p["currentVersion"] = typeof record.assigned["fluxVersion"] === "string" ? record.assigned["fluxVersion"] : (p["version"] ?? "");
  p["statuses"] ??= [];
  if (typeof record.assigned["error"] === "string") p["errorInfo"] = { code: "ExtensionOperationFailed", message: record.assigned["error"] };
}

export function fluxConfigurationView(record: GenericRecord, p: Props): void {
  const s = (record.assigned["status"] as Props | undefined) ?? {};
  p["complianceState"] = s["complianceState"] ?? (propsOf(record)["suspend"] === true ? "Suspended" : "Pending");
  p["statuses"] = s["statuses"] ?? [];
  p["sourceSyncedCommitId"] = s["sourceSyncedCommitId"] ?? "";
  if (s["sourceUpdatedAt"]) p["sourceUpdatedAt"] = s["sourceUpdatedAt"];
  if (s["statusUpdatedAt"]) p["statusUpdatedAt"] = s["statusUpdatedAt"];
  p["errorMessage"] = typeof record.assigned["error"] === "string" ? record.assigned["error"] : "";
  p["repositoryPublicKey"] = "";
}
