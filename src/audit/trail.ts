/**
 * Where the audit trail lives and how a run adds to it: one object per run in the default storage
 * (defaults.storage[0], else the first configured), `_audit/<yyyy>/<mm>/<dd>/<time>-<host>-<pid>.ndjson`.
 * The key holds host and pid, so concurrent runs never write the same object, and storage `put`
 * never overwrites, so a run cannot replace another's. `_audit` starts with `_`, which no source
 * name may (src/archive/layout.ts), so no archive key parser ever takes these objects for archives.
 */
import { hostname, userInfo } from 'node:os';
import { formatTimestamp } from '../archive/layout.js';
import type { Config } from '../config/schema.js';
import { selectStorageNames } from '../storage/registry.js';
import { parseDuration } from '../util/duration.js';
import type { Who } from './chain.js';

export const AUDIT_PREFIX = '_audit/';

/** The storage the trail is kept in. */
export function auditStorageName(config: Config): string {
  return selectStorageNames(config, undefined)[0]!;
}

/** How long audit objects are kept (audit.keepWithin, default 400d), in ms. */
export function auditKeepWithin(config: Config): number {
  return parseDuration(config.audit?.keepWithin ?? DEFAULT_KEEP_WITHIN, 'audit.keepWithin');
}

export const DEFAULT_KEEP_WITHIN = '400d';

/** A host name as one safe key part (no '/', no '..'). */
function keyPart(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'host';
}

export function auditKey(time: Date, host: string, pid: number): string {
  const iso = time.toISOString();
  return `${AUDIT_PREFIX}${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${formatTimestamp(time)}-${keyPart(host)}-${pid}.ndjson`;
}

/** Who ran the command: the OS account (uid -1 where the platform has none) and the optional application user. */
export function whoRuns(actor: string | undefined, env: Record<string, string | undefined>): Who {
  let user = env.USER ?? env.USERNAME ?? 'unknown';
  let uid = -1;
  try {
    const info = userInfo();
    user = info.username;
    uid = info.uid;
  } catch {
    // A uid with no passwd entry (some containers): the environment's name is the best there is.
  }
  const named = actor ?? env.ORGBACKUP_ACTOR;
  return { user, uid, host: hostname(), pid: process.pid, ...(named ? { actor: named } : {}) };
}
