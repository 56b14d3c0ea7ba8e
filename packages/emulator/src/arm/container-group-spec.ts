/**
 * What a container group PUT must satisfy (notes §1.4, §3), the secrets it must never give back,
 * and the properties an update cannot change.
 */
import { ArmError, invalidRequestContent } from "./errors.js";
import { checkContainerName } from "./names.js";

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function arrayOf(v: unknown, what: string): Obj[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every(isObject)) throw invalidRequestContent(`property '${what}' must be an array of objects`);
  return v as Obj[];
}

function portsOf(v: unknown, what: string): { port: number; protocol: string }[] {
  return arrayOf(v, what).map((p) => {
    if (typeof p["port"] !== "number") throw invalidRequestContent(`Required property 'port' not found in JSON in '${what}'`);
    return { port: p["port"], protocol: typeof p["protocol"] === "string" ? p["protocol"].toUpperCase() : "TCP" };
  });
}

/** Validate a PUT body's `properties`; throws the ARM error the real service gives. */
export function validateContainerGroup(group: string, properties: Obj): void {
  const containers = arrayOf(properties["containers"], "properties.containers");
  if (containers.length === 0) throw invalidRequestContent("Required property 'containers' not found in JSON, or it is empty");
  const osType = properties["osType"];
  if (osType !== "Linux" && osType !== "Windows") {
    throw invalidRequestContent(`property 'osType' is required and must be 'Linux' or 'Windows' (got '${String(osType)}')`);
  }
  const restart = properties["restartPolicy"];
  if (restart !== undefined && restart !== "Always" && restart !== "OnFailure" && restart !== "Never") {
    throw invalidRequestContent(`property 'restartPolicy' must be 'Always', 'OnFailure' or 'Never' (got '${String(restart)}')`);
  }
  const volumes = arrayOf(properties["volumes"], "properties.volumes");
  const volumeNames = new Set(volumes.map((v) => String(v["name"])));
  for (const v of volumes) {
    const af = v["azureFile"];
    if (isObject(af) && (typeof af["shareName"] !== "string" || typeof af["storageAccountName"] !== "string")) {
      throw invalidRequestContent(`volume '${String(v["name"])}': azureFile needs 'shareName' and 'storageAccountName'`);
    }
  }
  const containerPorts = new Set<string>();
  const seen = new Set<string>();
  for (const c of containers) {
    const name = typeof c["name"] === "string" ? c["name"] : "";
    checkContainerName(name, group);
    if (seen.has(name)) throw invalidRequestContent(`container name '${name}' appears twice in container group '${group}'`);
    seen.add(name);
    const p = isObject(c["properties"]) ? c["properties"] : {};
    if (typeof p["image"] !== "string" || p["image"] === "") throw invalidRequestContent(`Required property 'image' not found in JSON for container '${name}'`);
    const req = isObject(p["resources"]) && isObject(p["resources"]["requests"]) ? p["resources"]["requests"] : undefined;
    if (!req || typeof req["cpu"] !== "number" || typeof req["memoryInGB"] !== "number") {
      throw invalidRequestContent(`Required property 'resources.requests' (cpu, memoryInGB) not found in JSON for container '${name}'`);
    }
    for (const port of portsOf(p["ports"], `containers['${name}'].ports`)) containerPorts.add(`${port.port}`);
    for (const m of arrayOf(p["volumeMounts"], `containers['${name}'].volumeMounts`)) {
      if (!volumeNames.has(String(m["name"]))) {
        // No public source shows what ACI answers to a mount of an undefined volume (searched issues,
        // docs and code); code and message are ours.
        throw new ArmError({
          status: 400,
          code: "InvalidVolumeMount",
          message: `The volume mount '${String(m["name"])}' of container '${name}' in container group '${group}' refers to a volume that is not defined in 'volumes'.`,
        });
      }
      if (typeof m["mountPath"] === "string" && m["mountPath"].includes(":")) {
        throw invalidRequestContent(`mountPath '${m["mountPath"]}' of container '${name}' must not contain a colon (:)`);
      }
    }
  }
  const ip = properties["ipAddress"];
  if (isObject(ip)) {
    const ports = portsOf(ip["ports"], "ipAddress.ports");
    if (ports.length === 0) {
      throw new ArmError({ status: 400, code: "MissingIpAddressPorts", message: `The ports in the 'ipAddress' of container group '${group}' cannot be empty.` });
    }
    if (ip["type"] !== "Public" && ip["type"] !== "Private") {
      throw invalidRequestContent(`property 'ipAddress.type' is required and must be 'Public' or 'Private' (got '${String(ip["type"])}')`);
    }
    for (const port of ports) {
      // "ACI doesn't support port mapping" (notes §3) and "The exposed_port can only contain ports that
      // are also exposed on one or more containers in the group" (terraform azurerm_container_group
      // docs). Whether ACI itself refuses such a group, and with what code, no public source shows:
      // reports quote only terraform's own check. Code and message are ours.
      if (!containerPorts.has(`${port.port}`)) {
        throw new ArmError({
          status: 400,
          code: "InvalidIpAddressPorts",
          message: `The port '${port.port}' in the 'ipAddress' of container group '${group}' is not exposed by any container. Add it to a container's 'ports'.`,
        });
      }
    }
  }
}

