/** What every handler gets besides the request. */
import type { MatchedFault } from "../faults.js";
import type { Endpoints } from "../service.js";
import type { KeyDeriver } from "./key-secret.js";
import type { Timing } from "./timing.js";
import type { Catalog } from "./spec/catalog.js";
import type { ArmStore } from "./store.js";

export interface ArmContext {
  readonly store: ArmStore;
  /** Derives storage account key values (they are never stored). */
  readonly keys: KeyDeriver;
  /** Durations of operations, `Retry-After` of poll responses, throttling (timing.ts). */
  readonly timing: Timing;
  /** The fault the server matched for this request, if any (its `failOperation` fails the LRO). */
  readonly fault: MatchedFault | undefined;
  /** The resource types served generically (from the type definitions). */
  readonly catalog: Catalog;
  /** Rows per page of a list (a `nextLink` leads to the next page). */
  readonly pageSize: number;
  /** The local cloud's endpoints (a managed cluster's kubeconfig points at its Kubernetes API). */
  readonly endpoints: () => Endpoints;
  /** The agent that finishes operations on the cluster (flux-agent.ts); told when it has work. */
  readonly agent?: {
    kick(): void;
    /** Protected settings of an operation, kept in memory only until the agent has put them on the cluster. */
    protectedSettings(operationId: string, values: Readonly<Record<string, string>>): void;
  };
}
