/**
 * The api-versions each emulated resource provider accepts: what the current SDKs send
 * (@azure/arm-resources 8: 2025-04-01; @azure/arm-storage 21: 2026-09-01, 20.x: 2026-06-01,
 * 2026-04-01, 2025-08-01; @azure/arm-containerinstance 9: 2023-05-01; notes §0.1) and the stable
 * ones of the reference examples, plus older stable versions older SDKs and tools still send.
 */
import { ArmError } from "./errors.js";

export type ApiFamily = "resources" | "subscriptions" | "storage" | "containerinstance";

const VERSIONS: Readonly<Record<ApiFamily, readonly string[]>> = {
  resources: ["2025-04-01", "2024-11-01", "2024-07-01", "2024-03-01", "2023-07-01", "2022-09-01", "2021-04-01", "2020-06-01", "2019-10-01"],
  subscriptions: ["2025-04-01", "2024-11-01", "2022-12-01", "2021-01-01", "2020-01-01", "2016-06-01"],
  storage: [
    "2026-09-01", "2026-06-01", "2026-04-01", "2025-08-01", "2025-06-01", "2025-01-01", "2024-01-01",
    "2023-05-01", "2023-01-01", "2022-09-01", "2022-05-01", "2021-09-01", "2021-04-01",
  ],
  // 2026-07-01: the version of Microsoft's type definitions (bicep-types containerinstance), which the generated lookups send.
  containerinstance: ["2026-07-01", "2025-09-01", "2024-10-01-preview", "2023-05-01", "2022-09-01", "2021-10-01", "2021-09-01", "2021-03-01"],
};

/** The supported versions of a family (newest first). */
export function supportedApiVersions(family: ApiFamily): readonly string[] {
  return VERSIONS[family];
}

/**
 * Fail with ARM's error unless `version` is supported. Microsoft.Resources answers
 * `InvalidApiVersionParameter`; a resource provider answers `NoRegisteredProviderFound`.
 */
export function checkApiVersion(options: { readonly family: ApiFamily; readonly version: string; readonly type: string; readonly location?: string }): void {
  const supported = VERSIONS[options.family];
  if (supported.includes(options.version)) return;
  if (options.family === "resources" || options.family === "subscriptions") {
    throw new ArmError({
      status: 400,
      code: "InvalidApiVersionParameter",
      message: `The api-version '${options.version}' is invalid. The supported versions are '${supported.join(",")}'.`,
    });
  }
  throw new ArmError({
    status: 400,
    code: "NoRegisteredProviderFound",
    message: `No registered resource provider found for location '${options.location ?? "global"}' and API version '${options.version}' for type '${options.type}'. The supported api-versions are '${supported.join(", ")}'.`,
  });
}
