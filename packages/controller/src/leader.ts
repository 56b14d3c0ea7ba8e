/**
 * Leader election with a `coordination.k8s.io/v1` Lease, as client-go's leaderelection does it, so
 * several replicas can run for availability and one reconciles: a candidate takes the Lease when it
 * is free or its holder has not renewed it for `leaseDurationSeconds`; the leader renews it every
 * `renewMs`; a write is conditional on the Lease's `resourceVersion`, so of two candidates at once
 * exactly one wins. A leader that cannot renew before its lease runs out stops leading (its
 * `lost` signal) rather than risk two leaders; on a clean stop it releases the Lease at once.
 */
import { ControllerError } from "./errors.js";
import { KubeApiError, objectPath, type Kube } from "./kube.js";

export interface LeaderElectionOptions {
  readonly kube: Kube;
  readonly namespace: string;
  readonly name: string;
  /** This replica (the Lease's `holderIdentity`). */
  readonly identity: string;
  /** How long a Lease not renewed stays the holder's (default 15 s, client-go's default). */
  readonly leaseDurationMs?: number;
  /** How often the leader renews (default 5 s); a candidate retries at the same pace. */
  readonly renewMs?: number;
  readonly log?: (line: string) => void;
}

interface Lease {
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly resourceVersion?: string };
  readonly spec?: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

const microTime = (d: Date) => d.toISOString().replace("Z", "000Z");

export class LeaderElector {
  readonly #o: Required<Omit<LeaderElectionOptions, "log">> & { log: (line: string) => void };
  readonly #lost = new AbortController();
  #lease: Lease | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #lastRenew = 0;

  constructor(options: LeaderElectionOptions) {
    this.#o = { leaseDurationMs: 15_000, renewMs: 5_000, log: () => undefined, ...options };
  }

  /** Aborted when this replica stops being the leader (it could not renew in time, or another took the Lease). */
  get lost(): AbortSignal {
    return this.#lost.signal;
  }

  get #path(): string {
    return objectPath({ apiVersion: "coordination.k8s.io/v1", plural: "leases", namespace: this.#o.namespace, name: this.#o.name });
  }

  /** Waits until this replica holds the Lease (rejects when `signal` is aborted first). */
  async acquire(signal?: AbortSignal): Promise<void> {
    let said = false;
    for (;;) {
      if (signal?.aborted) throw new ControllerError("Stopped before becoming the leader.", { code: "Interrupted" });
      const holder = await this.#tryAcquire();
      if (holder === undefined) break;
      if (!said) this.#o.log(`Waiting to lead: the Lease ${this.#o.namespace}/${this.#o.name} is held by ${holder}.`);
      said = true;
      await new Promise<void>((r) => {
        const t = setTimeout(r, this.#o.renewMs);
        signal?.addEventListener("abort", () => (clearTimeout(t), r()), { once: true });
      });
    }
    this.#o.log(`Leading: this replica (${this.#o.identity}) holds the Lease ${this.#o.namespace}/${this.#o.name}.`);
    this.#lastRenew = Date.now();
    this.#timer = setInterval(() => void this.#renew(), this.#o.renewMs);
    this.#timer.unref();
  }

  /** undefined: this replica holds the Lease now; otherwise who does. */
  async #tryAcquire(): Promise<string | undefined> {
    const now = new Date();
    const current = await this.#o.kube.get<Lease>(this.#path);
    const spec = current?.spec ?? {};
    const holder = spec.holderIdentity;
    const renewed = spec.renewTime ? Date.parse(spec.renewTime) : 0;
    const expired = renewed + (spec.leaseDurationSeconds ?? 0) * 1000 < now.getTime();
    if (current !== undefined && holder && holder !== this.#o.identity && !expired) return holder;
    const body: Lease = {
      metadata: { name: this.#o.name, namespace: this.#o.namespace, ...(current?.metadata.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}) },
      spec: {
        holderIdentity: this.#o.identity,
        leaseDurationSeconds: Math.ceil(this.#o.leaseDurationMs / 1000),
        acquireTime: holder === this.#o.identity && spec.acquireTime ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (holder && holder !== this.#o.identity ? 1 : 0),
      },
    };
    try {
      this.#lease = current === undefined
        ? await this.#o.kube.call<Lease>("POST", objectPath({ apiVersion: "coordination.k8s.io/v1", plural: "leases", namespace: this.#o.namespace }), { apiVersion: "coordination.k8s.io/v1", kind: "Lease", ...body })
        : await this.#o.kube.call<Lease>("PUT", this.#path, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", ...body });
      return undefined;
    } catch (e) {
      // 409: another candidate wrote first (its resourceVersion won); look again.
      if (e instanceof KubeApiError && e.status === 409) return "another candidate";
      throw e;
    }
  }

  async #renew(): Promise<void> {
    if (this.#stopped || this.#lease === undefined) return;
    try {
      const now = new Date();
      this.#lease = await this.#o.kube.call<Lease>("PUT", this.#path, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: this.#lease.metadata, spec: { ...this.#lease.spec, renewTime: microTime(now) } });
      this.#lastRenew = now.getTime();
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 409) {
        const current = await this.#o.kube.get<Lease>(this.#path).catch(() => undefined);
        if (current?.spec?.holderIdentity === this.#o.identity) {
          this.#lease = current;
          return;
        }
        this.#lose(`the Lease is now held by ${current?.spec?.holderIdentity ?? "nobody"}`);
        return;
      }
      if (Date.now() - this.#lastRenew > this.#o.leaseDurationMs * 0.8) this.#lose(`it could not be renewed for ${Math.round((Date.now() - this.#lastRenew) / 1000)}s: ${(e as Error).message}`);
    }
  }

  #lose(why: string): void {
    if (this.#lost.signal.aborted) return;
    clearInterval(this.#timer);
    this.#o.log(`No longer leading: ${why}.`);
    this.#lost.abort(new ControllerError(`This replica lost the leader Lease ${this.#o.namespace}/${this.#o.name}: ${why}.`, { code: "LeaderLost" }));
  }

  /** Stops renewing and, when this replica holds the Lease, frees it so another takes over at once. */
  async release(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    if (this.#lease === undefined || this.#lost.signal.aborted) return;
    await this.#o.kube.call("PUT", this.#path, {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: this.#lease.metadata,
      spec: { ...this.#lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: microTime(new Date()) },
    }).catch((e: Error) => this.#o.log(`The Lease could not be released (it expires by itself): ${e.message}`));
    this.#lease = undefined;
  }
}