/**
 * A copy without any secret (notes §1.4): azureFile keys, secret volume contents, secure env values,
 * registry passwords, log-analytics keys. Applied before storing, so secrets never reach `arm.json`.
 */
export function withoutSecrets(properties: Obj): Obj {
  const out: Obj = { ...properties };
  out["volumes"] = arrayOf(properties["volumes"], "volumes").map((v) => {
    const copy: Obj = { ...v };
    if (isObject(v["azureFile"])) {
      const { storageAccountKey: _key, ...rest } = v["azureFile"];
      copy["azureFile"] = rest;
    }
    if (isObject(v["secret"])) copy["secret"] = {};
    return copy;
  });
  if (properties["volumes"] === undefined) delete out["volumes"];
  const stripContainers = (list: unknown, what: string) =>
    arrayOf(list, what).map((c) => {
      const p = isObject(c["properties"]) ? c["properties"] : {};
      const env = arrayOf(p["environmentVariables"], "environmentVariables").map((e) => {
        const { secureValue: _s, ...rest } = e;
        return rest;
      });
      return { ...c, properties: { ...p, ...(p["environmentVariables"] === undefined ? {} : { environmentVariables: env }) } };
    });
  out["containers"] = stripContainers(properties["containers"], "containers");
  if (properties["initContainers"] !== undefined) out["initContainers"] = stripContainers(properties["initContainers"], "initContainers");
  if (properties["imageRegistryCredentials"] !== undefined) {
    out["imageRegistryCredentials"] = arrayOf(properties["imageRegistryCredentials"], "imageRegistryCredentials").map((c) => {
      const { password: _p, ...rest } = c;
      return rest;
    });
  }
  const diag = properties["diagnostics"];
  if (isObject(diag) && isObject(diag["logAnalytics"])) {
    const { workspaceKey: _w, ...la } = diag["logAnalytics"];
    out["diagnostics"] = { ...diag, logAnalytics: la };
  }
  return out;
}

/** JSON with sorted keys: the SDKs serialise properties in their own order. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (!isObject(v)) return v ?? null;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
}

function requestsOf(properties: Obj): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of arrayOf(properties["containers"], "containers")) {
    const p = isObject(c["properties"]) ? c["properties"] : {};
    const r = isObject(p["resources"]) ? p["resources"] : {};
    out.set(String(c["name"]), JSON.stringify([canonical(r["requests"]), canonical(r["limits"])]));
  }
  return out;
}

function portSet(properties: Obj): string {
  const ip = properties["ipAddress"];
  if (!isObject(ip)) return "";
  return portsOf(ip["ports"], "ipAddress.ports").map((p) => `${p.protocol}/${p.port}`).sort().join(",");
}

/**
 * The first property an update may not change, or undefined. The message lists os type, restart
 * policy, network profile, CPU, memory and GPU; the 2018 docs add ports (notes §1.4).
 */
export function immutableChange(before: Obj, after: Obj): string | undefined {
  if (before["osType"] !== after["osType"]) return "osType";
  if ((before["restartPolicy"] ?? "Always") !== (after["restartPolicy"] ?? "Always")) return "restartPolicy";
  if (JSON.stringify(canonical(before["subnetIds"] ?? [])) !== JSON.stringify(canonical(after["subnetIds"] ?? []))) return "subnetIds";
  if ((before["sku"] ?? "Standard") !== (after["sku"] ?? "Standard")) return "sku";
  const a = requestsOf(before);
  const b = requestsOf(after);
  for (const [name, r] of b) if (a.has(name) && a.get(name) !== r) return `containers['${name}'].resources`;
  if (portSet(before) !== portSet(after)) return "ipAddress.ports";
  return undefined;
}
