/** What every handler gets besides the request. */
import type { MatchedFault } from "../faults.js";
import type { Endpoints } from "../service.js";
import type { KeyDeriver } from "./key-secret.js";
import type { Catalog } from "./spec/catalog.js";
import type { ArmStore } from "./store.js";

export interface ArmContext {
  readonly store: ArmStore;
  /** Derives storage account key values (they are never stored). */
  readonly keys: KeyDeriver;
  /** Milliseconds per step of a long-running operation. */
  readonly lroStepMs: number;
  /** Value of `Retry-After` on poll responses (seconds; 0 lets the client's interval apply). */
  readonly retryAfterSeconds: number;
  /** The fault the server matched for this request, if any (its `failOperation` fails the LRO). */
  readonly fault: MatchedFault | undefined;
  /** The resource types served generically (from the type definitions). */
  readonly catalog: Catalog;
  /** Rows per page of a list (a `nextLink` leads to the next page). */
  readonly pageSize: number;
  /** The local cloud's endpoints (a managed cluster's kubeconfig points at its Kubernetes API). */
  readonly endpoints: () => Endpoints;
}
