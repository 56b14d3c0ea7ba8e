/**
 * Name rules the real service enforces and the SDKs do not check (notes §1: neither SDK generation
 * validates names on the client, so the emulator must).
 */
import { ArmError, storageServiceMessage } from "./errors.js";

/** Resource group: `^[-\w\._\(\)]+$`, 1-90 characters, no trailing period (notes §1.1). */
export function checkResourceGroupName(name: string): void {
  const bad = [...new Set([...name].filter((c) => !/[-\w.()]/u.test(c)))];
  if (name.length >= 1 && name.length <= 90 && bad.length === 0 && !name.endsWith(".")) return;
  const detail = bad.length > 0
    ? `has these invalid characters: '${bad.join("")}'`
    : name.endsWith(".") ? "ends with a period" : `is ${name.length} characters long (1 to 90 allowed)`;
  // Code and message as Azure/azure-cli#14481 and microsoft/microsoft-foundry-for-vscode#53 quote
  // them. No public source shows the HTTP status (the CLI and IDE reports print only code and
  // message); 400 is kept as the status ARM gives other request validation errors.
  throw new ArmError({
    status: 400,
    code: "InvalidResourceGroup",
    message: `The provided resource group name '${name}' ${detail}. The name can only be a letter, digit, '-', '.', '(', ')' or '_'.`,
  });
}

/** Storage account: 3-24 lowercase letters and digits (notes §1.2). */
export function checkStorageAccountName(name: string): void {
  if (/^[a-z0-9]{3,24}$/.test(name)) return;
  throw new ArmError({
    status: 400,
    code: "AccountNameInvalid",
    message: `${name} is not a valid storage account name. Storage account name must be between 3 and 24 characters in length and use numbers and lower-case letters only.`,
    target: name,
  });
}

/** 3-63 (or 1-63) characters of lowercase letters, digits and single hyphens, alphanumeric at both ends. */
function dnsLabelLike(name: string, min: number): boolean {
  return name.length >= min && name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) && !name.includes("--");
}

/**
 * File share: 3-63 characters, lowercase letters, digits, single hyphens (notes §1.3). The storage RP
 * passes the data plane's error through: 400 `InvalidResourceName`, "The specifed resource name
 * contains invalid characters." (Azure's own typo) with RequestId/Time lines, as real traffic shows
 * for `FileSharesClient#Get` (kubernetes-sigs/azurefile-csi-driver#600; the same words from the data
 * plane in Azure/azure-cli#10034). The data plane answers a bad *length* with `OutOfRangeInput`;
 * no source shows that through ARM, so every bad name gets `InvalidResourceName` here.
 */
export function checkShareName(name: string, now: number): void {
  if (dnsLabelLike(name, 3)) return;
  throw new ArmError({
    status: 400,
    code: "InvalidResourceName",
    message: storageServiceMessage("The specifed resource name contains invalid characters.", now),
  });
}

/** Container group: 1-63 characters, lowercase letters, digits, single hyphens (notes §1.4). */
export function checkContainerGroupName(name: string): void {
  if (dnsLabelLike(name, 1)) return;
  // Code seen in public code using ACI (status 400); message written after the container one.
  throw new ArmError({
    status: 400,
    code: "InvalidContainerGroupName",
    message: `The container group name '${name}' is invalid. The container group name must contain no more than 63 characters and must match the regex '[a-z0-9]([-a-z0-9]*[a-z0-9])?' (e.g. 'my-name').`,
    target: name,
  });
}

/** Container inside a group: message from MicrosoftDocs/azure-docs#15546 (notes §1.4). */
export function checkContainerName(name: string, group: string): void {
  if (name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) return;
  throw new ArmError({
    status: 400,
    code: "InvalidContainerName",
    message: `The container name '${name}' in container group '${group}' is invalid. The container name must contain no more than 63 characters and must match the regex '[a-z0-9]([-a-z0-9]*[a-z0-9])?' (e.g. 'my-name').`,
    target: name,
  });
}
