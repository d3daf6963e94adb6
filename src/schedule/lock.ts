/**
 * A lease lock kept in a storage, so that runs on different machines (cron on two hosts, an
 * overlapping Kubernetes CronJob) never prune or run schedules on the same storage at once.
 * It uses the Storage interface only, so it works the same on local, s3 and rclone storages.
 *
 * Objects under `_locks/<name>/` (ignored by archive listings):
 *   lease.json                     the holder: owner, host, pid, token, acquiredAt, expiresAt
 *   renew-<token>-<expiresAtMs>    a heartbeat carrying a renewed expiry in its key name (lease.ts)
 *   takeover-<staleToken>-<n>      one contender's claim on an expired lease
 *
 * Why this shape: the contract's only compare-and-set is "put never overwrites". Acquiring is
 * putting lease.json. Renewing cannot rewrite it, so it adds a heartbeat object (and deletes the
 * previous one); a contender reads every expiry with one list request. Taking over an expired
 * lease is serialised by putting a takeover marker named after the stale token: only the contender
 * whose marker put succeeds may delete the stale lease, then it competes for lease.json like anyone.
 *
 * Guarantees (when put-never-overwrites is atomic and reads follow writes: local storage, AWS S3,
 * MinIO): at most one live holder; a contender never waits, it gets BusyError (exit 75) naming the
 * holder; a run killed with SIGKILL leaves a lease that expires after its TTL and is then taken over.
 * Limits: expiry compares the holder's clock with the contender's, so clocks must agree to well
 * within the TTL; a holder frozen for longer than its TTL can be taken over, and learns it at its
 * next renewal (Lease.signal is aborted: the holder must stop). On remotes without an atomic
 * create (most rclone backends check, then write) two runs starting in the same instant could both
 * put lease.json; the re-read after put narrows that window but cannot close it.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { BusyError } from '../errors.js';
import type { Storage } from '../storage/types.js';
import { HeldLease, type Lease } from './lease.js';
import { claimExpiry, leaseKey, putIfAbsent, readLockState, takeoverKey, type LockInfo, type LockState } from './lock-state.js';

export type { LockInfo } from './lock-state.js';
export type { Lease } from './lease.js';
export { readLockState } from './lock-state.js';

/** The lock prune and schedule-run take on every storage they change. */
export const STORAGE_LOCK = 'storage';
export const DEFAULT_LOCK_TTL_MS = 5 * 60_000;

export interface LockOptions {
  /** How long the lease lives without renewal (default 5 minutes). */
  ttlMs?: number;
  /** Who holds it, for the message others get (e.g. `prune`, `schedule-run nightly`). */
  owner?: string;
  now?: () => Date;
  signal?: AbortSignal;
  /** Automatic renewal period (default ttl/3); false renews only when renew() is called. */
  renewEveryMs?: number | false;
  /** Called once when the lease is found lost during a renewal. */
  onLost?: (error: BusyError) => void;
}

interface Settings {
  ttlMs: number;
  owner: string;
  now: () => Date;
  signal: AbortSignal | undefined;
}

