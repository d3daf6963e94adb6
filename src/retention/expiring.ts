/**
 * archive-expiring: per tenant and storage, the oldest archive that retention keeps today but
 * removes by `now + within` (applyRetention run again at that instant, on the archives kept now,
 * with no new archives assumed). Archives kept by a protection (label keep=true, an unreadable
 * sidecar) are left out: prune would not remove them. Pure, like planPrune.
 */
import type { RetentionConfig } from '../config/schema.js';
import { policyFor, type PlannedGroup, type SourceTenants } from './plan.js';
import { applyRetention } from './policy.js';

export interface ExpiringArchive {
  source: string;
  tenant: string;
  storage: string;
  id: string;
  time: string;
  /** Retention removes it before this instant. */
  before: string;
}

const PROTECTED = /^(label keep=true|sidecar unreadable|pre-restore, younger)/;

export function expiringArchives(groups: readonly PlannedGroup[], sources: ReadonlyMap<string, SourceTenants>, retention: RetentionConfig | undefined, now: Date, withinMs: number): ExpiringArchive[] {
  const at = new Date(now.getTime() + withinMs);
  const out: ExpiringArchive[] = [];
  for (const group of groups) {
    const kept = group.archives.filter((a) => a.action === 'keep' && a.complete && !a.reasons.some((r) => PROTECTED.test(r)));
    if (kept.length < 2) continue; // the newest is never removed
    const { policy } = policyFor(group.source, group.tenant, { sources, retention });
    const later = applyRetention(kept, policy, at, retention?.timezone ?? 'UTC');
    const removed = later.filter((d) => d.action === 'remove').sort((a, b) => a.time.getTime() - b.time.getTime());
    const oldest = removed[0];
    if (oldest) out.push({ source: group.source, tenant: group.tenant, storage: group.storage, id: oldest.id, time: oldest.time.toISOString(), before: at.toISOString() });
  }
  return out;
}
