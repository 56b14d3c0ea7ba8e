/**
 * A virtual network with two subnets behind a network security group, a Key Vault, a
 * user-assigned identity with the "Key Vault Secrets User" role on that vault, a container
 * registry, a Log Analytics workspace, and a Container App in its own environment (logging to that
 * workspace with its shared key, a secret) that runs as the identity: eight namespaces.
 *
 * Every class but ResourceGroup comes from a generated module (`@iac/azure/<module>`), served by the
 * generic ARM provider: args are the ARM body with `properties` flattened one level.
 */
import { Config } from "@iac/sdk";
import { ResourceGroup } from "@iac/azure";
import { NetworkSecurityGroup, Subnet, VirtualNetwork } from "@iac/azure/network";
import { Vault } from "@iac/azure/keyvault";
import { UserAssignedIdentity } from "@iac/azure/managedidentity";
import { RoleAssignment } from "@iac/azure/authorization";
import { Registry } from "@iac/azure/containerregistry";
import { ContainerApp, ManagedEnvironment } from "@iac/azure/app";
import { Workspace, getSharedKeysOutput } from "@iac/azure/operationalinsights";

const config = new Config("azure-network");
/** The Entra ID tenant of the vault (any GUID on the local cloud). */
const tenantId = config.get("tenantId") ?? "72f988bf-86f1-41af-91ab-2d7cd011db47";
/** Built-in role "Key Vault Secrets User". */
const SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";

const rg = new ResourceGroup("network", {});

const nsg = new NetworkSecurityGroup("web", {
  resourceGroupName: rg.name,
  securityRules: [
    { name: "allow-https", properties: { priority: 100, direction: "Inbound", access: "Allow", protocol: "Tcp", sourcePortRange: "*", destinationPortRange: "443", sourceAddressPrefix: "*", destinationAddressPrefix: "*" } },
  ],
});

const vnet = new VirtualNetwork("vnet", {
  resourceGroupName: rg.name,
  addressSpace: { addressPrefixes: ["10.20.0.0/16"] },
});

const web = new Subnet("web", {
  resourceGroupName: rg.name,
  virtualNetworkName: vnet.virtualNetworkName,
  addressPrefix: "10.20.1.0/24",
  networkSecurityGroup: { id: nsg.id },
});

const apps = new Subnet("apps", {
  resourceGroupName: rg.name,
  virtualNetworkName: vnet.virtualNetworkName,
  addressPrefix: "10.20.2.0/23",
  delegations: [{ name: "apps", properties: { serviceName: "Microsoft.App/environments" } }],
}, { dependsOn: [web] });

const vault = new Vault("secrets", {
  resourceGroupName: rg.name,
  tenantId,
  sku: { family: "A", name: "standard" },
  enableRbacAuthorization: true,
});

const identity = new UserAssignedIdentity("app", { resourceGroupName: rg.name });

new RoleAssignment("app-reads-secrets", {
  scope: vault.id,
  roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${SECRETS_USER}`,
  principalId: identity.principalId,
  principalType: "ServicePrincipal",
});

const registry = new Registry("images", {
  resourceGroupName: rg.name,
  sku: { name: "Basic" },
  adminUserEnabled: false,
  tags: { env: "demo" },
});

const logs = new Workspace("logs", {
  resourceGroupName: rg.name,
  sku: { name: "PerGB2018" },
  retentionInDays: 30,
});
const logKeys = getSharedKeysOutput({ resourceGroupName: rg.name, workspaceName: logs.name });

const environment = new ManagedEnvironment("apps", {
  resourceGroupName: rg.name,
  appLogsConfiguration: {
    destination: "log-analytics",
    logAnalyticsConfiguration: { customerId: logs.customerId, sharedKey: logKeys.primarySharedKey },
  },
  vnetConfiguration: { infrastructureSubnetId: apps.id, internal: false },
});

const app = new ContainerApp("hello", {
  resourceGroupName: rg.name,
  managedEnvironmentId: environment.id,
  identity: identity.id.apply((id) => ({ type: "UserAssigned", userAssignedIdentities: { [id]: {} } })),
  configuration: { ingress: { external: true, targetPort: 80 } },
  template: { containers: [{ name: "hello", image: "mcr.microsoft.com/k8se/quickstart:latest", resources: { cpu: 1, memory: "2Gi" } }] },
});

export const vnetId = vnet.id;
export const subnetIds = [web.id, apps.id];
export const vaultUri = vault.vaultUri;
export const registryServer = registry.loginServer;
export const appId = app.id;
