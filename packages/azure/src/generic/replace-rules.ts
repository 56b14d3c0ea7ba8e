/**
 * What the definitions do not say and the provider must know: properties a service sets only at
 * creation (a change replaces the resource; the reason is shown in preview), and types whose name
 * must be a GUID. Curated for the most used types; elsewhere a change the service refuses fails the
 * update with the cloud's message and the advice to revert it or to mark it `replaceOnChanges`.
 *
 * Always replacing, for every type (provider.ts): the name args (own name, resource group,
 * parents, scope) and `location`.
 */

/** ARM type (lower case) -> arg path (dotted, as the program writes it) -> why a change replaces. */
export const CREATE_ONLY: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "microsoft.containerservice/managedclusters": {
    dnsPrefix: "an AKS cluster's DNS prefix is set at creation",
    fqdnSubdomain: "an AKS cluster's FQDN subdomain is set at creation",
    nodeResourceGroup: "the node resource group of an AKS cluster is named at creation",
    "linuxProfile.adminUsername": "the Linux admin user of an AKS cluster is set at creation",
    "windowsProfile.adminUsername": "the Windows admin user of an AKS cluster is set at creation",
    "networkProfile.networkPlugin": "an AKS cluster's network plugin is set at creation",
    "networkProfile.podCidr": "an AKS cluster's pod CIDR is set at creation",
    "networkProfile.serviceCidr": "an AKS cluster's service CIDR is set at creation",
    "networkProfile.dnsServiceIP": "an AKS cluster's DNS service IP is set at creation",
  },
  "microsoft.authorization/roleassignments": {
    roleDefinitionId: "a role assignment cannot change its role",
    principalId: "a role assignment cannot change its principal",
    principalType: "a role assignment cannot change its principal's type",
    condition: "a role assignment's condition is set at creation",
  },
  "microsoft.network/publicipaddresses": {
    publicIPAddressVersion: "a public IP cannot change between IPv4 and IPv6",
    "sku.name": "a public IP's SKU cannot change in place",
  },
  "microsoft.network/virtualnetworks/subnets": {},
  "microsoft.keyvault/vaults": {
    tenantId: "a vault's tenant is set at creation",
  },
  "microsoft.containerregistry/registries": {},
  "microsoft.app/managedenvironments": {
    "vnetConfiguration.infrastructureSubnetId": "a Container Apps environment's subnet is set at creation",
    "vnetConfiguration.internal": "a Container Apps environment is internal or external from its creation",
  },
  "microsoft.compute/virtualmachines": {
    "osProfile.computerName": "a VM's computer name is set at creation",
    "osProfile.adminUsername": "a VM's admin user is set at creation",
    "osProfile.adminPassword": "a VM's admin password is set at creation (reset it through the VM access extension)",
    "storageProfile.imageReference": "a VM's image is set at creation",
  },
  "microsoft.sql/servers": {
    administratorLogin: "a SQL server's administrator login is set at creation",
  },
  "microsoft.dbforpostgresql/flexibleservers": {
    administratorLogin: "a PostgreSQL server's administrator login is set at creation",
    "network.delegatedSubnetResourceId": "a PostgreSQL server's subnet is set at creation",
  },
  "microsoft.cache/redis": {
    subnetId: "a Redis cache's subnet is set at creation",
    staticIP: "a Redis cache's static IP is set at creation",
  },
  "microsoft.operationalinsights/workspaces": {},
  "microsoft.managedidentity/userassignedidentities": {},
};

/**
 * Types whose resource name must be a GUID though their definitions give no pattern saying so
 * (types whose name pattern is a GUID's get one from the pattern: names.ts). From the REST API
 * references: role assignments and definitions ("a valid GUID"), workbooks (the portal refuses
 * another name), private link associations, and Cosmos DB's data-plane role assignments and
 * definitions of each API ("the GUID for the role assignment/definition"). Not here: names that
 * are GUIDs of something else (a mongo cluster user is an Entra object id): the program gives them.
 */
export const NAME_IS_GUID: ReadonlySet<string> = new Set([
  "microsoft.authorization/roleassignments",
  "microsoft.authorization/roledefinitions",
  "microsoft.authorization/privatelinkassociations",
  "microsoft.insights/workbooks",
  ...["sql", "cassandra", "gremlin", "table"].flatMap((api) => [`microsoft.documentdb/databaseaccounts/${api}roleassignments`, `microsoft.documentdb/databaseaccounts/${api}roledefinitions`]),
  "microsoft.documentdb/databaseaccounts/mongomiroleassignments",
]);

/** A GUID as ARM writes them (any case). */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
