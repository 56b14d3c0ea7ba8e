/**
 * Container group operations through @azure/arm-containerinstance (notes §1.4): create and update
 * are the same long-running PUT (201/200 + Azure-AsyncOperation: Pending, Creating, Succeeded or
 * Failed). The service never returns write-only values (azureFile.storageAccountKey,
 * environmentVariables[].secureValue), so they live only in the inputs (encrypted by the engine),
 * are re-sent on every PUT, and `read` carries them over instead of reading their absence as drift.
 */
import type { ContainerGroup as ArmContainerGroup } from "@azure/arm-containerinstance";
import { ConflictError, PartialCreateError, type ProviderContext } from "@iac/sdk/provider";
import { parseArmId, segmentName } from "./arm-id.js";
import {
  checkContainerGroup,
  diffContainerGroup,
  type ContainerGroupInputs,
  type ContainerInput,
  type ImageRegistryCredentialInput,
  type VolumeInput,
} from "./container-group-rules.js";
import { cloudFailure, isNotFound, toProviderError } from "./errors.js";
import { settleCreation } from "./pending-create.js";
import { callSignal, compact, plain, readInputs, type SecretAwareProvider } from "./provider-kit.js";
import { alreadyExists, type TypeProviderOptions } from "./resource-group-provider.js";
import { sameLocation } from "./resource-group-rules.js";

/** A container group's IP address (ARM's IpAddress): `ip` is the address itself. */
export type ContainerGroupIpAddress = {
  ip?: string;
  fqdn?: string;
  ports: { port: number; protocol?: string }[];
  type: string;
  dnsNameLabel?: string;
};

/** Outputs of a container group: no write-only value is ever among them. */
export type ContainerGroupOutputs = {
  id: string;
  name: string;
  resourceGroupName: string;
  location: string;
  osType: string;
  restartPolicy?: string;
  tags: Record<string, string>;
  /** `<label>.<region>.azurecontainer.io` when a DNS label is set. */
  fqdn?: string;
  /** The group's IP address as ARM (and Pulumi) shape it: `{ ip, fqdn, ports, type, dnsNameLabel }`. */
  ipAddress?: ContainerGroupIpAddress;
  dnsNameLabel?: string;
  provisioningState?: string;
};

/** The ARM model of the inputs (the SDK's TS names match ours; `properties` is flattened by the classic client). */
function toModel(news: ContainerGroupInputs): ArmContainerGroup {
  return {
    location: news.location,
    tags: news.tags,
    osType: news.osType,
    restartPolicy: news.restartPolicy,
    containers: news.containers.map((c) => ({ ...c })),
    ipAddress: news.ipAddress,
    volumes: news.volumes,
    imageRegistryCredentials: news.imageRegistryCredentials,
  };
}

function outputsOf(g: ArmContainerGroup, rg: string): ContainerGroupOutputs {
  return compact({
    id: g.id,
    name: g.name,
    resourceGroupName: rg,
    location: g.location,
    osType: g.osType,
    restartPolicy: g.restartPolicy,
    tags: g.tags ?? {},
    fqdn: g.ipAddress?.fqdn,
    ipAddress: g.ipAddress && { ip: g.ipAddress.ip, fqdn: g.ipAddress.fqdn, ports: g.ipAddress.ports, type: g.ipAddress.type, dnsNameLabel: g.ipAddress.dnsNameLabel },
    dnsNameLabel: g.ipAddress?.dnsNameLabel,
    provisioningState: g.provisioningState,
  }) as ContainerGroupOutputs;
}

