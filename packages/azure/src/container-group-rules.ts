/**
 * Container group rules: check and diff, pure (reference/notes/azure-arm.md §1.4, §3).
 *
 * The service refuses in-place changes to OS type, restart policy, CPU, memory and ports, and
 * restarts every container on any re-PUT; like terraform, every change except `tags` replaces.
 * Rules the cloud enforces at PUT time are checked here first so that `iac preview` fails: every
 * container has resources, ipAddress ports are non-empty (MissingIpAddressPorts) and each is
 * exposed by a container ("ACI doesn't support port mapping").
 */
import { type CheckResult, type DiffResult, type PropertyValue } from "@iac/sdk/provider";
import { conformArgs, fields, listOf, oneOf, type Shape } from "./arg-shapes.js";
import type { CheckEnv } from "./check-env.js";
import { checkBoolean, checkOneOf, checkTags, Failures, isKnown, isUnknown, knownArray, knownNumber, knownObject, knownString } from "./check-helpers.js";
import { diffInputs, unknownSuffix, type DiffRules } from "./diff.js";
import { autonameContainerGroup, containerGroupNameProblem, containerNameProblem, dnsNameLabelProblem } from "./naming.js";
import { checkLocation, sameLocation } from "./resource-group-rules.js";
import { checkResourceGroupName } from "./storage-account-rules.js";

/** A port: `{ port, protocol? }` (Port / ContainerPort of @azure/arm-containerinstance). */
export type PortInput = { port: number; protocol?: string };

/** An environment variable: a plain `value` or a write-only `secureValue`. */
export type EnvironmentVariableInput = { name: string; value?: string; secureValue?: string };

export type ContainerInput = {
  name: string;
  image: string;
  command?: string[];
  ports?: PortInput[];
  environmentVariables?: EnvironmentVariableInput[];
  resources: { requests: { cpu: number; memoryInGB: number } };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
};

export type VolumeInput = {
  name: string;
  azureFile?: { shareName: string; storageAccountName: string; storageAccountKey?: string; readOnly?: boolean };
  emptyDir?: Record<string, string>;
};

/**
 * Credentials for a private registry: `username` and a write-only `password` (the service never
 * returns it), or the resource id of a managed `identity` allowed to pull.
 */
export type ImageRegistryCredentialInput = { server: string; username?: string; password?: string; identity?: string };

/** Inputs of `azure:containerinstance:ContainerGroup` (ContainerGroup of @azure/arm-containerinstance, flattened). */
export type ContainerGroupInputs = {
  resourceGroupName: string;
  containerGroupName?: string;
  location?: string;
  osType: string;
  restartPolicy?: string;
  containers: ContainerInput[];
  ipAddress?: { type: string; ports: PortInput[]; dnsNameLabel?: string };
  volumes?: VolumeInput[];
  imageRegistryCredentials?: ImageRegistryCredentialInput[];
  tags?: Record<string, string>;
};

/** Per-container limits: generous bounds of the largest ACI offers (standard containers go to 4 vCPU / 16 GB in most regions). */
const MAX_CPU = 32;
const MAX_MEMORY_GB = 256;

const OS_TYPES = ["Linux", "Windows"] as const;
const RESTART_POLICIES = ["Always", "OnFailure", "Never"] as const;
const IP_TYPES = ["Public", "Private"] as const;
const PORT_PROTOCOLS = ["TCP", "UDP"] as const;
const PORT: Shape = fields({ port: "value", protocol: oneOf(PORT_PROTOCOLS) });

