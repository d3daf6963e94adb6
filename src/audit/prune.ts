/**
 * Retention of the audit trail (audit.keepWithin, default 400d), separate from the archives'. prune
 * removes the run objects whose key time (`_audit/yyyy/mm/dd/<time>-...`) is older than keepWithin,
 * never a younger one, and never the newest object: the next run links to it, so the chain goes on
 * even after a long pause. `audit verify` accepts a first link to an object older than keepWithin
 * (src/audit/runs.ts), so a pruned trail still verifies while a removal in the middle is caught.
 */
import type { Logger } from '../context.js';
import { errorMessage } from '../errors.js';
import type { Storage } from '../storage/types.js';
import { trailKeys } from './read.js';
import { keyTime } from './runs.js';

export interface AuditPruneResult {
  storage: string;
  keepWithin: string;
  /** Keys removed (a dry run: would be removed). */
  removed: string[];
  kept: number;
  failed: { key: string; error: string }[];
}

/** Pure: the keys older than `cutoff`, except the newest one (keys sort by time); keys without a time stay. */
export function auditKeysToRemove(keys: readonly string[], cutoff: Date): string[] {
  const timed = [...keys].sort().flatMap((key) => {
    const time = keyTime(key);
    return time ? [{ key, time }] : [];
  });
  return timed.slice(0, -1).flatMap(({ key, time }) => (time.getTime() < cutoff.getTime() ? [key] : []));
}

export interface AuditPruneInput {
  storage: Storage;
  keepWithin: string;
  cutoff: Date;
  dryRun: boolean;
  signal: AbortSignal;
  log: Logger;
}

export async function pruneAuditTrail(input: AuditPruneInput): Promise<AuditPruneResult> {
  const { storage, cutoff, signal, log } = input;
  const keys = await trailKeys(storage, signal);
  const chosen = auditKeysToRemove(keys, cutoff);
  const removed: string[] = [];
  const failed: AuditPruneResult['failed'] = [];
  for (const key of chosen) {
    if (input.dryRun) {
      removed.push(key);
      continue;
    }
    try {
      await storage.delete(key, { signal });
      removed.push(key);
      log.info(`removed audit object ${key} from ${storage.name}: older than audit.keepWithin ${input.keepWithin}`, { event: 'prune', audit: key, storage: storage.name });
    } catch (error) {
      if (signal.aborted) throw error;
      failed.push({ key, error: errorMessage(error) });
      log.error(`could not remove audit object ${key} from ${storage.name}: ${errorMessage(error)}`, { event: 'prune', audit: key, storage: storage.name });
    }
  }
  return { storage: storage.name, keepWithin: input.keepWithin, removed, kept: keys.length - chosen.length, failed };
}
