/**
 * Prune planning over a storage listing, pure like applyRetention (DESIGN.md convention 4):
 * decide, with a reason for every archive, then let the command act.
 *
 * - Archives are grouped per (source, tenant, storage); each group gets one policy: the tenant's
 *   plan policy (`retention.plans.<plan>`, which replaces the top-level policy; a plan without a
 *   keep* rule takes the top-level keep rules, see planRetention), the orphans policy
 *   when the tenant is no longer returned by its source, else the top-level policy.
 * - Never removed: the newest complete archive of a group (`newest`).
 * - Incomplete archives (no sidecar) are removed once their newest object is older than an hour,
 *   kept before that (an upload may still be finishing). A sidecar whose archive object is gone
 *   is treated the same way: it commits nothing.
 * - Protections that need the sidecar (labels, trigger) are applied afterwards by protectArchives,
 *   so that the command reads sidecars only for archives the policy would remove.
 */
import type { ArchiveListing } from '../archive/catalog.js';
import { sidecarKey } from '../archive/layout.js';
import type { RetentionConfig, RetentionPolicy } from '../config/schema.js';
import { applyRetention, byNewest, hasKeepRule, type RetentionAction } from './policy.js';

export const INCOMPLETE_GRACE_MS = 3_600_000;
export const PRE_RESTORE_GRACE_MS = 24 * 3_600_000;

/** What a source says about its tenants now (a source whose discovery failed is not in the map). */
export interface SourceTenants {
  /** tenant id -> plan name (undefined when the tenant has no plan). */
  tenants: Map<string, string | undefined>;
}

export type PolicyKind = 'default' | 'plan' | 'orphans';

export interface PlannedArchive {
  id: string;
  storage: string;
  source: string;
  tenant: string;
  time: Date;
  size?: number;
  complete: boolean;
  /** Keys to delete, sidecar first, when removed. */
  keys: string[];
  action: RetentionAction;
  reasons: string[];
}

export interface PlannedGroup {
  source: string;
  tenant: string;
  storage: string;
  policy: PolicyKind;
  plan?: string;
  archives: PlannedArchive[];
}

export interface PrunePlanInput {
  listings: readonly ArchiveListing[];
  /** Per source name; a source missing here is left alone entirely (its tenants are unknown). */
  sources: ReadonlyMap<string, SourceTenants>;
  retention: RetentionConfig | undefined;
  now: Date;
}

export function planPrune(input: PrunePlanInput): PlannedGroup[] {
  const groups = new Map<string, ArchiveListing[]>();
  for (const listing of input.listings) {
    if (!input.sources.has(listing.ref.source)) continue;
    const key = `${listing.ref.source}\0${listing.ref.tenant}\0${listing.storage}`;
    groups.set(key, [...(groups.get(key) ?? []), listing]);
  }
  return [...groups.values()].map((listings) => planGroup(listings, input)).sort(groupOrder);
}

function groupOrder(a: PlannedGroup, b: PlannedGroup): number {
  return a.source.localeCompare(b.source) || a.tenant.localeCompare(b.tenant) || a.storage.localeCompare(b.storage);
}

/** The policy of one tenant and why; exported for the README's and tests' sake. */
export function policyFor(source: string, tenant: string, input: Pick<PrunePlanInput, 'sources' | 'retention'>): { kind: PolicyKind; plan?: string; policy: RetentionPolicy } {
  const retention = input.retention;
  const known = input.sources.get(source)?.tenants;
  if (known && !known.has(tenant)) return { kind: 'orphans', policy: retention?.orphans ?? { keepWithin: '90d' } };
  const plan = known?.get(tenant);
  const planPolicy = plan !== undefined && plan !== 'query' && plan !== 'source' ? retention?.plans?.[plan] : undefined;
  if (plan !== undefined && planPolicy && typeof planPolicy === 'object') return { kind: 'plan', plan, policy: planRetention(planPolicy, basePolicy(retention)) };
  return { kind: 'default', ...(plan !== undefined ? { plan } : {}), policy: basePolicy(retention) };
}

/**
 * A plan's policy replaces the top-level one, but a plan with no keep* rule (one written for its
 * `limits`, or only a cap) would keep every archive for ever, which no operator means: it takes
 * the top-level keep rules, and its own maxArchives/maxTotalSize stand over the top-level ones.
 * `limits` is not a retention key, so it is left out of the policy.
 */
function planRetention(plan: RetentionPolicy & { limits?: unknown }, base: RetentionPolicy): RetentionPolicy {
  const { limits: _limits, ...own } = plan;
  if (hasKeepRule(own)) return own;
  return dropUndefined({ ...base, maxArchives: own.maxArchives ?? base.maxArchives, maxTotalSize: own.maxTotalSize ?? base.maxTotalSize });
}

