/**
 * The realtime app on Azure Container Instances (reference/notes/scenarios.md §1).
 *
 * - a resource group, a storage account and an Azure Files share in it;
 * - a Linux container group with a public IP and a DNS label, two containers:
 *   `realtime-go` (a Go web app that obtains Let's Encrypt certificates itself, so it serves both
 *   80 and 443, and keeps them on the share mounted at `/.local/share/certmagic`) and `redis`.
 *
 * Values flow between resources: the share's name and the account's name and key (a secret,
 * encrypted in state and masked in output) go into the container group's volume.
 *
 * Config (all optional): `image` (the app's image), `dnsLabel` (unique in the region).
 */
import { Config, interpolate } from "@iac/sdk";
import { ContainerGroup, FileShare, ResourceGroup, StorageAccount } from "@iac/azure";

const config = new Config();
const image = config.get("image") ?? "ghcr.io/example/realtime-go:latest";
const dnsLabel = config.get("dnsLabel") ?? "realtime-go-demo";

const group = new ResourceGroup("realtime", { tags: { app: "realtime" } });

const account = new StorageAccount("realtime", {
  resourceGroupName: group.name,
  sku: { name: "Standard_LRS" },
  kind: "StorageV2",
  minimumTlsVersion: "TLS1_2",
  enableHttpsTrafficOnly: true,
});

const certs = new FileShare("certmagic", {
  resourceGroupName: group.name,
  accountName: account.name,
  shareQuota: 1,
});

const app = new ContainerGroup("realtime", {
  resourceGroupName: group.name,
  osType: "Linux",
  restartPolicy: "Always",
  containers: [
    {
      name: "realtime-go",
      image,
      // CertMagic answers the ACME HTTP challenge on 80 and serves TLS on 443.
      ports: [{ port: 80 }, { port: 443 }],
      resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
      environmentVariables: [{ name: "REDIS_ADDR", value: "localhost:6379" }],
      volumeMounts: [{ name: "certmagic", mountPath: "/.local/share/certmagic" }],
    },
    {
      name: "redis",
      image: "redis:7-alpine",
      ports: [{ port: 6379 }],
      resources: { requests: { cpu: 0.5, memoryInGB: 0.5 } },
    },
  ],
  // Only the web ports are public; Redis is reachable inside the group on localhost.
  ipAddress: { type: "Public", dnsNameLabel: dnsLabel, ports: [{ port: 80, protocol: "TCP" }, { port: 443, protocol: "TCP" }] },
  volumes: [
    {
      name: "certmagic",
      azureFile: { shareName: certs.name, storageAccountName: account.name, storageAccountKey: account.primaryKey },
    },
  ],
});

/** Where the app answers. */
export const url = interpolate`https://${app.fqdn}`;
