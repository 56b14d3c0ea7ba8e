/**
 * A web container on Azure Container Instances: a resource group and a Linux container group with
 * a public IP and a DNS label.
 *
 *   npx iac up --local --yes        # on the local cloud: no Azure account needed
 *   npx iac up --yes                # on Azure: sign in first (`az login`), set azure:location
 *
 * Config (all optional): `image` (default nginx), `dnsLabel` (unique in the region).
 */
import { Config, interpolate } from "@iac/sdk";
import { ContainerGroup, ResourceGroup } from "@iac/azure";

const config = new Config();
const image = config.get("image") ?? "nginx:1.27";
const dnsLabel = config.get("dnsLabel");

const group = new ResourceGroup("app", { tags: { app: "web" } });

const web = new ContainerGroup("web", {
  resourceGroupName: group.name,
  osType: "Linux",
  restartPolicy: "Always",
  containers: [
    {
      name: "web",
      image,
      ports: [{ port: 80 }],
      resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
    },
  ],
  ipAddress: { type: "Public", ...(dnsLabel === undefined ? {} : { dnsNameLabel: dnsLabel }), ports: [{ port: 80, protocol: "TCP" }] },
});

/** The resource group's name (autonamed: `app-` and a random suffix). */
export const resourceGroup = group.name;
/** Where the container answers. */
export const url = interpolate`http://${web.fqdn}`;
