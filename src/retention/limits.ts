/**
 * Plan limits (docs/archives-and-retention.md "Plan limits"), as pure functions of a storage
 * listing: what a tenant uses in one storage, and which of its plan's limits that usage reaches.
 * No archive or sidecar is read, so every complete archive counts (a pre-restore safety backup
 * too: the trigger is only in the sidecar).
 *
 * - maxArchivesPerMonth N: the tenant is over once it has N complete archives dated this calendar
 *   month, UTC (archive ids hold UTC times; a month in the retention time zone would make the
 *   same archive count in two months for two readers).
 * - maxTenantStorage S: over once its complete archives hold S bytes or more.
 * - maxArchiveSize S: known only once the dump is done (sizeOverLimit): an archive larger than S
 *   is not committed. The newest archive's size is shown as usage, but never stops a tenant
 *   beforehand: prune keeps the newest archive, so a tenant whose data has shrunk would otherwise
 *   be refused for ever.
 * - schedules: the schedules that may back up the plan's tenants (absent: every schedule).
 */
import type { ArchiveListing } from '../archive/catalog.js';
import type { PlanLimits, RetentionConfig } from '../config/schema.js';
import { formatBytes } from '../util/bytes.js';
import { parseSize } from './size.js';

export type LimitName = 'maxArchivesPerMonth' | 'maxArchiveSize' | 'maxTenantStorage';

/** One tenant's use of one storage, from its listing. */
export interface TenantUsage {
  /** The calendar month counted, `yyyy-mm` (UTC). */
  month: string;
  /** Complete archives. */
  archives: number;
  archivesThisMonth: number;
  /** Bytes of the complete archives. */
  bytes: number;
  /** Size of the newest complete archive, when there is one. */
  newestSize?: number;
}

/** One numeric limit against its usage. `percent` is rounded to one decimal. */
export interface LimitMeasure {
  limit: LimitName;
  used: number;
  max: number;
  percent: number;
}

/** A limit a tenant reaches, with the sentence that says so (limit and figures). */
export interface LimitBreach {
  limit: LimitName | 'schedules';
  reason: string;
}

export function monthOf(time: Date): string {
  return time.toISOString().slice(0, 7);
}

/** Usage of one tenant in one storage; `listings` are that tenant's archives there (incomplete ones are ignored). */
export function usageOf(listings: readonly ArchiveListing[], now: Date): TenantUsage {
  const month = monthOf(now);
  const complete = listings.filter((l) => l.complete && l.archiveKey !== undefined);
  const newest = complete.reduce<ArchiveListing | undefined>((best, l) => (!best || l.time > best.time ? l : best), undefined);
  return {
    month,
    archives: complete.length,
    archivesThisMonth: complete.filter((l) => monthOf(l.time) === month).length,
    bytes: complete.reduce((n, l) => n + (l.size ?? 0), 0),
    ...(newest?.size !== undefined ? { newestSize: newest.size } : {}),
  };
}

export function usageKey(source: string, tenant: string, storage: string): string {
  return `${source}\0${tenant}\0${storage}`;
}

