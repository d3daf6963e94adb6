/**
 * Reads the objects of one storage lock (see lock.ts for the protocol): one list request for the
 * lock's directory, and one read of lease.json when it is there. Expiries of renewals live in the
 * heartbeat key names so that a contender never reads them one by one.
 */
import { AlreadyExistsError, NotFoundError, type Storage } from '../storage/types.js';

export const LOCK_ROOT = '_locks';

export interface LockInfo {
  owner: string;
  host: string;
  pid: number;
  /** Random per acquisition: tells this holder's objects from a previous holder's. */
  token: string;
  acquiredAt: string;
  expiresAt: string;
}

export interface Heartbeat {
  key: string;
  token: string;
  expiresAtMs: number;
}

export interface TakeoverClaim {
  key: string;
  staleToken: string;
  attempt: number;
}

export interface LockState {
  holder: LockInfo | undefined;
  /** The holder's effective expiry: the latest of lease.json and its heartbeats (epoch when free). */
  expiresAt: Date;
  heartbeats: Heartbeat[];
  takeovers: TakeoverClaim[];
}

export function lockDir(name: string): string {
  return `${LOCK_ROOT}/${name}/`;
}

export function leaseKey(name: string): string {
  return `${lockDir(name)}lease.json`;
}

export function takeoverKey(name: string, staleToken: string, attempt: number): string {
  return `${lockDir(name)}takeover-${staleToken}-${attempt}`;
}

const HEARTBEAT = /^renew-([a-z0-9]+)-(\d+)$/;
const TAKEOVER = /^takeover-([a-z0-9]+)-(\d+)$/;

export async function readLockState(storage: Storage, name: string, signal?: AbortSignal): Promise<LockState> {
  const dir = lockDir(name);
  const heartbeats: Heartbeat[] = [];
  const takeovers: TakeoverClaim[] = [];
  let leasePresent = false;
  for await (const object of storage.list(dir, { signal })) {
    const base = object.key.slice(dir.length);
    const beat = HEARTBEAT.exec(base);
    const claim = TAKEOVER.exec(base);
    if (base === 'lease.json') leasePresent = true;
    else if (beat) heartbeats.push({ key: object.key, token: beat[1]!, expiresAtMs: Number(beat[2]) });
    else if (claim) takeovers.push({ key: object.key, staleToken: claim[1]!, attempt: Number(claim[2]) });
  }
  const holder = leasePresent ? await readLease(storage, name, signal) : undefined;
  let expiresAtMs = holder ? Date.parse(holder.expiresAt) : 0;
  for (const beat of heartbeats) if (beat.token === holder?.token) expiresAtMs = Math.max(expiresAtMs, beat.expiresAtMs);
  return { holder, expiresAt: new Date(expiresAtMs), heartbeats, takeovers };
}

/** lease.json, or undefined when it vanished meanwhile; an unreadable one counts as expired. */
async function readLease(storage: Storage, name: string, signal?: AbortSignal): Promise<LockInfo | undefined> {
  let raw: Buffer;
  try {
    raw = await storage.getBuffer(leaseKey(name), { signal });
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as Partial<LockInfo>;
    if (typeof parsed.token === 'string' && typeof parsed.expiresAt === 'string') {
      return {
        owner: String(parsed.owner ?? 'unknown'),
        host: String(parsed.host ?? 'unknown'),
        pid: Number(parsed.pid ?? 0),
        token: parsed.token,
        acquiredAt: String(parsed.acquiredAt ?? parsed.expiresAt),
        expiresAt: parsed.expiresAt,
      };
    }
  } catch {
    // fall through: a torn or foreign lease.json
  }
  // A damaged lease (a non-atomic remote, a person editing it) must not block every run forever.
  return { owner: 'unknown', host: 'unknown', pid: 0, token: 'damaged', acquiredAt: new Date(0).toISOString(), expiresAt: new Date(0).toISOString() };
}

/** When a takeover claim stops counting (its claimant presumably died); epoch when gone or damaged. */
export async function claimExpiry(storage: Storage, key: string, signal?: AbortSignal): Promise<number> {
  try {
    const parsed = JSON.parse((await storage.getBuffer(key, { signal })).toString('utf8')) as { expiresAt?: string };
    const ms = Date.parse(parsed.expiresAt ?? '');
    return Number.isNaN(ms) ? 0 : ms;
  } catch {
    return 0;
  }
}

/** put as a compare-and-set: true when this call created the object, false when it existed. */
export async function putIfAbsent(storage: Storage, key: string, body: Buffer, signal?: AbortSignal): Promise<boolean> {
  try {
    await storage.put(key, body, { signal });
    return true;
  } catch (error) {
    if (error instanceof AlreadyExistsError) return false;
    throw error;
  }
}
