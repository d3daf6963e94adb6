/**
 * The retention decision, as a pure function of (archives, policy, now, time zone) that returns a
 * reason for every archive (DESIGN.md convention 4; restic's ApplyPolicy and KeepReason).
 *
 * Semantics, those of `restic forget`:
 * - keepLast N keeps the N newest archives (`last 1` .. `last N`).
 * - keepHourly/Daily/Weekly/Monthly/Yearly N keep the newest archive of each of the N most recent
 *   hours/days/ISO weeks/months/years that have an archive; buckets follow the wall clock of the
 *   time zone (calendar.ts). An hour, day... without an archive does not use up a count.
 * - keepWithin D keeps every archive made less than D before `now` (restic measures from the
 *   newest snapshot instead; we measure from now so that an orphaned tenant's archives age out,
 *   while the newest archive is protected anyway by the plan's rules).
 * - An archive is kept when any rule keeps it; its reasons list every rule that did.
 * - Then the limits: maxArchives and maxTotalSize remove the oldest kept archives until the kept
 *   set fits, never the newest archive.
 * - A policy without any keep rule keeps everything (`no policy`), as restic refuses to forget
 *   everything when no rule is given.
 */
import type { RetentionPolicy } from '../config/schema.js';
import { parseDuration } from '../util/duration.js';
import { assertTimeZone, bucketOf, type BucketKind } from './calendar.js';
import { parseSize } from './size.js';

export interface RetentionArchive {
  id: string;
  time: Date;
  /** Stored size in bytes, for maxTotalSize; unknown sizes count as 0. */
  size?: number;
}

export type RetentionAction = 'keep' | 'remove';

export interface RetentionDecision {
  id: string;
  time: Date;
  action: RetentionAction;
  /** Why: `last 2`, `daily 2026-11-20`, `within 30d`; for removals `not kept by any rule`, `over maxArchives 10`. */
  reasons: string[];
}

const BUCKET_RULES: readonly [BucketKind, keyof RetentionPolicy][] = [
  ['hourly', 'keepHourly'],
  ['daily', 'keepDaily'],
  ['weekly', 'keepWeekly'],
  ['monthly', 'keepMonthly'],
  ['yearly', 'keepYearly'],
];

export const NOT_KEPT = 'not kept by any rule';

/** Newest first; equal times by id, descending, so the order never depends on the input order. */
export function byNewest(a: RetentionArchive, b: RetentionArchive): number {
  return b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export function hasKeepRule(policy: RetentionPolicy): boolean {
  return Boolean(policy.keepLast || policy.keepWithin || BUCKET_RULES.some(([, key]) => Number(policy[key] ?? 0) > 0));
}

/** Decides keep/remove for each archive of one (source, tenant, storage); result is newest first. */
export function applyRetention(archives: readonly RetentionArchive[], policy: RetentionPolicy, now: Date, timeZone = 'UTC'): RetentionDecision[] {
  assertTimeZone(timeZone);
  const sorted = [...archives].sort(byNewest);
  const decisions = hasKeepRule(policy) ? applyKeepRules(sorted, policy, now, timeZone) : sorted.map((a) => decision(a, ['no policy']));
  applyLimits(sorted, decisions, policy);
  return decisions;
}

function decision(archive: RetentionArchive, reasons: string[]): RetentionDecision {
  return { id: archive.id, time: archive.time, action: reasons.length > 0 ? 'keep' : 'remove', reasons: reasons.length > 0 ? reasons : [NOT_KEPT] };
}

function applyKeepRules(sorted: readonly RetentionArchive[], policy: RetentionPolicy, now: Date, timeZone: string): RetentionDecision[] {
  const withinMs = policy.keepWithin ? parseDuration(policy.keepWithin, 'keepWithin') : undefined;
  const buckets = BUCKET_RULES.map(([kind, key]) => ({ kind, left: Number(policy[key] ?? 0), last: undefined as string | undefined }));
  return sorted.map((archive, index) => {
    const reasons: string[] = [];
    if (policy.keepLast && index < policy.keepLast) reasons.push(`last ${index + 1}`);
    for (const bucket of buckets) {
      if (bucket.left <= 0) continue;
      const label = bucketOf(bucket.kind, archive.time, timeZone);
      // Sorted newest first, so the first archive met in a bucket is that bucket's newest.
      if (label === bucket.last) continue;
      bucket.last = label;
      bucket.left--;
      reasons.push(`${bucket.kind} ${label}`);
    }
    if (withinMs !== undefined && now.getTime() - archive.time.getTime() < withinMs) reasons.push(`within ${policy.keepWithin}`);
    return decision(archive, reasons);
  });
}

/**
 * maxArchives, then maxTotalSize: remove the oldest kept archives until both fit, never the newest
 * kept one (a limit smaller than one archive still leaves the tenant one restorable archive).
 */
function applyLimits(sorted: readonly RetentionArchive[], decisions: RetentionDecision[], policy: RetentionPolicy): void {
  const keptIndexes = () => decisions.flatMap((d, i) => (d.action === 'keep' ? [i] : []));
  const evict = (index: number, reason: string) => {
    decisions[index] = { ...decisions[index]!, action: 'remove', reasons: [reason] };
  };
  if (policy.maxArchives !== undefined) {
    const kept = keptIndexes();
    for (let k = kept.length - 1; k >= 1 && k >= policy.maxArchives; k--) evict(kept[k]!, `over maxArchives ${policy.maxArchives}`);
  }
  if (policy.maxTotalSize !== undefined) {
    const limit = parseSize(policy.maxTotalSize, 'maxTotalSize');
    const kept = keptIndexes();
    let total = kept.reduce((sum, i) => sum + (sorted[i]!.size ?? 0), 0);
    for (let k = kept.length - 1; k >= 1 && total > limit; k--) {
      evict(kept[k]!, `over maxTotalSize ${policy.maxTotalSize}`);
      total -= sorted[kept[k]!]!.size ?? 0;
    }
  }
}
