/**
 * The state model and the store contract between the deployment engine (plan/apply) and the
 * state backends (file, later Azure Blob). See docs/state-format.md.
 *
 * In memory, secret values are wrapped (`wrapSecret` from @iac/sdk/runtime) and plaintext; a
 * store encrypts them when it writes (AES-256-GCM) and decrypts them when it reads, so nothing
 * secret reaches the disk in plaintext.
 */
import type { CustomTimeouts, PropertyMap, ProviderRef } from "@iac/sdk/provider";

export const STATE_VERSION = 1;

export interface ResourceState {
  readonly urn: string;
  readonly type: string;
  /** True for resources a provider manages; false for components and the stack root. */
  readonly custom: boolean;
  /** Physical id (custom resources). */
  readonly id?: string;
  readonly parent?: string;
  readonly provider?: ProviderRef;
  readonly inputs: PropertyMap;
  readonly outputs: PropertyMap;
  /** URNs this resource depends on (must appear earlier in the snapshot). */
  readonly dependencies: readonly string[];
  readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
  readonly protect?: boolean;
  readonly retainOnDelete?: boolean;
  readonly deleteBeforeReplace?: boolean;
  readonly ignoreChanges?: readonly string[];
  readonly customTimeouts?: CustomTimeouts;
  readonly additionalSecretOutputs?: readonly string[];
  /** An old copy kept while its replacement is created (create-before-delete); deleted at the end. */
  readonly pendingDelete?: boolean;
  /** ISO times. */
  readonly created?: string;
  readonly modified?: string;
}

export type PendingOp = "create" | "update" | "delete" | "read" | "import";

/**
 * Written before a cloud call, cleared after it. One that survives a crash tells the next run
 * that the cloud may hold something the state does not name (create) or may have changed.
 */
export interface PendingOperation {
  readonly urn: string;
  readonly type: string;
  readonly op: PendingOp;
  /** The id when known (update, delete, read, import; create once a partial id is known). */
  readonly id?: string;
  /** The inputs sent (so the next run can tell the user what may exist). */
  readonly inputs?: PropertyMap;
  readonly provider?: ProviderRef;
  /** ISO time. */
  readonly time: string;
}

export interface Snapshot {
  readonly version: typeof STATE_VERSION;
  readonly project: string;
  readonly stack: string;
  /** How secrets are encrypted: `passphrase` (IAC_CONFIG_PASSPHRASE, scrypt salt in stack config) or `keyfile` (path). */
  readonly secretsProvider: { readonly type: "passphrase" | "keyfile"; readonly keyFile?: string };
  /** Resources in dependency order: everything a resource depends on comes before it. */
  readonly resources: readonly ResourceState[];
  readonly pendingOperations: readonly PendingOperation[];
  /** Stack outputs of the last successful update. */
  readonly outputs: PropertyMap;
  /** ISO time of the last write. */
  readonly updated?: string;
}

/** Handle of an operation recorded by {@link StateWriter.begin}. */
export interface OperationHandle {
  readonly seq: number;
  readonly op: PendingOperation;
}

/**
 * What the engine writes through during one `up`, `destroy` or `refresh`. Every method is durable
 * when its promise settles (appended to the journal and flushed). Cost per call is constant: it
 * does not grow with the number of resources in the stack.
 *
 * Order: each call applies its record and queues it synchronously, when it is called, and records
 * become durable in call order (never a later one without every earlier one). So a caller may go
 * on without awaiting a write when a later write that is awaited covers it (the engine relies on
 * this for a step's `end`: see `Deployment.recorded`).
 */
