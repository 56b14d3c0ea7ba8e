/**
 * The azblob backend's lock: a lease on the stack's `lock` blob. Azure grants a lease to one
 * client at a time, so of two processes taking it at once exactly one succeeds; the holder's
 * {@link LockInfo} is in the blob's metadata so that the other is refused with a message naming
 * it. The lease lasts {@link LEASE_SECONDS} and is renewed while held: a holder that dies without
 * releasing it frees the stack by itself within a minute (unlike the file backend's lock, which
 * only `iac cancel` breaks), and a live holder is never overtaken.
 *
 * The lock blob stays after release (with the last holder's metadata): whether the stack is
 * locked is the blob's lease state, never the presence of the blob.
 */
import { randomUUID } from "node:crypto";
import { hostname, userInfo } from "node:os";
import type { BlobClient, BlockBlobClient } from "@azure/storage-blob";
import { backendError, isNotFound, restStatus } from "./azblob-connection.js";
import { StackLockedError, StateError } from "./errors.js";
import { pidAlive } from "./file-mutex.js";
import type { Lock, LockInfo, LockStatus } from "./types.js";

/** Lease length (Azure allows 15 to 60 seconds, or infinite; infinite would never free a crashed holder's stack). */
export const LEASE_SECONDS = 60;
/** Renew well before expiry, so that two failed renewals in a row still leave time for a third. */
export const RENEW_EVERY_MS = 20_000;

export interface AzblobLockOptions {
  readonly blob: BlockBlobClient;
  /** The lock blob's URL, for messages. */
  readonly where: string;
  readonly stack: string;
  readonly command: string;
  /** How often the lease is renewed (default {@link RENEW_EVERY_MS}; tests use less). */
  readonly renewEveryMs?: number;
}

/** Take the stack's lock; throws {@link StackLockedError} naming the holder when another has it. */
export async function acquireBlobLock(options: AzblobLockOptions): Promise<Lock> {
  const { blob, where } = options;
  const info: LockInfo = { host: hostname(), pid: process.pid, time: new Date().toISOString(), command: options.command, ...user() };
  const lease = blob.getBlobLeaseClient(randomUUID());
  for (let attempt = 1; ; attempt++) {
    await ensureLockBlob(blob, where);
    try {
      await lease.acquireLease(LEASE_SECONDS);
      break;
    } catch (error) {
      const { status, code } = restStatus(error);
      // Deleted between the two calls (stack rm): create it again.
      if (status === 404 && attempt < 3) continue;
      if (status === 409 && code === "LeaseAlreadyPresent") throw await lockedError(options);
      throw backendError("take the lock", where, error);
    }
  }
  try {
    await blob.setMetadata(toMetadata(info), { conditions: { leaseId: lease.leaseId } });
  } catch (error) {
    await lease.releaseLease().catch(() => undefined);
    throw backendError("record the lock holder in", where, error);
  }
  const lost = new AbortController();
  let lastRenewed = Date.now();
  const renewal = setInterval(() => {
    lease.renewLease().then(
      () => {
        lastRenewed = Date.now();
      },
      (error: unknown) => {
        // A failed renewal is not fatal by itself while the lease has time left. It is lost for
        // good when the service says the lease is not ours (409/412: broken by `iac cancel`, maybe
        // taken by another; 404: the blob is gone), or when no renewal has succeeded for nearly a
        // lease period (it may have expired). The run then stops making cloud calls (`lost`); the
        // snapshot's If-Match stops it from overwriting a successor's state.
        const { status } = restStatus(error);
        const expired = Date.now() - lastRenewed > (LEASE_SECONDS - 5) * 1000;
        if (status === 409 || status === 412 || status === 404 || expired) {
          clearInterval(renewal);
          const why = expired && status !== 409 && status !== 412 ? `could not be renewed for ${Math.round((Date.now() - lastRenewed) / 1000)} s and may have expired` : "was broken (by `iac cancel --force`?)";
          lost.abort(
            new StateError(
              "StackLockLost",
              `The lease on ${where}, which is the lock of stack "${options.stack}", ${why}, so this run stopped making cloud calls: another run may now hold the stack. What it did so far is in its state records; run \`iac refresh\` once no other run is going, to reconcile the state with the cloud.`,
              { cause: error },
            ),
          );
        }
      },
    );
  }, options.renewEveryMs ?? RENEW_EVERY_MS);
  // A forgotten lock must not keep the process alive; the lease then expires on its own.
  renewal.unref();
  let released: Promise<void> | undefined;
  return {
    info,
    lost: lost.signal,
    release: () =>
      (released ??= (async () => {
        clearInterval(renewal);
        // Forget the holder first, so that a process refused in the instant after the next one
        // takes the lease is not told about this one. Fails harmlessly when the lease is gone.
        await blob.setMetadata({}, { conditions: { leaseId: lease.leaseId } }).catch(() => undefined);
        try {
          await lease.releaseLease();
        } catch (error) {
          // Broken (`iac cancel`), expired and maybe taken by another, or deleted with the stack:
          // it is not ours any more, and releasing it must not touch the successor's.
          const { status } = restStatus(error);
          if (status !== 404 && status !== 409 && status !== 412) throw backendError("release the lock", where, error);
        }
      })()),
  };
}