/** Takes the lock `name` in `storage`, or throws BusyError naming the live holder. */
export async function acquireLock(storage: Storage, name: string, options: LockOptions = {}): Promise<Lease> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`internal: bad lock name "${name}"`);
  const settings: Settings = {
    ttlMs: options.ttlMs ?? DEFAULT_LOCK_TTL_MS,
    owner: options.owner ?? 'orgbackup',
    now: options.now ?? (() => new Date()),
    signal: options.signal,
  };
  const token = `${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
  // A few rounds: a lease released or taken over between our put and our read means "try again".
  for (let round = 0; round < 4; round++) {
    const info = leaseInfo(settings, token);
    if (await putIfAbsent(storage, leaseKey(name), json(info), settings.signal)) {
      await confirmOwnership(storage, name, token, settings.signal);
      return new HeldLease(storage, name, info, { ...settings, renewEveryMs: options.renewEveryMs, onLost: options.onLost });
    }
    const state = await readLockState(storage, name, settings.signal);
    if (!state.holder) continue;
    if (state.expiresAt.getTime() > settings.now().getTime()) throw busyError(storage, state);
    await takeOver(storage, name, state, token, settings);
  }
  throw busyError(storage, await readLockState(storage, name, settings.signal));
}

/** Runs `fn` while holding the lock; the lease is released whatever happens. */
export async function withLock<T>(storage: Storage, name: string, options: LockOptions, fn: (lease: Lease) => Promise<T>): Promise<T> {
  const lease = await acquireLock(storage, name, options);
  try {
    return await fn(lease);
  } finally {
    await lease.release();
  }
}

function leaseInfo(settings: Settings, token: string): LockInfo {
  const now = settings.now();
  return {
    owner: settings.owner,
    host: os.hostname(),
    pid: process.pid,
    token,
    acquiredAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + settings.ttlMs).toISOString(),
  };
}

/**
 * Removes an expired lease, if this contender wins the right to: the first to put a takeover
 * marker for the stale token. A claimant that died mid-takeover leaves a marker that expires too,
 * and the next contender claims the next marker number.
 */
async function takeOver(storage: Storage, name: string, stale: LockState, token: string, settings: Settings): Promise<void> {
  const staleToken = stale.holder!.token;
  const now = settings.now().getTime();
  const claims = stale.takeovers.filter((t) => t.staleToken === staleToken).sort((a, b) => b.attempt - a.attempt);
  const newest = claims[0];
  if (newest && (await claimExpiry(storage, newest.key, settings.signal)) > now) {
    throw busyError(storage, stale, 'another run is taking over its expired lock');
  }
  const marker = takeoverKey(name, staleToken, newest ? newest.attempt + 1 : 0);
  if (!(await putIfAbsent(storage, marker, json({ token, expiresAt: new Date(now + settings.ttlMs).toISOString() }), settings.signal))) {
    throw busyError(storage, stale, 'another run is taking over its expired lock');
  }
  // Read again after claiming: the stale holder may have released, or a faster contender finished.
  const current = await readLockState(storage, name, settings.signal);
  if (current.holder?.token === staleToken && current.expiresAt.getTime() > settings.now().getTime()) {
    // The holder renewed meanwhile: it is alive after all.
    await storage.delete(marker, { signal: settings.signal });
    throw busyError(storage, current);
  }
  if (current.holder?.token === staleToken) {
    for (const beat of current.heartbeats) if (beat.token === staleToken) await storage.delete(beat.key, { signal: settings.signal });
    await storage.delete(leaseKey(name), { signal: settings.signal });
  }
  // Markers of this stale token are no longer needed: anyone reading later sees a new lease or none.
  for (const claim of [...claims.map((c) => c.key), marker]) await storage.delete(claim, { signal: settings.signal });
}

async function confirmOwnership(storage: Storage, name: string, token: string, signal?: AbortSignal): Promise<void> {
  const state = await readLockState(storage, name, signal);
  if (state.holder?.token !== token) throw busyError(storage, state);
}

function json(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
}

function busyError(storage: Storage, state: LockState, why?: string): BusyError {
  const holder = state.holder;
  if (!holder) {
    return new BusyError(`the lock of storage "${storage.name}" changed hands while this run tried to take it`, { hint: 'another orgbackup run is starting on this storage; try again later' });
  }
  const who = `${holder.owner} (host ${holder.host}, pid ${holder.pid}) since ${holder.acquiredAt}`;
  return new BusyError(`storage "${storage.name}" is locked by ${who}${why ? `; ${why}` : ''}`, {
    hint: `another orgbackup run is using this storage; try again later (a lock left by a dead run expires at ${state.expiresAt.toISOString()} and is then taken over)`,
  });
}
