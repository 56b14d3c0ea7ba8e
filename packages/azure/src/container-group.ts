/** The `ContainerGroup` resource a program declares. */
import { CustomResource, type CustomResourceOptions, type Inputs, type Output } from "@iac/sdk";
import type { ContainerGroupIpAddress } from "./container-group-provider.js";
import type { ContainerGroupInputs } from "./container-group-rules.js";
import { MODULE, TYPES } from "./provider-module.js";

/**
 * Args of {@link ContainerGroup}: ARM's ContainerGroup (as @azure/arm-containerinstance names it),
 * `properties` flattened. Ports are lists everywhere ARM has lists. Any property may be an Input.
 */
export type ContainerGroupArgs = Inputs<
  Omit<ContainerGroupInputs, "osType" | "restartPolicy"> & {
    // Open as the service's enums are: any case of a known value is accepted and sent as the service spells it.
    osType: "Linux" | "Windows" | (string & {});
    restartPolicy?: "Always" | "OnFailure" | "Never" | (string & {});
  }
>;

/**
 * A container group on Azure Container Instances. Only `tags` update in place; any other change
 * redeploys it (replacement). Write-only values (`azureFile.storageAccountKey`,
 * `environmentVariables[].secureValue`) are kept in state, encrypted when they are secrets, and
 * re-sent on every update.
 *
 * @example
 * const app = new ContainerGroup("app", {
 *   resourceGroupName: group.name,
 *   osType: "Linux",
 *   containers: [{ name: "web", image: "nginx", ports: [{ port: 80 }], resources: { requests: { cpu: 1, memoryInGB: 1.5 } } }],
 *   ipAddress: { type: "Public", ports: [{ port: 80, protocol: "TCP" }], dnsNameLabel: "my-app" },
 * });
 * export const url = interpolate`http://${app.fqdn}`;
 * export const ip = app.ipAddress.apply((a) => a?.ip);
 */
export class ContainerGroup extends CustomResource {
  declare readonly id: Output<string>;
  declare readonly name: Output<string>;
  declare readonly location: Output<string>;
  /** `<dnsNameLabel>.<region>.azurecontainer.io`, when a DNS label is set. */
  declare readonly fqdn: Output<string | undefined>;
  /** The group's IP address as ARM and Pulumi shape it: `{ ip, fqdn, ports, type, dnsNameLabel }`. */
  declare readonly ipAddress: Output<ContainerGroupIpAddress | undefined>;
  declare readonly tags: Output<Record<string, string>>;

  constructor(name: string, args: ContainerGroupArgs, opts?: CustomResourceOptions) {
    super(TYPES.containerGroup, name, args, opts, {
      module: MODULE,
      outputs: ["name", "resourceGroupName", "location", "osType", "restartPolicy", "tags", "fqdn", "ipAddress", "dnsNameLabel", "provisioningState"],
    });
  }
}
