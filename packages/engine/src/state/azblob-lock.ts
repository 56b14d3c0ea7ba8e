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
import { StackLockedError } from "./errors.js";
import type { Lock, LockInfo } from "./types.js";

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
  const renewal = setInterval(() => {
    // A failed renewal is not fatal by itself: the lease has 40 s left. If it is lost for good
    // (broken by `iac cancel`), the snapshot's If-Match and the journal's append position stop
    // this writer from overwriting its successor's state.
    lease.renewLease().catch(() => undefined);
  }, RENEW_EVERY_MS);
  // A forgotten lock must not keep the process alive; the lease then expires on its own.
  renewal.unref();
  let released: Promise<void> | undefined;
  return {
    info,
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

/** Break the lease whoever holds it (`iac cancel`); returns the holder, or undefined when it was free. */
export async function breakBlobLock(blob: BlobClient, where: string): Promise<LockInfo | undefined> {
  const holder = await readBlobLock(blob, where);
  if (holder === undefined) return undefined;
  try {
    await blob.getBlobLeaseClient().breakLease(0);
  } catch (error) {
    // Released or expired since it was read: nothing left to break.
    if (isNotFound(error) || restStatus(error).status === 409) return holder === EMPTY ? undefined : holder;
    throw backendError("break the lock", where, error);
  }
  return holder === EMPTY ? undefined : holder;
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