/** The args a container group takes (arg-shapes.ts): unknown ones refused, enums in the service's spelling. */
export const CONTAINER_GROUP_SHAPE: Shape = fields({
  resourceGroupName: "value",
  containerGroupName: "value",
  location: "value",
  osType: oneOf(OS_TYPES),
  restartPolicy: oneOf(RESTART_POLICIES),
  containers: listOf(
    fields({
      name: "value",
      image: "value",
      command: listOf("value"),
      ports: listOf(PORT),
      environmentVariables: listOf(fields({ name: "value", value: "value", secureValue: "value" })),
      resources: fields({ requests: fields({ cpu: "value", memoryInGB: "value" }) }),
      volumeMounts: listOf(fields({ name: "value", mountPath: "value", readOnly: "value" })),
    }),
  ),
  ipAddress: fields({ type: oneOf(IP_TYPES), ports: listOf(PORT), dnsNameLabel: "value" }),
  volumes: listOf(fields({ name: "value", azureFile: fields({ shareName: "value", storageAccountName: "value", storageAccountKey: "value", readOnly: "value" }), emptyDir: "any" })),
  imageRegistryCredentials: listOf(fields({ server: "value", username: "value", password: "value", identity: "value" })),
  tags: "any",
});

/** Validate, default the location, and autoname (keeping the old name). */
export function checkContainerGroup(news: ContainerGroupInputs, olds: ContainerGroupInputs | undefined, env: CheckEnv): CheckResult<ContainerGroupInputs> {
  const failures = new Failures();
  const inputs: ContainerGroupInputs = conformArgs(news, CONTAINER_GROUP_SHAPE, failures);
  if (inputs.containerGroupName === undefined) {
    inputs.containerGroupName = olds?.containerGroupName ?? autonameContainerGroup({ name: env.name, random: env.random });
  }
  const name = knownString(failures, "containerGroupName", inputs.containerGroupName);
  const problem = name === undefined ? undefined : containerGroupNameProblem(name);
  if (problem) failures.add("containerGroupName", `container group name "${name}" ${problem}`);
  checkResourceGroupName(failures, inputs.resourceGroupName);
  checkLocation(failures, inputs, env);
  if (inputs.osType === undefined) failures.add("osType", 'is required: "Linux" or "Windows"');
  checkOneOf(failures, { property: "osType", value: inputs.osType, allowed: OS_TYPES });
  checkOneOf(failures, { property: "restartPolicy", value: inputs.restartPolicy, allowed: RESTART_POLICIES });
  checkTags(failures, "tags", inputs.tags);
  const volumeNames = checkVolumes(failures, inputs);
  const exposed = checkContainers(failures, inputs, volumeNames);
  checkIpAddress(failures, inputs, exposed);
  checkRegistryCredentials(failures, inputs.imageRegistryCredentials);
  return { inputs, failures: failures.list };
}