export interface StateWriter {
  /** The state as it was when the writer was opened (pending operations included). */
  readonly base: Snapshot;
  /** Record that a cloud call is about to be made. */
  begin(op: PendingOperation): Promise<OperationHandle>;
  /**
   * Resolve a pending operation: `upsert` writes the resource's new state, `remove` drops it
   * (a delete that succeeded), `none` clears the pending record only (the call failed and
   * left nothing).
   */
  end(handle: OperationHandle, result: { readonly upsert: ResourceState } | { readonly remove: string } | { readonly none: true }): Promise<void>;
  /** Record a resource without a cloud call (a `same` step with new metadata, a component, a refresh result). */
  put(resource: ResourceState): Promise<void>;
  /** Drop a resource without a cloud call (`state delete`, a refresh that found it gone). */
  remove(urn: string): Promise<void>;
  /** Drop pending operations that the user resolved (refresh, or state repair). */
  clearPending(urns: readonly string[]): Promise<void>;
  setOutputs(outputs: PropertyMap): Promise<void>;
  /** The current state (base + everything written). */
  current(): Snapshot;
  /**
   * Aborted at the first write that fails (disk full, permission denied, a storage error), with
   * the full error as its reason; every record after it is rejected with an error of the same code
   * and a short message. A run stops when it is aborted and reports the reason once.
   * Absent: the writer cannot fail that way.
   */
  readonly failed?: AbortSignal;
  /** Compact the journal into the snapshot (temp file, fsync, rename) and release resources. */
  close(): Promise<void>;
}

/** Who holds a stack's lock. */
export interface LockInfo {
  readonly host: string;
  readonly pid: number;
  readonly time: string;
  readonly command: string;
  readonly user?: string;
}

export interface Lock {
  readonly info: LockInfo;
  /**
   * Aborted (with a `StackLockLost` StateError as its reason) when this holder finds it no longer
   * holds the lock: broken by `iac cancel --force`, or an azblob lease that was broken or could not
   * be renewed in time. A run then stops making cloud calls. Absent: the backend cannot tell.
   */
  readonly lost?: AbortSignal;
  release(): Promise<void>;
}

/** Who holds a stack's lock and whether the holder can be seen to be running (`iac cancel` checks before breaking). */
export interface LockStatus {
  /** Undefined when the lock names no holder (damaged, or an azblob lease whose holder is not recorded yet). */
  readonly holder?: LockInfo;
  /**
   * `gone`: visibly not running (its pid is gone on this host); `running`: it is (pid alive on this
   * host, or an azblob lease that is renewed while it runs); `unknown`: this process cannot tell
   * (another host's pid).
   */
  readonly liveness: "gone" | "running" | "unknown";
  /** Why, in words, for messages ("process 4242 is still running on this host"). */
  readonly reason: string;
}

export interface StackSummary {
  readonly name: string;
  readonly current: boolean;
  readonly resourceCount: number;
  readonly updated?: string;
  readonly locked?: LockInfo;
}

/** Encrypts and decrypts secret values (AES-256-GCM); ciphertext is a printable string. */
export interface Crypter {
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
}

/** A place where stacks' state lives (`file://` = `.iac/` in the project; later `azblob://`). */
export interface Backend {
  readonly url: string;
  listStacks(): Promise<StackSummary[]>;
  stackExists(stack: string): Promise<boolean>;
  createStack(stack: string): Promise<void>;
  /** Refuses when the stack still has resources, unless `force`. */
  removeStack(stack: string, options: { readonly force: boolean }): Promise<void>;
  /** Take the stack's lock; throws a `StackLockedError` naming the holder when another has it. */
  lock(stack: string, command: string): Promise<Lock>;
  /** Whether the stack is locked (undefined: free), by whom, and whether the holder is running. */
  lockStatus(stack: string): Promise<LockStatus | undefined>;
  /**
   * Break the lock (`iac cancel`); returns who held it. With `expected` (from {@link lockStatus}),
   * only that holder's lock is broken: one that changed hands since is left alone (a `StackLocked` error).
   */
  breakLock(stack: string, options?: { readonly expected?: LockStatus }): Promise<LockInfo | undefined>;
  /** The committed state (snapshot + journal replayed), secrets decrypted. Missing stack: an empty snapshot. Corrupt: throws, never overwrites. */
  read(stack: string, crypter: Crypter): Promise<Snapshot>;
  /** Open the stack's state for writing (caller holds the lock). */
  open(stack: string, crypter: Crypter): Promise<StateWriter>;
  /** Replace the whole state (`state import`, `state delete`); atomic. Caller holds the lock. */
  write(stack: string, snapshot: Snapshot, crypter: Crypter): Promise<void>;
  /**
   * Record one entry of the stack's history (optional: a backend without it keeps no history).
   * The oldest entries beyond the backend's retention (1,000 by default) are dropped.
   */
  appendHistory?(stack: string, entry: HistoryEntry): Promise<void>;
  /**
   * The stack's newest `limit` history entries (all that are kept when absent), newest first.
   * `summary`: the caller needs none of `changes`, `changesOmitted` and `diagnostics`; the file and
   * azblob backends then read only the head of each entry and leave them out (the whole of one after
   * an `up` of 10,000 is ~1 MB); a backend that cannot may return whole entries.
   */
  listHistory?(stack: string, options: { readonly limit?: number; readonly summary?: boolean }): Promise<HistoryEntry[]>;
}