/** Who holds the lock on `blob` (lease state `leased`), or undefined when it is free. */
export async function readBlobLock(blob: BlobClient, where: string): Promise<LockInfo | undefined> {
  try {
    const properties = await blob.getProperties();
    if (properties.leaseState !== "leased") return undefined;
    return fromMetadata(properties.metadata) ?? EMPTY;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw backendError("read the lock", where, error);
  }
}

/**
 * Whether the stack is locked (undefined: free), by whom, and whether the holder runs. A held
 * lease means a live holder (it renews the lease every 20 s; a dead one's lease expires within
 * 60 s), unless the holder is on this host and its pid is gone.
 */
export async function blobLockStatus(blob: BlobClient, where: string): Promise<LockStatus | undefined> {
  const holder = await readBlobLock(blob, where);
  if (holder === undefined) return undefined;
  if (holder === EMPTY) {
    return { liveness: "unknown", reason: `its holder is not recorded on ${where} (it took the lease an instant ago, or died right after; a dead holder's lease expires within ${LEASE_SECONDS} s)` };
  }
  if (holder.host === hostname() && !pidAlive(holder.pid)) return { holder, liveness: "gone", reason: `process ${holder.pid} no longer exists on this host` };
  return { holder, liveness: "running", reason: `it holds the lease on ${where}, which it renews every ${RENEW_EVERY_MS / 1000} s while it runs (a holder that died frees it within ${LEASE_SECONDS} s)` };
}

/**
 * Break the lease (`iac cancel`); returns the holder, or undefined when it was free. With
 * `expected`, only while the lock still names that holder (If-Match on the etag read with it).
 */
export async function breakBlobLock(blob: BlobClient, where: string, options: { readonly stack: string; readonly expected?: LockStatus }): Promise<LockInfo | undefined> {
  let properties;
  try {
    properties = await blob.getProperties();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw backendError("read the lock", where, error);
  }
  if (properties.leaseState !== "leased") return undefined;
  const found = fromMetadata(properties.metadata);
  const changedHands = () =>
    new StateError(
      "StackLocked",
      `The lock of stack "${options.stack}" changed hands while \`iac cancel\` was looking at it${found ? `: it is now held by \`${found.command}\` (pid ${found.pid} on host ${found.host})` : ""}. Nothing was broken; run \`iac cancel\` again.`,
    );
  if (options.expected !== undefined && !sameHolder(found, options.expected.holder)) throw changedHands();
  try {
    await blob.getBlobLeaseClient().breakLease(0, { conditions: { ifMatch: properties.etag! } });
  } catch (error) {
    const { status } = restStatus(error);
    if (status === 412) throw changedHands();
    // Released or expired since it was read: nothing left to break.
    if (isNotFound(error) || status === 409) return found;
    throw backendError("break the lock", where, error);
  }
  return found;
}

function sameHolder(a: LockInfo | undefined, b: LockInfo | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.host === b.host && a.pid === b.pid && a.time === b.time && a.command === b.command;
}

/**
 * A lease without a readable holder: taken an instant ago and its metadata not yet written, or
 * by a process that crashed in between. Kept apart so that callers can tell it from "free".
 */
const EMPTY: LockInfo = { host: "", pid: 0, time: "", command: "" };

async function lockedError(options: AzblobLockOptions): Promise<StackLockedError> {
  // The winner writes its metadata right after taking the lease: give it a moment before calling
  // the holder unknown.
  let holder: LockInfo | undefined;
  for (let i = 0; i < 5; i++) {
    holder = await readBlobLock(options.blob, options.where).catch(() => undefined);
    if (holder !== EMPTY) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return new StackLockedError({ stack: options.stack, path: options.where, ...(holder && holder !== EMPTY ? { holder } : {}) });
}

/** Create the (empty) lock blob unless it exists; creating never touches an existing one or its lease. */
async function ensureLockBlob(blob: BlockBlobClient, where: string): Promise<void> {
  try {
    await blob.upload(Buffer.alloc(0), 0, { conditions: { ifNoneMatch: "*" } });
  } catch (error) {
    const { status } = restStatus(error);
    // 409 BlobAlreadyExists, or 412 when it is leased: either way it is there.
    if (status === 409 || status === 412) return;
    throw backendError("create the lock blob", where, error);
  }
}

/** Metadata values travel as HTTP headers (ASCII): percent-encoded. Names are C# identifiers. */
function toMetadata(info: LockInfo): Record<string, string> {
  const out: Record<string, string> = { host: info.host, pid: String(info.pid), time: info.time, command: info.command };
  if (info.user !== undefined) out.user = info.user;
  for (const k of Object.keys(out)) out[k] = encodeURIComponent(out[k]!);
  return out;
}

function fromMetadata(metadata: Record<string, string> | undefined): LockInfo | undefined {
  const get = (k: string) => {
    const v = metadata?.[k];
    if (v === undefined) return undefined;
    try {
      return decodeURIComponent(v);
    } catch {
      return v;
    }
  };
  const host = get("host");
  const pid = Number(get("pid"));
  const time = get("time");
  const command = get("command");
  if (host === undefined || !Number.isInteger(pid) || time === undefined || command === undefined) return undefined;
  const u = get("user");
  return { host, pid, time, command, ...(u === undefined ? {} : { user: u }) };
}

function user(): { user?: string } {
  try {
    return { user: userInfo().username };
  } catch {
    return {};
  }
}