function dropUndefined(policy: RetentionPolicy): RetentionPolicy {
  return Object.fromEntries(Object.entries(policy).filter(([, v]) => v !== undefined));
}

function basePolicy(retention: RetentionConfig | undefined): RetentionPolicy {
  if (!retention) return {};
  const { keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly, keepWithin, maxArchives, maxTotalSize } = retention;
  return { keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly, keepWithin, maxArchives, maxTotalSize };
}

function planGroup(listings: ArchiveListing[], input: PrunePlanInput): PlannedGroup {
  const first = listings[0]!;
  const { kind, plan, policy } = policyFor(first.ref.source, first.ref.tenant, input);
  const committed = listings.filter((l) => l.complete && l.archiveKey);
  const uncommitted = listings.filter((l) => !(l.complete && l.archiveKey));
  const decisions = new Map(
    applyRetention(
      committed.map((l) => ({ id: l.id, time: l.time, size: l.size })),
      policy,
      input.now,
      input.retention?.timezone ?? 'UTC',
    ).map((d) => [d.id, d]),
  );
  const newest = [...committed].sort(byNewest)[0];
  const archives = [
    ...committed.map((listing): PlannedArchive => {
      const decision = decisions.get(listing.id)!;
      if (listing === newest && decision.action === 'remove') return planned(listing, 'keep', ['newest']);
      return planned(listing, decision.action, decision.reasons);
    }),
    ...uncommitted.map((listing) => planIncomplete(listing, input.now)),
  ].sort((a, b) => byNewest(a, b));
  return { source: first.ref.source, tenant: first.ref.tenant, storage: first.storage, policy: kind, ...(plan !== undefined ? { plan } : {}), archives };
}

function planIncomplete(listing: ArchiveListing, now: Date): PlannedArchive {
  const what = listing.complete ? 'sidecar without its archive' : 'incomplete (no sidecar)';
  const age = now.getTime() - listing.modified.getTime();
  if (age > INCOMPLETE_GRACE_MS) return planned(listing, 'remove', [`${what} since ${listing.modified.toISOString()}`]);
  return planned(listing, 'keep', [`${what}, younger than 1h: may still be uploading`]);
}

function planned(listing: ArchiveListing, action: RetentionAction, reasons: string[]): PlannedArchive {
  const keys = [...(listing.complete ? [sidecarKey(listing.id)] : []), ...(listing.archiveKey ? [listing.archiveKey] : [])];
  return {
    id: listing.id,
    storage: listing.storage,
    source: listing.ref.source,
    tenant: listing.ref.tenant,
    time: listing.time,
    ...(listing.size !== undefined ? { size: listing.size } : {}),
    complete: listing.complete && listing.archiveKey !== undefined,
    keys,
    action,
    reasons,
  };
}

/** The complete archives whose sidecar must be read before removal (labels, trigger). */
export function needsSidecar(groups: readonly PlannedGroup[]): PlannedArchive[] {
  return groups.flatMap((g) => g.archives.filter((a) => a.action === 'remove' && a.complete));
}

/** What a sidecar says that can protect an archive; `unreadable` when it could not be read. */
export type SidecarFacts = { trigger: string; labels: Record<string, string> } | { unreadable: string };

/**
 * Keeps archives the policy would remove when their sidecar protects them: labelled keep=true,
 * a pre-restore safety backup younger than 24 hours, or a sidecar that could not be read (an
 * archive we cannot judge is not deleted; verify reports it).
 */
export function protectArchives(groups: PlannedGroup[], facts: ReadonlyMap<string, SidecarFacts>, now: Date): void {
  for (const group of groups) {
    for (const archive of group.archives) {
      if (archive.action !== 'remove' || !archive.complete) continue;
      const reason = protection(archive, facts.get(`${archive.storage}\0${archive.id}`), now);
      if (reason) Object.assign(archive, { action: 'keep', reasons: [reason] });
    }
  }
}

function protection(archive: PlannedArchive, facts: SidecarFacts | undefined, now: Date): string | undefined {
  if (!facts) return undefined;
  if ('unreadable' in facts) return `sidecar unreadable (${facts.unreadable})`;
  if (facts.labels.keep === 'true') return 'label keep=true';
  if (facts.trigger === 'pre-restore' && now.getTime() - archive.time.getTime() < PRE_RESTORE_GRACE_MS) return 'pre-restore, younger than 24h';
  return undefined;
}