function checkRegistryCredentials(failures: Failures, value: PropertyValue | undefined): void {
  const list = knownArray(failures, "imageRegistryCredentials", value);
  const servers = new Map<string, string>();
  list?.forEach((v, i) => {
    const at = `imageRegistryCredentials[${i}]`;
    const c = knownObject(failures, at, v);
    if (!c) return;
    const server = knownString(failures, `${at}.server`, c.server);
    if (c.server === undefined || server === "") failures.add(`${at}.server`, 'is required: the registry\'s host name, e.g. "myregistry.azurecr.io"');
    if (server !== undefined && /^[a-z]+:\/\//i.test(server)) failures.add(`${at}.server`, `must be a host name without a scheme ("${server.replace(/^[a-z]+:\/\//i, "")}")`);
    if (server !== undefined && server !== "") {
      const first = servers.get(server.toLowerCase());
      if (first !== undefined) failures.add(`${at}.server`, `registry "${server}" has credentials twice (also ${first}): keep one`);
      else servers.set(server.toLowerCase(), at);
    }
    knownString(failures, `${at}.username`, c.username);
    knownString(failures, `${at}.identity`, c.identity);
    // Never echo the password into a message: say only what is wrong with it.
    if (isKnown(c.password) && typeof c.password !== "string") failures.add(`${at}.password`, "must be a string");
    if (c.identity === undefined && (c.username === undefined || c.password === undefined)) {
      failures.add(at, "needs username and password, or the identity (a managed identity's resource id) allowed to pull");
    }
  });
}

/** Ports exposed by the containers as `port/PROTOCOL`; undefined when some are not known yet. */
type Exposed = Set<string> | undefined;

function portKey(port: unknown, protocol: unknown): string {
  return `${String(port)}/${typeof protocol === "string" ? protocol.toUpperCase() : "TCP"}`;
}

/**
 * Where each port of a list (or of all the containers) was first seen, to refuse the same port
 * twice: the cloud accepts some duplicates silently and then serves only one of them.
 */
type PortOwners = Map<string, { readonly at: string; readonly container?: string }>;

function checkPorts(failures: Failures, property: string, value: unknown, into: Set<string> | undefined, owners: { list: PortOwners; group?: PortOwners; container?: string } = { list: new Map() }): boolean {
  const ports = knownArray(failures, property, value);
  if (!ports) return !isUnknown(value);
  let known = true;
  ports.forEach((p, i) => {
    const port = knownObject(failures, `${property}[${i}]`, p);
    if (!port) {
      known = false;
      return;
    }
    const n = knownNumber(failures, `${property}[${i}].port`, port.port);
    if (port.port === undefined) failures.add(`${property}[${i}].port`, "is required");
    if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > 65535)) failures.add(`${property}[${i}].port`, `must be a whole number from 1 to 65535 (got ${n})`);
    checkOneOf(failures, { property: `${property}[${i}].protocol`, value: port.protocol, allowed: PORT_PROTOCOLS });
    if (!isKnown(port.port) || isUnknown(port.protocol)) {
      known = false;
      return;
    }
    const key = portKey(port.port, port.protocol);
    const at = `${property}[${i}]`;
    const inList = owners.list.get(key);
    const inGroup = owners.group?.get(key);
    if (inList) failures.add(`${at}.port`, `port ${key} is listed twice (also ${inList.at}): remove one`);
    else if (inGroup) {
      failures.add(
        `${at}.port`,
        `port ${key} is already used by container "${inGroup.container}" (${inGroup.at}): the containers of a group share one IP address, so each port can belong to one container only`,
      );
    }
    owners.list.set(key, owners.list.get(key) ?? { at });
    if (owners.group && !inGroup) owners.group.set(key, { at, container: owners.container });
    into?.add(key);
  });
  return known;
}

function checkContainers(failures: Failures, inputs: ContainerGroupInputs, volumeNames: Set<string> | undefined): Exposed {
  if (inputs.containers === undefined) {
    failures.add("containers", "is required: a container group needs at least one container");
    return undefined;
  }
  const containers = knownArray(failures, "containers", inputs.containers);
  if (!containers) return undefined;
  if (containers.length === 0) failures.add("containers", "must hold at least one container");
  let exposed: Exposed = new Set<string>();
  const names = new Set<string>();
  const portOwners: PortOwners = new Map();
  containers.forEach((value, i) => {
    const at = `containers[${i}]`;
    const c = knownObject(failures, at, value);
    if (!c) {
      exposed = undefined;
      return;
    }
    const name = knownString(failures, `${at}.name`, c.name);
    if (c.name === undefined) failures.add(`${at}.name`, "is required");
    if (name !== undefined) {
      const problem = containerNameProblem(name);
      if (problem) failures.add(`${at}.name`, `container name "${name}" ${problem}`);
      if (names.has(name)) failures.add(`${at}.name`, `container name "${name}" is used twice; names must be unique in a group`);
      names.add(name);
    }
    if (c.image === undefined || c.image === "") failures.add(`${at}.image`, "is required (e.g. \"nginx:1.27\")");
    knownString(failures, `${at}.image`, c.image);
    checkResources(failures, at, c.resources);
    if (!checkPorts(failures, `${at}.ports`, c.ports, exposed, { list: new Map(), group: portOwners, container: name ?? at })) exposed = undefined;
    checkEnvironment(failures, at, c.environmentVariables);
    checkMounts(failures, at, c.volumeMounts, volumeNames);
    const command = knownArray(failures, `${at}.command`, c.command);
    command?.forEach((arg, j) => knownString(failures, `${at}.command[${j}]`, arg));
  });
  return exposed;
}

