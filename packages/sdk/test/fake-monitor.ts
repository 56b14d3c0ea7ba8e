/**
 * A Monitor for tests: records what the SDK reserves, registers and reports, and answers
 * registrations with outputs computed by a test-supplied function.
 */
import { setMonitor, type Monitor, type RegistrationResult, type ResourceRegistration } from "@iac/sdk/runtime";
import type { PropertyMap, PropertyValue } from "@iac/sdk/provider";

export interface FakeMonitorOptions {
  readonly preview?: boolean;
  readonly config?: Record<string, PropertyValue>;
  /** The stack's name (default `dev`). */
  readonly stack?: string;
  /** Answer to a registration; default: id `<name>-id` (none in preview) and the inputs echoed. */
  readonly respond?: (reg: ResourceRegistration) => RegistrationResult | Promise<RegistrationResult>;
}

export class FakeMonitor implements Monitor {
  readonly project = "proj";
  readonly stack: string;
  readonly projectDir = "/tmp/proj";
  readonly preview: boolean;
  readonly config: Readonly<Record<string, PropertyValue>>;
  readonly reserved: string[] = [];
  readonly registrations: ResourceRegistration[] = [];
  readonly componentOutputs = new Map<string, PropertyMap>();
  readonly errors: unknown[] = [];
  readonly warnings: string[] = [];
  readonly #respond: NonNullable<FakeMonitorOptions["respond"]>;
  readonly #waiters: { urn: string; resolve: (r: ResourceRegistration) => void }[] = [];

  constructor(options: FakeMonitorOptions = {}) {
    this.preview = options.preview ?? false;
    this.stack = options.stack ?? "dev";
    this.config = options.config ?? {};
    this.#respond = options.respond ?? ((reg) => ({ id: this.preview ? undefined : `${reg.name}-id`, outputs: reg.inputs }));
  }

  reserve(urn: string): void {
    if (this.reserved.includes(urn)) throw new Error(`Duplicate resource URN ${urn}`);
    this.reserved.push(urn);
  }

  async registerResource(reg: ResourceRegistration): Promise<RegistrationResult> {
    this.registrations.push(reg);
    for (const w of this.#waiters.filter((x) => x.urn === reg.urn)) w.resolve(reg);
    return this.#respond(reg);
  }

  registerOutputs(urn: string, outputs: PropertyMap): void {
    this.componentOutputs.set(urn, outputs);
  }

  reportError(error: unknown): void {
    this.errors.push(error);
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  /** The registration of `urn`, once it happens. */
  registration(urn: string): Promise<ResourceRegistration> {
    const done = this.registrations.find((r) => r.urn === urn);
    if (done) return Promise.resolve(done);
    return new Promise((resolve) => this.#waiters.push({ urn, resolve }));
  }
}

/** Installs a fresh FakeMonitor; returns it. Call `setMonitor(undefined)` (or `uninstall`) after. */
export function install(options?: FakeMonitorOptions): FakeMonitor {
  const m = new FakeMonitor(options);
  setMonitor(m);
  return m;
}

export function uninstall(): void {
  setMonitor(undefined);
}

/** Lets every pending promise chain run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