/** The live group as inputs, with the write-only values carried over from the old inputs. */
function liveInputs(g: ArmContainerGroup, rg: string, old: ContainerGroupInputs | undefined): ContainerGroupInputs {
  const oldContainers = new Map((old?.containers ?? []).map((c) => [c.name, c]));
  const oldVolumes = new Map((old?.volumes ?? []).map((v) => [v.name, v]));
  const containers = (g.containers ?? []).map((c): ContainerInput => {
    const before = oldContainers.get(c.name);
    const secure = new Map((before?.environmentVariables ?? []).filter((e) => e.secureValue !== undefined).map((e) => [e.name, e.secureValue]));
    return compact({
      name: c.name,
      image: c.image,
      command: c.command?.length ? c.command : undefined,
      ports: c.ports,
      environmentVariables: c.environmentVariables?.map((e) =>
        e.value === undefined || e.value === null ? { name: e.name, secureValue: e.secureValue ?? secure.get(e.name) } : { name: e.name, value: e.value },
      ),
      resources: { requests: { cpu: c.resources.requests.cpu, memoryInGB: c.resources.requests.memoryInGB } },
      volumeMounts: c.volumeMounts,
    }) as ContainerInput;
  });
  const volumes = g.volumes?.map((v): VolumeInput => {
    const before = oldVolumes.get(v.name);
    return compact({
      name: v.name,
      azureFile: v.azureFile && { ...v.azureFile, storageAccountKey: v.azureFile.storageAccountKey ?? before?.azureFile?.storageAccountKey },
      emptyDir: v.emptyDir,
    }) as VolumeInput;
  });
  // The service never returns a registry password: carried over by server.
  const oldPasswords = new Map((old?.imageRegistryCredentials ?? []).map((c) => [c.server.toLowerCase(), c.password]));
  const imageRegistryCredentials = g.imageRegistryCredentials?.length
    ? g.imageRegistryCredentials.map((c) => compact({ server: c.server, username: c.username, password: c.password ?? oldPasswords.get(c.server.toLowerCase()), identity: c.identity }) as ImageRegistryCredentialInput)
    : undefined;
  return compact({
    resourceGroupName: rg,
    containerGroupName: g.name,
    location: old?.location !== undefined && sameLocation(old.location, g.location) ? old.location : g.location,
    osType: g.osType,
    restartPolicy: g.restartPolicy,
    containers,
    ipAddress: g.ipAddress && plain({ type: g.ipAddress.type, ports: g.ipAddress.ports, dnsNameLabel: g.ipAddress.dnsNameLabel }),
    volumes,
    imageRegistryCredentials,
    tags: g.tags,
  }) as ContainerGroupInputs;
}

/**
 * The write-only inputs the service treats as secret (ContainerGroup in the API's definitions marks
 * them `secureValue`, `storageAccountKey`, `password`): encrypted in state even when written as literals.
 */
export const CONTAINER_GROUP_SECRET_INPUTS = [
  "containers[*].environmentVariables[*].secureValue",
  "volumes[*].azureFile.storageAccountKey",
  "imageRegistryCredentials[*].password",
] as const;

/** Provisioning states of a group whose deployment has not ended (notes §1.4). */
const IN_FLIGHT = /^(Pending|Creating|Accepted|Updating|Repairing)$/i;