/** Usage per (source, tenant, storage) of a listing of any number of tenants and storages. */
export function usageByTenant(listings: readonly ArchiveListing[], now: Date): Map<string, TenantUsage> {
  const groups = new Map<string, ArchiveListing[]>();
  for (const l of listings) {
    const key = usageKey(l.ref.source, l.ref.tenant, l.storage);
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  return new Map([...groups].map(([key, group]) => [key, usageOf(group, now)]));
}

/** The limits of a plan, or undefined when it has none (no plan, an unknown plan, a plan without `limits`). */
export function planLimitsOf(retention: RetentionConfig | undefined, plan: string | undefined): PlanLimits | undefined {
  if (plan === undefined || plan === 'query' || plan === 'source') return undefined;
  const policy = retention?.plans?.[plan];
  return policy && typeof policy === 'object' ? policy.limits : undefined;
}

/** Whether any plan of the config has limits: when none has, create needs no listing for them. */
export function hasPlanLimits(retention: RetentionConfig | undefined): boolean {
  return Object.values(retention?.plans ?? {}).some((p) => typeof p === 'object' && p.limits !== undefined);
}

// A limit of 0 allows nothing: it is all used whatever the usage.
const percentOf = (used: number, max: number) => (max === 0 ? 100 : Math.round((used / max) * 1000) / 10);

/** Every numeric limit the plan sets, measured; the newest archive's size stands for maxArchiveSize. */
export function measureLimits(usage: TenantUsage, limits: PlanLimits): LimitMeasure[] {
  const out: LimitMeasure[] = [];
  const add = (limit: LimitName, used: number | undefined, max: number | undefined) => {
    if (max !== undefined && used !== undefined) out.push({ limit, used, max, percent: percentOf(used, max) });
  };
  add('maxArchivesPerMonth', usage.archivesThisMonth, limits.maxArchivesPerMonth);
  add('maxTenantStorage', usage.bytes, limits.maxTenantStorage === undefined ? undefined : parseSize(limits.maxTenantStorage, 'maxTenantStorage'));
  add('maxArchiveSize', usage.newestSize, limits.maxArchiveSize === undefined ? undefined : parseSize(limits.maxArchiveSize, 'maxArchiveSize'));
  return out;
}

/** For the quota-warning notification: the limits a tenant uses more than `share` of (default 80%). */
export function limitsNearlyUsed(usage: TenantUsage, limits: PlanLimits, share = 0.8): LimitMeasure[] {
  return measureLimits(usage, limits).filter((m) => m.used > m.max * share);
}

/**
 * The usage after a run stored an archive of `size` bytes dated `time` (the quota warning is
 * judged after the run, from the listing taken before it plus what the run stored).
 */
export function withStored(usage: TenantUsage, size: number, time: Date): TenantUsage {
  const thisMonth = monthOf(time) === usage.month ? 1 : 0;
  return { ...usage, archives: usage.archives + 1, archivesThisMonth: usage.archivesThisMonth + thisMonth, bytes: usage.bytes + size, newestSize: size };
}

const bytesText = (n: number) => `${formatBytes(n)} (${n} bytes)`;

/**
 * The limits that stop a new archive before the dump, each with a reason naming the limit and the
 * figures; `schedule` is the schedule running (undefined for a manual create).
 */
export function limitsReached(usage: TenantUsage, limits: PlanLimits, plan: string, schedule?: string): LimitBreach[] {
  const out: LimitBreach[] = [];
  if (schedule !== undefined && limits.schedules && !limits.schedules.includes(schedule)) {
    const allowed = limits.schedules.length > 0 ? limits.schedules.map((s) => `"${s}"`).join(', ') : 'none';
    out.push({ limit: 'schedules', reason: `plan ${plan} may not use schedule "${schedule}" (limits.schedules allows ${allowed})` });
  }
  const max = limits.maxArchivesPerMonth;
  if (max !== undefined && usage.archivesThisMonth >= max) {
    out.push({ limit: 'maxArchivesPerMonth', reason: `plan ${plan} allows ${max} archive(s) a month (maxArchivesPerMonth) and the tenant has ${usage.archivesThisMonth} in ${usage.month} (UTC)` });
  }
  if (limits.maxTenantStorage !== undefined) {
    const bytes = parseSize(limits.maxTenantStorage, 'maxTenantStorage');
    if (usage.bytes >= bytes) {
      out.push({ limit: 'maxTenantStorage', reason: `plan ${plan} allows ${limits.maxTenantStorage} of archives (maxTenantStorage) and the tenant holds ${bytesText(usage.bytes)}` });
    }
  }
  return out;
}

/** After the dump: the archive's size against maxArchiveSize. */
export function sizeOverLimit(size: number, limits: PlanLimits, plan: string): LimitBreach | undefined {
  if (limits.maxArchiveSize === undefined) return undefined;
  const max = parseSize(limits.maxArchiveSize, 'maxArchiveSize');
  if (size <= max) return undefined;
  return { limit: 'maxArchiveSize', reason: `plan ${plan} allows archives of up to ${limits.maxArchiveSize} (maxArchiveSize) and this one is ${bytesText(size)}` };
}