function checkResources(failures: Failures, at: string, value: PropertyValue | undefined): void {
  if (value === undefined) {
    failures.add(`${at}.resources`, "is required: every container needs resources.requests { cpu, memoryInGB }, e.g. { requests: { cpu: 1, memoryInGB: 1.5 } }");
    return;
  }
  const resources = knownObject(failures, `${at}.resources`, value);
  if (!resources) return;
  const requests = knownObject(failures, `${at}.resources.requests`, resources.requests);
  if (resources.requests === undefined) {
    failures.add(`${at}.resources.requests`, "is required: { cpu, memoryInGB }, e.g. { cpu: 1, memoryInGB: 1.5 }");
    return;
  }
  if (!requests) return;
  if (requests.cpu === undefined) failures.add(`${at}.resources.requests.cpu`, "is required (number of vCPUs, e.g. 1 or 0.5)");
  if (requests.memoryInGB === undefined) failures.add(`${at}.resources.requests.memoryInGB`, "is required (GB, e.g. 1.5)");
  const cpu = knownNumber(failures, `${at}.resources.requests.cpu`, requests.cpu);
  if (cpu !== undefined && (cpu <= 0 || cpu > MAX_CPU || Math.round(cpu * 100) !== cpu * 100)) {
    failures.add(`${at}.resources.requests.cpu`, `must be more than 0 and at most ${MAX_CPU} vCPUs, in steps of 0.01 (got ${cpu})`);
  }
  const memory = knownNumber(failures, `${at}.resources.requests.memoryInGB`, requests.memoryInGB);
  if (memory !== undefined && (memory <= 0 || memory > MAX_MEMORY_GB || Math.abs(Math.round(memory * 10) - memory * 10) > 1e-9)) {
    failures.add(`${at}.resources.requests.memoryInGB`, `must be more than 0 and at most ${MAX_MEMORY_GB} GB, in steps of 0.1 (got ${memory})`);
  }
}

function checkEnvironment(failures: Failures, at: string, value: PropertyValue | undefined): void {
  const vars = knownArray(failures, `${at}.environmentVariables`, value);
  const seen = new Set<string>();
  vars?.forEach((v, j) => {
    const p = `${at}.environmentVariables[${j}]`;
    const e = knownObject(failures, p, v);
    if (!e) return;
    const name = knownString(failures, `${p}.name`, e.name);
    if (e.name === undefined || name === "") failures.add(`${p}.name`, "is required");
    if (name !== undefined && seen.has(name)) failures.add(`${p}.name`, `"${name}" is set twice in this container`);
    if (name !== undefined) seen.add(name);
    if (e.value !== undefined && e.secureValue !== undefined) failures.add(p, "set either value or secureValue, not both");
    knownString(failures, `${p}.value`, e.value);
    // Never echo a secure value into a message: say only that its type is wrong.
    if (isKnown(e.secureValue) && typeof e.secureValue !== "string") failures.add(`${p}.secureValue`, "must be a string");
  });
}

function checkMounts(failures: Failures, at: string, value: PropertyValue | undefined, volumeNames: Set<string> | undefined): void {
  const mounts = knownArray(failures, `${at}.volumeMounts`, value);
  mounts?.forEach((m, j) => {
    const p = `${at}.volumeMounts[${j}]`;
    const mount = knownObject(failures, p, m);
    if (!mount) return;
    const name = knownString(failures, `${p}.name`, mount.name);
    if (mount.name === undefined) failures.add(`${p}.name`, "is required: the name of one of the group's volumes");
    if (name !== undefined && volumeNames !== undefined && !volumeNames.has(name)) {
      failures.add(`${p}.name`, `no volume named "${name}" in volumes; add it or fix the name`);
    }
    const path = knownString(failures, `${p}.mountPath`, mount.mountPath);
    if (mount.mountPath === undefined) failures.add(`${p}.mountPath`, "is required (e.g. /mnt/data)");
    if (path !== undefined && path.includes(":")) failures.add(`${p}.mountPath`, "must not contain a colon (:)");
    checkBoolean(failures, `${p}.readOnly`, mount.readOnly);
  });
}

