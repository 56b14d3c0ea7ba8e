/**
 * What the emulated ARM holds: resources and long-running operations, as plain JSON-able records
 * (they are persisted as they are in `arm.json`). Keys of {@link ArmState.resources} are resource
 * ids in lower case, because ARM matches ids case-insensitively while it keeps the casing the
 * caller last sent in the `id` it returns (notes §0.1, RPC "Put Resource").
 */

/** A JSON object as the SDK sends it; validated where it is read. */
export type Json = { readonly [key: string]: unknown };

/** What every stored resource has. */
interface ResourceBase {
  /** The id with the caller's casing (`/subscriptions/{sub}/resourceGroups/{rg}/...`). */
  readonly id: string;
  readonly subscriptionId: string;
  /** Resource group name as the caller spelled it. */
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface ResourceGroupRecord extends ResourceBase {
  readonly kind: "resourceGroup";
  readonly managedBy?: string;
  /** Id of the running delete operation; the group shows `Deleting` and refuses writes meanwhile. */
  readonly deleteOperation?: string;
}

export interface StorageKey {
  readonly keyName: "key1" | "key2";
  /** The key's value is derived from this and the cloud's secret when listed (key-secret.ts): never stored. */
  readonly nonce: string;
  readonly creationTime: string;
}

export interface StorageAccountRecord extends ResourceBase {
  readonly kind: "storageAccount";
  readonly sku: { readonly name: string };
  readonly accountKind: string;
  /** The request's `properties` as last sent (merged by PATCH/re-PUT); defaults are added on read. */
  readonly properties: Json;
  /** Other top-level fields the caller sent (identity, extendedLocation, zones...). */
  readonly extra: Json;
  readonly creationTime: string;
  readonly keys: readonly [StorageKey, StorageKey];
  /** Id of the create operation while it runs: the account is invisible (404) until it ends. */
  readonly createOperation?: string;
}

export interface FileShareRecord extends ResourceBase {
  readonly kind: "fileShare";
  /** Name of the storage account the share lives in (as spelled in its id). */
  readonly accountName: string;
  readonly properties: Json;
  readonly etag: string;
  readonly lastModifiedTime: string;
}

export interface ContainerGroupRecord extends ResourceBase {
  readonly kind: "containerGroup";
  /** `properties` as sent, with every secret already removed (they are never stored). */
  readonly properties: Json;
  /** Other top-level fields the caller sent (identity, zones...). */
  readonly extra: Json;
  /** Public IP address given at creation, kept across updates. */
  readonly ip: string;
  readonly createdAt: string;
  /** The operation of the last PUT (or start): provisioningState follows its status. */
  readonly operation: string;
  /** Stopped by `stop` (until `start`, `restart` or a PUT). */
  readonly stopped?: boolean;
  /** When `restart` last restarted the containers (their start time from then on). */
  readonly restartedAt?: string;
}

/**
 * Any other resource type, served from the type definitions (generic.ts). `resourceGroup` is ""
 * for a resource at subscription scope.
 */
export interface GenericRecord extends ResourceBase {
  readonly kind: "generic";
  /** The ARM type in the definitions' spelling (`Microsoft.Network/virtualNetworks/subnets`). */
  readonly type: string;
  /** The api-version of the last write. */
  readonly apiVersion: string;
  /**
   * The body's top-level fields as last written, validated against the definitions: read-only,
   * write-only, sensitive and unknown properties already removed (secrets are never stored).
   */
  readonly body: Json;
  /** Values the local cloud gave the resource at creation (ids, addresses): kept for its lifetime. */
  readonly assigned: Json;
  readonly etag: string;
  readonly createdAt: string;
  /** The operation of the last PUT of a long-running type: provisioningState follows it. */
  readonly operation?: string;
  /** Set when that operation failed, so the resource stays `Failed` after the operation is forgotten. */
  readonly failed?: boolean;
  /** The running delete operation: the resource shows `Deleting` until it ends. */
  readonly deleteOperation?: string;
}

/** A stored resource, tagged by `kind`. */
export type ResourceRecord = ResourceGroupRecord | StorageAccountRecord | FileShareRecord | ContainerGroupRecord | GenericRecord;

/** An error a failed operation reports (from a `failOperation` fault). */
export interface OperationFailure {
  readonly code: string;
  readonly message: string;
}

interface OperationBase {
  readonly id: string;
  /** Key (lower-case id) of the resource the operation is about. */
  readonly resourceKey: string;
  /** Epoch milliseconds; the status is computed from the time since then, so it survives restarts. */
  readonly startedAt: number;
  /** Milliseconds per step of the operation. */
  readonly stepMs: number;
  readonly failure?: OperationFailure;
  /** Set once the operation's effect on the resources has been applied. */
  readonly applied?: boolean;
}

/** Storage account creation: running for two steps, then the account appears (or not, on failure). */
export interface StorageCreateOperation extends OperationBase {
  readonly kind: "storageCreate";
  readonly location: string;
}

/** Container group create or update: Pending for a step, Creating for a step, then Succeeded/Failed. */
export interface ContainerGroupOperation extends OperationBase {
  readonly kind: "containerGroupCreate";
  readonly location: string;
}

/** Resource group deletion: Deleting for two steps, then the group and all it holds are gone. */
export interface ResourceGroupDeleteOperation extends OperationBase {
  readonly kind: "resourceGroupDelete";
}

/**
 * What an agent acting on the cluster (flux-agent.ts: AKS's extension manager and fluxconfig agent)
 * still has to do before an operation ends: `running` holds it InProgress whatever the clock says.
 */
export type AgentState = "running" | "done";

/** Create or update of a generic long-running type: InProgress for two steps, then Succeeded/Failed. */
export interface GenericPutOperation extends OperationBase {
  readonly kind: "genericPut";
  readonly agent?: AgentState;
}

/** Delete of a generic long-running type: InProgress for two steps, then the resource and its children are gone. */
export interface GenericDeleteOperation extends OperationBase {
  readonly kind: "genericDelete";
  readonly agent?: AgentState;
}

export type OperationRecord =
  | StorageCreateOperation
  | ContainerGroupOperation
  | ResourceGroupDeleteOperation
  | GenericPutOperation
  | GenericDeleteOperation;

/** Everything the emulated ARM holds; the content of `arm.json`. */
export interface ArmState {
  readonly version: 1;
  resources: Record<string, ResourceRecord>;
  operations: Record<string, OperationRecord>;
  /** Tags of each subscription (key: subscription id in lower case), set through Microsoft.Resources/tags. */
  subscriptionTags?: Record<string, Record<string, string>>;
  /** Predefined tag names and their values per subscription (PUT …/tagNames/{name}[/tagValues/{value}]). */
  tagNames?: Record<string, Record<string, string[]>>;
}

/** The status words operations go through (ACI's, notes §1.4). */
export type OperationStatus = "Pending" | "Creating" | "Running" | "InProgress" | "Succeeded" | "Failed";