/** The operations a stack's history records (a preview changes nothing and is not recorded). */
export type HistoryOperation = "up" | "destroy" | "refresh";

/** How a recorded operation ended: `interrupted` is Ctrl-C (the steps that had started were finished). */
export type HistoryResult = "succeeded" | "failed" | "interrupted";

/**
 * One `up`, `destroy` or `refresh` of a stack, as `iac stack history` lists it. Holds no value of
 * the program, its config or its outputs: the command line is the subcommand and flag names only.
 */
export interface HistoryEntry {
  readonly version: 1;
  readonly operation: HistoryOperation;
  /** ISO times. */
  readonly startTime: string;
  readonly endTime: string;
  readonly durationMs: number;
  readonly result: HistoryResult;
  /** Steps taken, by step kind (`create`, `update`, `replace`, `delete`, `same`, ...). */
  readonly counts: Readonly<Record<string, number>>;
  /** Resource operations that failed. */
  readonly failed: number;
  /** `iac up --yes --target`: the subcommand and the names of the flags given, never their values. */
  readonly command: string;
  /** Version of the `iac` CLI that ran it. */
  readonly iacVersion: string;
  readonly host: string;
  readonly user?: string;
  /** The git commit (`git rev-parse HEAD`) of the project when it ran; absent outside a git work tree. Recorded since iac 0.1 (`iac console`). */
  readonly gitCommit?: string;
  /** True when the work tree had uncommitted changes to tracked files. */
  readonly gitDirty?: boolean;
  /**
   * What the run changed, resource by resource, as `preview` shows it: steps other than `same`,
   * with their property diffs and replace reasons (values masked: secrets are "[secret]"), and
   * how each ended. Capped at {@link HISTORY_CHANGES_LIMIT}; `changesOmitted` counts the rest.
   */
  readonly changes?: readonly HistoryChange[];
  readonly changesOmitted?: number;
  /** Warnings and errors the run reported (masked as the CLI prints them), capped at {@link HISTORY_DIAGNOSTICS_LIMIT}. */
  readonly diagnostics?: readonly HistoryDiagnostic[];
}

/** How many resource changes one history entry keeps (a larger run records the first ones and a count). */
export const HISTORY_CHANGES_LIMIT = 5000;
/** How many diagnostics one history entry keeps. */
export const HISTORY_DIAGNOSTICS_LIMIT = 200;

/** One resource's step in a recorded run (see {@link HistoryEntry.changes}). */
export interface HistoryChange {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent?: string;
  /** The step kind: create, update, replace, delete, read, import, refresh. */
  readonly kind: string;
  readonly status: "done" | "failed" | "skipped";
  readonly deleteBeforeReplace?: boolean;
  /** Property-level changes: path, add/update/delete, whether the change forces a replace, and why. */
  readonly diffs?: readonly { readonly path: string; readonly kind: string; readonly replace: boolean; readonly reason?: string }[];
  /** Old and new values of the changed properties, masked. */
  readonly olds?: Readonly<Record<string, unknown>>;
  readonly news?: Readonly<Record<string, unknown>>;
  readonly durationMs?: number;
  /** Why it failed (status failed) or was skipped (status skipped). */
  readonly error?: { readonly code: string; readonly message: string };
  readonly reason?: string;
}

/** A warning or error a recorded run reported. */
export interface HistoryDiagnostic {
  readonly severity: "warning" | "error";
  readonly urn?: string;
  readonly message: string;
  /** ISO time. */
  readonly time: string;
}

