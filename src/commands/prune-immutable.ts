/**
 * What prune may not remove whatever the policy says: archives under legal hold (their hold object
 * is in the listing, src/archive/hold.ts) are kept with status `held`, complete or not; objects
 * S3 Object Lock still retains are left with status `retained (locked until ...)`, never `failed`.
 */
import type { ArchiveListing } from '../archive/catalog.js';
import { holdInfo, readHold, type HoldInfo, type HoldState } from '../archive/hold.js';
import type { Context } from '../context.js';
import { errorMessage } from '../errors.js';
import type { PlannedArchive, PlannedGroup } from '../retention/plan.js';
import { ObjectLockedError, type Storage } from '../storage/types.js';
import { mapLimit } from '../util/pool.js';
import type { Execution } from './prune-result.js';

/** The reasons a held archive is reported with: the hold first, then what the policy said (pure). */
export function heldReasons(archive: Pick<PlannedArchive, 'action' | 'reasons'>, hold: HoldState): string[] {
  const first = 'record' in hold ? `legal hold: ${JSON.stringify(hold.record.reason)}` : 'legal hold (reason unreadable)';
  return [first, ...(archive.action === 'remove' ? [`retention would remove it: ${archive.reasons.join(', ')}`] : archive.reasons)];
}

/** Marks every planned archive of `storage` that has a hold object: kept, with the hold in `holds`. */
export async function keepHeld(storage: Storage, groups: readonly PlannedGroup[], listings: readonly ArchiveListing[], holds: Map<PlannedArchive, HoldInfo>, signal: AbortSignal): Promise<void> {
  const held = new Map(listings.filter((l) => l.hold).map((l) => [l.id, l.hold!]));
  const archives = groups.flatMap((g) => g.archives).filter((a) => held.has(a.id));
  await mapLimit(archives, 8, async (archive) => {
    const state = await readHold(storage, archive.id, held.get(archive.id)!.size, signal);
    Object.assign(archive, { reasons: heldReasons(archive, state), action: 'keep' });
    holds.set(archive, holdInfo(state));
  });
}

/**
 * Removes one archive's keys (sidecar first) unless a key is still locked: asked of the storage
 * first (lockedUntil), and a delete the lock refuses (ObjectLockedError) counts the same.
 */
export async function removeUnlessLocked(storage: Storage, archive: PlannedArchive, execution: Execution, ctx: Context): Promise<void> {
  const retained = (until: Date | undefined) => {
    const lockedUntil = until?.toISOString();
    execution.status.set(archive, { status: 'retained', ...(lockedUntil ? { lockedUntil } : {}) });
    ctx.log.info(`kept ${archive.id} in ${storage.name}: retained (locked${lockedUntil ? ` until ${lockedUntil}` : ''})`, { event: 'prune-retained', archive: archive.id, storage: storage.name });
  };
  try {
    for (const key of archive.keys) {
      const until = await storage.lockedUntil?.(key, { signal: ctx.signal });
      if (until) return retained(until);
    }
    for (const key of archive.keys) await storage.delete(key, { signal: ctx.signal });
    execution.status.set(archive, { status: 'removed' });
    ctx.log.info(`removed ${archive.id} from ${storage.name}: ${archive.reasons.join(', ')}`, { event: 'prune', archive: archive.id, storage: storage.name });
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (error instanceof ObjectLockedError) return retained(error.until);
    execution.status.set(archive, { status: 'failed', error: errorMessage(error) });
    ctx.log.error(`could not remove ${archive.id} from ${storage.name}: ${errorMessage(error)}`, { archive: archive.id, storage: storage.name });
  }
}
