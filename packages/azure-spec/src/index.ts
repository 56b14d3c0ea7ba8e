/**
 * `@iac/azure-spec`: the metadata of every Azure Resource Manager resource type and resource
 * function (compacted from Microsoft's bicep-types definitions; see FORMAT.md) and a lazy loader.
 *
 * @example
 * import { resourceByToken, azureSpec } from "@iac/azure-spec";
 * const subnet = resourceByToken("azure:network:Subnet");
 * // subnet.idTemplate === "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}"
 * const args = azureSpec.argsOf(subnet!); // resourceGroupName, virtualNetworkName, subnetName, properties, addressPrefix, ...
 */
export * from "./format.js";
export {
  AzureSpec,
  azureSpec,
  DEFAULT_DATA_DIR,
  loadModule,
  resourceByToken,
  resourceByArmType,
  functionsOf,
  argsOf,
  outputsOf,
  propertiesOf,
  functionInputLayout,
  functionFixedNames,
  isRequired,
  isReadOnly,
  alwaysReturned,
  isWriteOnly,
  isDeployTimeConstant,
  isIdentifier,
  isSensitive,
  isSecretProperty,
  distance,
  type ArgSpec,
} from "./loader.js";
export { moduleOfNamespace, moduleOfArmType, namespaceOf, singular, className, nameArgOf, pascal, camel, words } from "./naming.js";