/** The provider of `azure:containerinstance:ContainerGroup`. */
export function containerGroupProvider({ clients, random }: TypeProviderOptions): SecretAwareProvider<ContainerGroupInputs, ContainerGroupOutputs> {
  const api = async () => (await clients.containers()).containerGroups;
  const address = (id: string) => {
    const parsed = parseArmId(id, "container group");
    return { rg: parsed.resourceGroupName, name: segmentName(parsed, "containerGroups", id) };
  };
  const where = (a: { rg: string; name: string }) => `container group "${a.name}" in resource group "${a.rg}"`;
  const get = async (a: { rg: string; name: string }, ctx: ProviderContext) => {
    try {
      return await (await api()).get(a.rg, a.name, { abortSignal: callSignal(ctx, "read") });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw toProviderError(err, `Reading ${where(a)}`);
    }
  };

  return {
    secretInputs: CONTAINER_GROUP_SECRET_INPUTS,
    // Only tags update in place (the diff replaces for anything else, notes §1.4): the re-PUT keeps
    // the group, its DNS label and so its FQDN, and its IP address.
    stableOutputs: ["id", "name", "resourceGroupName", "location", "osType", "restartPolicy", "fqdn", "ipAddress", "dnsNameLabel"],
    async check(news, olds, ctx) {
      return checkContainerGroup(news, olds, { name: ctx.name, defaultLocation: clients.settings.location, random });
    },
    async diff(_id, olds, news) {
      return diffContainerGroup(olds.inputs, news);
    },
    async create(news, ctx) {
      const a = { rg: news.resourceGroupName, name: news.containerGroupName! };
      // A PUT on an existing group redeploys it: refuse rather than take it over.
      const existing = await get(a, ctx);
      if (existing) throw new ConflictError(alreadyExists(`The ${where(a)}`, existing.id!, "containerGroupName"));
      ctx.log.debug(`creating ${where(a)}`);
      let accepted = false;
      try {
        const poller = await (await api()).beginCreateOrUpdate(a.rg, a.name, toModel(news), { abortSignal: callSignal(ctx, "create"), ...clients.lroOptions() });
        accepted = true;
        const g = await poller.pollUntilDone({ abortSignal: callSignal(ctx, "create") });
        return { id: g.id!, outputs: outputsOf(g, a.rg) };
      } catch (err) {
        const error = toProviderError(err, `Creating ${where(a)}`);
        if (!accepted) throw error;
        // The PUT was accepted, so a group exists (in state Failed, or still deploying after an
        // interrupt): remove it so a failed create leaves nothing behind, or name it to the engine.
        try {
          await (await api()).beginDeleteAndWait(a.rg, a.name, clients.lroOptions());
        } catch (cleanup) {
          if (!isNotFound(cleanup)) {
            const id = `/subscriptions/${clients.subscriptionId}/resourceGroups/${a.rg}/providers/Microsoft.ContainerInstance/containerGroups/${a.name}`;
            throw new PartialCreateError(`${error.message} The failed group could not be removed (${cloudFailure(cleanup).code}); it is recorded so that the next run deletes or replaces it.`, { id, cause: error });
          }
        }
        throw error;
      }
    },
    async find(inputs, ctx) {
      if (inputs.containerGroupName === undefined) return undefined;
      const a = { rg: inputs.resourceGroupName, name: inputs.containerGroupName };
      // ARM records a group as soon as it accepts the PUT, so GET is the truth; a group still
      // deploying is waited for (its IP and FQDN come at the end), then adopted either way.
      const g = await settleCreation<ArmContainerGroup>({
        what: where(a),
        ctx,
        intervalMs: clients.settings.pollIntervalMs,
        probe: async () => {
          const live = await get(a, ctx);
          if (!live) return { kind: "absent" };
          const state = live.provisioningState ?? "Succeeded";
          return IN_FLIGHT.test(state) ? { kind: "creating", value: live, state } : { kind: "found", value: live };
        },
      });
      return g && { id: g.id!, outputs: outputsOf(g, a.rg) };
    },
    async read(id, olds, ctx) {
      const a = address(id);
      const g = await get(a, ctx);
      if (!g) return undefined;
      return { inputs: readInputs(olds.inputs, liveInputs(g, a.rg, olds.inputs)) as ContainerGroupInputs, outputs: outputsOf(g, a.rg) };
    },
    async update(id, _olds, news, ctx) {
      const a = address(id);
      try {
        // Only tags change in place (the diff replaces otherwise). A full PUT, not the tags PATCH,
        // which is reported to fail on groups with Azure Files volumes (azure-rest-api-specs#29821);
        // the write-only keys are re-sent from the inputs.
        const g = await (await api()).beginCreateOrUpdateAndWait(a.rg, a.name, toModel(news), { abortSignal: callSignal(ctx, "update"), ...clients.lroOptions() });
        return { outputs: outputsOf(g, a.rg) };
      } catch (err) {
        throw toProviderError(err, `Updating ${where(a)}`);
      }
    },
    async delete(id, _olds, ctx) {
      const a = address(id);
      // Logged as create is, so the order of a replacement's two halves shows in the events.
      ctx.log.debug(`deleting ${where(a)}`);
      try {
        await (await api()).beginDeleteAndWait(a.rg, a.name, { abortSignal: callSignal(ctx, "delete"), ...clients.lroOptions() });
      } catch (err) {
        if (isNotFound(err)) return;
        throw toProviderError(err, `Deleting ${where(a)}`);
      }
    },
  };
}
