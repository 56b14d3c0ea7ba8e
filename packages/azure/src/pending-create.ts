/**
 * Resolving a create that a crash interrupted (`Provider.find`). The rule (docs/provider-protocol.md):
 * `find` answers "absent" only when the cloud says for sure that nothing of that name exists and
 * nothing will appear; while the cloud may still be making the object (a storage account is invisible
 * to GET until its creation ends, notes azure-arm.md §1.2) it polls, within the create timeout, and
 * then throws `CreateInFlight` rather than let the engine create a duplicate.
 */
import { ProviderError, type ProviderContext } from "@iac/sdk/provider";
import { setTimeout as sleep } from "node:timers/promises";

/** How long `find` waits for a creation to settle when the resource has no create timeout. */
export const DEFAULT_FIND_WAIT_MS = 10 * 60_000;

/** What one look at the cloud says about the object a pending create may have made. */
export type Probe<T> =
  /** It exists and its creation has ended (successfully or not). */
  | { readonly kind: "found"; readonly value: T }
  /** It exists but is still being created: adopt it at the deadline rather than lose it. */
  | { readonly kind: "creating"; readonly value: T; readonly state: string }
  /** Nothing of that name exists, and the cloud would show one if it were being made. */
  | { readonly kind: "absent" }
  /** The cloud cannot tell yet (e.g. the name is taken but the object not visible). */
  | { readonly kind: "unsure"; readonly why: string };

/** Options of {@link settleCreation}. */
export interface SettleOptions<T> {
  /** The object, for messages: `storage account "x" in resource group "rg"`. */
  readonly what: string;
  readonly probe: () => Promise<Probe<T>>;
  readonly ctx: ProviderContext;
  /** First poll interval (ms); doubles up to 5 s. */
  readonly intervalMs?: number;
}

/** The error of a creation the cloud may still be running when the wait ends. */
export class CreateInFlightError extends ProviderError {
  constructor(message: string) {
    super(message, { code: "CreateInFlight" });
    this.name = "CreateInFlightError";
  }
}

/**
 * Polls `probe` until the cloud can tell: the object (found, or still creating at the deadline),
 * `undefined` (surely absent), or a {@link CreateInFlightError} when it still cannot tell.
 */
export async function settleCreation<T>({ what, probe, ctx, intervalMs = 500 }: SettleOptions<T>): Promise<T | undefined> {
  const waitMs = ctx.timeouts.create ?? DEFAULT_FIND_WAIT_MS;
  const start = Date.now();
  let interval = Math.max(10, intervalMs);
  let reported = 0;
  for (;;) {
    const p = await probe();
    if (p.kind === "found") return p.value;
    if (p.kind === "absent") return undefined;
    const elapsed = Date.now() - start;
    if (elapsed >= waitMs) {
      if (p.kind === "creating") {
        ctx.log.warn(`${what} is still ${p.state} after ${Math.round(waitMs / 1000)} s; adopting it as it is (run \`iac refresh\` later to read its final state).`);
        return p.value;
      }
      throw new CreateInFlightError(
        `An interrupted create of ${what} cannot be resolved yet: ${p.why}, still after ${Math.round(waitMs / 1000)} s. ` +
          "Nothing was adopted or created; run `iac up` again once the cloud has finished (or raise the create timeout with customTimeouts), or adopt the object with `iac import`.",
      );
    }
    if (elapsed - reported >= 5000 || reported === 0) {
      reported = Math.max(elapsed, 1);
      ctx.log.info(`waiting for the cloud to finish the interrupted create of ${what} (${p.kind === "creating" ? `state ${p.state}` : p.why})`);
    }
    await sleep(Math.min(interval, waitMs - elapsed), undefined, { signal: ctx.signal });
    interval = Math.min(interval * 2, 5000);
  }
}