/** Volume names, or undefined when some are not known yet. */
function checkVolumes(failures: Failures, inputs: ContainerGroupInputs): Set<string> | undefined {
  if (inputs.volumes === undefined) return new Set();
  const volumes = knownArray(failures, "volumes", inputs.volumes);
  if (!volumes) return undefined;
  let names: Set<string> | undefined = new Set<string>();
  volumes.forEach((v, i) => {
    const at = `volumes[${i}]`;
    const volume = knownObject(failures, at, v);
    if (!volume) {
      names = undefined;
      return;
    }
    const name = knownString(failures, `${at}.name`, volume.name);
    if (volume.name === undefined) failures.add(`${at}.name`, "is required");
    if (name === undefined) names = undefined;
    else if (names?.has(name)) failures.add(`${at}.name`, `volume name "${name}" is used twice`);
    else names?.add(name);
    if (volume.azureFile === undefined && volume.emptyDir === undefined) failures.add(at, "needs a source: azureFile { shareName, storageAccountName, storageAccountKey } or emptyDir {}");
    const file = knownObject(failures, `${at}.azureFile`, volume.azureFile);
    if (file) {
      if (file.shareName === undefined) failures.add(`${at}.azureFile.shareName`, "is required");
      if (file.storageAccountName === undefined) failures.add(`${at}.azureFile.storageAccountName`, "is required");
      if (file.storageAccountKey === undefined) failures.add(`${at}.azureFile.storageAccountKey`, "is required: pass the account's key (e.g. `storageAccountKey: account.primaryKey`)");
      if (inputs.osType === "Windows") failures.add(`${at}.azureFile`, "Azure Files volumes can only be mounted in Linux container groups");
    }
  });
  return names;
}

function checkIpAddress(failures: Failures, inputs: ContainerGroupInputs, exposed: Exposed): void {
  const ip = knownObject(failures, "ipAddress", inputs.ipAddress);
  if (!ip) return;
  if (ip.type === undefined) failures.add("ipAddress.type", 'is required: "Public" or "Private"');
  checkOneOf(failures, { property: "ipAddress.type", value: ip.type, allowed: IP_TYPES });
  if (ip.ports === undefined || (Array.isArray(ip.ports) && ip.ports.length === 0)) {
    failures.add("ipAddress.ports", "must list at least one port (the service answers MissingIpAddressPorts otherwise)");
  }
  const own = new Set<string>();
  const known = checkPorts(failures, "ipAddress.ports", ip.ports, own);
  if (known && exposed !== undefined) {
    for (const key of own) {
      if (!exposed.has(key)) {
        failures.add("ipAddress.ports", `port ${key} is not exposed by any container: add { port: ${key.split("/")[0]} } to a container's ports (ACI does not map ports)`);
      }
    }
  }
  const label = knownString(failures, "ipAddress.dnsNameLabel", ip.dnsNameLabel);
  const labelProblem = label === undefined ? undefined : dnsNameLabelProblem(label);
  if (labelProblem) failures.add("ipAddress.dnsNameLabel", `DNS name label "${label}" ${labelProblem}`);
  if (label !== undefined && ip.type === "Private") failures.add("ipAddress.dnsNameLabel", 'a DNS name label needs a public IP address: set type "Public"');
}

const rules: DiffRules = {
  replaceReason(change) {
    switch (change.top) {
      case "tags":
        return undefined;
      case "containerGroupName":
        return `a container group cannot be renamed${unknownSuffix(change)}`;
      case "location":
        return `a container group cannot move to another location${unknownSuffix(change)}`;
      case "resourceGroupName":
        return `a container group cannot move to another resource group${unknownSuffix(change)}`;
      default:
        return `a container group is redeployed to change ${change.path} (only tags update in place)${unknownSuffix(change)}`;
    }
  },
  equal: { location: sameLocation },
  // Unset restart policy is Always (container-instances-restart-policy docs).
  defaults: { restartPolicy: "Always" },
  // The DNS label must be unique in the region: a replacement keeping it deletes first.
  uniqueNames: [["resourceGroupName", "containerGroupName"], ["location", "ipAddress.dnsNameLabel"]],
};

/** Only tags update in place; everything else replaces, with the reason. */
export function diffContainerGroup(olds: ContainerGroupInputs, news: ContainerGroupInputs): DiffResult {
  return diffInputs(olds, news, rules);
}
