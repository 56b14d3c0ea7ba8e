/**
 * The program of the gitops-azure example, as it sits in git: the seed's container group
 * (examples/aci-realtime) reduced to what GitOps needs to show, a resource group and a container
 * group with the app and Redis beside it. The iac controller deploys it from the repository; a
 * push that changes it changes Azure.
 *
 * Config (optional): `image` (the app's image), `dnsLabel`.
 */
import { Config, interpolate } from "@iac/sdk";
import { ContainerGroup, ResourceGroup } from "@iac/azure";

const config = new Config();
const image = config.get("image") ?? "ghcr.io/example/realtime-go:1.0.0";
const dnsLabel = config.get("dnsLabel") ?? "gitops-realtime";

const group = new ResourceGroup("gitops", { tags: { app: "realtime", deployedBy: "iac-controller" } });

const app = new ContainerGroup("realtime", {
  resourceGroupName: group.name,
  osType: "Linux",
  restartPolicy: "Always",
  containers: [
    {
      name: "realtime-go",
      image,
      ports: [{ port: 80 }],
      resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
      environmentVariables: [{ name: "REDIS_ADDR", value: "localhost:6379" }],
    },
    {
      name: "redis",
      image: "redis:7-alpine",
      ports: [{ port: 6379 }],
      resources: { requests: { cpu: 0.5, memoryInGB: 0.5 } },
    },
  ],
  ipAddress: { type: "Public", dnsNameLabel: dnsLabel, ports: [{ port: 80, protocol: "TCP" }] },
});

export const resourceGroup = group.name;
export const containerGroup = app.name;
/** Where the app answers. */
export const url = interpolate`http://${app.fqdn}`;
