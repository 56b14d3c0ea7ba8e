/**
 * Azure regions the emulator accepts, and how ARM spells them back. Requests may say
 * "West Europe" or "westeurope"; Azure compares them normalised (notes §1.4: lower case, no spaces).
 */
import { ArmError } from "./errors.js";

/** Public-cloud region names (normalised form), as `az account list-locations` gives them. */
const REGIONS: readonly string[] = [
  "eastus", "eastus2", "southcentralus", "westus2", "westus3", "australiaeast", "southeastasia", "northeurope",
  "swedencentral", "uksouth", "westeurope", "centralus", "southafricanorth", "centralindia", "eastasia",
  "japaneast", "koreacentral", "canadacentral", "francecentral", "germanywestcentral", "italynorth",
  "norwayeast", "polandcentral", "spaincentral", "switzerlandnorth", "mexicocentral", "uaenorth",
  "brazilsouth", "israelcentral", "qatarcentral", "northcentralus", "westus", "westcentralus", "japanwest",
  "koreasouth", "southindia", "westindia", "canadaeast", "francesouth", "germanynorth", "norwaywest",
  "switzerlandwest", "ukwest", "uaecentral", "brazilsoutheast", "australiacentral", "australiacentral2",
  "australiasoutheast", "southafricawest", "newzealandnorth", "indonesiacentral", "malaysiawest",
  "chilecentral", "austriaeast", "belgiumcentral", "denmarkeast", "eastus2euap", "centraluseuap",
];

/** Geo-replication pairs for the secondary location of GRS accounts (a few common ones). */
const PAIRS: Readonly<Record<string, string>> = {
  eastus: "westus", westus: "eastus", eastus2: "centralus", centralus: "eastus2", westus2: "westcentralus",
  westeurope: "northeurope", northeurope: "westeurope", uksouth: "ukwest", ukwest: "uksouth",
  francecentral: "francesouth", germanywestcentral: "germanynorth", swedencentral: "swedensouth",
  japaneast: "japanwest", australiaeast: "australiasoutheast", southeastasia: "eastasia", eastasia: "southeastasia",
  canadacentral: "canadaeast", northcentralus: "southcentralus", southcentralus: "northcentralus",
};

/** "West Europe" -> "westeurope". */
export function normalizeLocation(location: string): string {
  return location.replace(/\s+/g, "").toLowerCase();
}

/** Whether two location spellings name the same region. */
export function sameLocation(a: string, b: string): boolean {
  return normalizeLocation(a) === normalizeLocation(b);
}

/** The region paired with `location` (for `secondaryLocation`), or undefined when we do not know it. */
export function pairedLocation(location: string): string | undefined {
  return PAIRS[normalizeLocation(location)];
}

/**
 * The normalised location, or an ARM error when it is not a region.
 * `code` differs by caller: resource groups say `LocationNotAvailableForResourceGroup`, resources
 * `LocationNotAvailableForResourceType`.
 */
export function checkLocation(location: unknown, options: { readonly code: string; readonly what: string }): string {
  if (typeof location !== "string" || location.trim() === "") {
    throw new ArmError({ status: 400, code: "LocationRequired", message: "The location property is required for this definition." });
  }
  const n = normalizeLocation(location);
  if (!REGIONS.includes(n)) {
    throw new ArmError({
      status: 400,
      code: options.code,
      message: `The provided location '${location}' is not available for ${options.what}. List of available regions is '${REGIONS.join(",")}'.`,
    });
  }
  return n;
}

/** How ACI echoes a location (notes §1.4: "west us" comes back "WestUs"; one word stays as sent). */
export function aciLocation(location: string): string {
  const words = location.trim().split(/\s+/);
  if (words.length === 1) return location.trim();
  return words.map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()).join("");
}
