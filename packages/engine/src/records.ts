/**
 * Building state records from registrations, and telling cheaply whether a record changed
 * (so unchanged `same` resources cost no state write at all).
 */
import type { PropertyMap, ProviderRef } from "@iac/sdk/provider";
import type { ResourceRegistration } from "@iac/sdk/runtime";
import type { ResourceState } from "./state/types.js";
import { sameRecord } from "./values.js";

/** The state record of a registered resource. Optional fields are only present when set (small state). */
export function recordOf(options: {
  readonly reg: ResourceRegistration;
  readonly id?: string;
  readonly inputs: PropertyMap;
  readonly outputs: PropertyMap;
  readonly created?: string;
  readonly now: string;
}): ResourceState {
  const { reg } = options;
  const o = reg.options;
  // Assigned one by one in the state's key order (no temporary object per optional field: this
  // runs for every step).
  const r: { -readonly [K in keyof ResourceState]?: ResourceState[K] } = { urn: reg.urn, type: reg.type, custom: reg.custom };
  if (options.id !== undefined) r.id = options.id;
  if (reg.parent !== undefined) r.parent = reg.parent;
  if (reg.provider !== undefined) r.provider = reg.provider;
  r.inputs = options.inputs;
  r.outputs = options.outputs;
  r.dependencies = reg.dependencies;
  if (reg.propertyDependencies !== undefined && hasKeys(reg.propertyDependencies)) r.propertyDependencies = reg.propertyDependencies;
  if (o.protect) r.protect = true;
  if (o.retainOnDelete) r.retainOnDelete = true;
  if (o.deleteBeforeReplace) r.deleteBeforeReplace = true;
  if (o.ignoreChanges && o.ignoreChanges.length > 0) r.ignoreChanges = o.ignoreChanges;
  if (o.customTimeouts && hasKeys(o.customTimeouts)) r.customTimeouts = o.customTimeouts;
  if (o.additionalSecretOutputs && o.additionalSecretOutputs.length > 0) r.additionalSecretOutputs = o.additionalSecretOutputs;
  r.created = options.created ?? options.now;
  r.modified = options.now;
  return r as ResourceState;
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/** True when the two records differ in anything but their timestamps. */
export function recordChanged(a: ResourceState, b: ResourceState): boolean {
  return (
    a.urn !== b.urn ||
    a.type !== b.type ||
    a.custom !== b.custom ||
    a.id !== b.id ||
    a.parent !== b.parent ||
    !sameRef(a.provider, b.provider) ||
    !sameList(a.dependencies, b.dependencies) ||
    !!a.protect !== !!b.protect ||
    !!a.retainOnDelete !== !!b.retainOnDelete ||
    !!a.deleteBeforeReplace !== !!b.deleteBeforeReplace ||
    !sameList(a.ignoreChanges ?? [], b.ignoreChanges ?? []) ||
    !sameList(a.additionalSecretOutputs ?? [], b.additionalSecretOutputs ?? []) ||
    !sameRecord((a.customTimeouts ?? {}) as PropertyMap, (b.customTimeouts ?? {}) as PropertyMap) ||
    !sameRecord((a.propertyDependencies ?? {}) as unknown as PropertyMap, (b.propertyDependencies ?? {}) as unknown as PropertyMap) ||
    !sameRecord(a.inputs, b.inputs) ||
    !sameRecord(a.outputs, b.outputs)
  );
}

function sameRef(a: ProviderRef | undefined, b: ProviderRef | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.module === b.module && a.urn === b.urn);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
