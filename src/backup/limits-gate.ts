/**
 * Plan limits for create and schedule-run (docs/archives-and-retention.md "Plan limits"): before
 * any dump, each selected tenant's plan and its usage of every storage the run writes to (one
 * listing per storage and source, no archive read); the pure decisions are src/retention/limits.ts.
 * A tenant is judged by the storage where it uses most: it is over a limit when any storage is.
 */
import { listArchives, type ArchiveListing } from '../archive/catalog.js';
import type { PlanLimits } from '../config/schema.js';
import type { Context } from '../context.js';
import { UsageError, errorMessage } from '../errors.js';
import type { QuotaWarning } from '../notify/derive.js';
import { hasPlanLimits, limitsNearlyUsed, limitsReached, planLimitsOf, sizeOverLimit, usageByTenant, usageKey, usageOf, withStored, type LimitBreach, type TenantUsage } from '../retention/limits.js';
import { queryPlans } from '../retention/plans-query.js';
import type { Tenant } from '../sources/types.js';
import type { Storage } from '../storage/types.js';
import type { TenantBackup } from './backup-tenant.js';
import type { Selected } from './select.js';

/** What the limits say about one tenant before its dump. */
export interface LimitVerdict {
  plan: string;
  limits: PlanLimits;
  /** The limits reached now (empty: the tenant may be backed up). */
  breaches: LimitBreach[];
}

export interface LimitGate {
  /** Undefined when the tenant's plan has no limits. */
  verdict(source: string, tenant: string): LimitVerdict | undefined;
  /** After the dump: the reason an archive of `size` bytes is over its plan's maxArchiveSize. */
  sizeBreach(verdict: LimitVerdict, size: number): LimitBreach | undefined;
  /**
   * After the run: each tenant of `results` above 80% of one of its plan's limits, from the listing
   * taken before the run plus the archives the run stored (one warning per tenant and limit, from
   * the storage where it uses most).
   */
  quotaWarnings(results: readonly TenantBackup[]): QuotaWarning[];
}

/**
 * The gate of one run, or undefined when no plan has limits (then nothing is listed). When the
 * plans query fails for a reason other than the config, the run backs up every tenant without
 * limits and says so: a quota is never worth a missing backup.
 */
export async function prepareLimitGate(selected: readonly Selected[], storages: readonly Storage[], schedule: string | undefined, ctx: Context): Promise<LimitGate | undefined> {
  if (!hasPlanLimits(ctx.config.retention) || selected.length === 0) return undefined;
  const plans = await plansOf(selected, ctx);
  if (!plans) return undefined;
  const withLimits = selected.filter(({ source, tenant }) => planLimitsOf(ctx.config.retention, plans.get(usageKey(source.name, tenant.id, ''))) !== undefined);
  if (withLimits.length === 0) return undefined;
  const listings: ArchiveListing[] = [];
  for (const storage of storages) {
    for (const source of new Set(withLimits.map((s) => s.source.name))) listings.push(...(await listArchives(storage, { source }, ctx.signal)));
  }
  const now = ctx.now();
  const usage = usageByTenant(listings, now);
  const empty = usageOf([], now);
  return {
    verdict(source, tenant) {
      const plan = plans.get(usageKey(source, tenant, ''));
      const limits = planLimitsOf(ctx.config.retention, plan);
      if (!limits || plan === undefined) return undefined;
      const breaches = new Map<string, LimitBreach>();
      for (const storage of storages) {
        const found = limitsReached(usage.get(usageKey(source, tenant, storage.name)) ?? empty, limits, plan, schedule);
        for (const breach of found)
          if (!breaches.has(breach.limit))
            breaches.set(breach.limit, storages.length > 1 && breach.limit !== 'schedules' ? { ...breach, reason: `${breach.reason} in storage "${storage.name}"` } : breach);
      }
      return { plan, limits, breaches: [...breaches.values()] };
    },
    sizeBreach: (verdict, size) => sizeOverLimit(size, verdict.limits, verdict.plan),
    quotaWarnings(results) {
      const after = usageAfter(usage, results, now);
      return results.flatMap((r) => {
        const plan = plans.get(usageKey(r.source, r.tenant, ''));
        const limits = planLimitsOf(ctx.config.retention, plan);
        if (!limits || plan === undefined) return [];
        return nearlyUsed(
          storages.map((s) => after.get(usageKey(r.source, r.tenant, s.name)) ?? empty),
          limits,
        ).map((m) => ({ source: r.source, tenant: r.tenant, plan, ...m }));
      });
    },
  };
}

/** The listing's usage plus what the run stored where it stored it. */
function usageAfter(before: ReadonlyMap<string, TenantUsage>, results: readonly TenantBackup[], now: Date): Map<string, TenantUsage> {
  const after = new Map(before);
  const empty = usageOf([], now);
  for (const r of results) {
    if ((r.status !== 'ok' && r.status !== 'partial') || r.size === undefined) continue;
    for (const s of r.storages) {
      if (s.status !== 'ok') continue;
      const key = usageKey(r.source, r.tenant, s.name);
      after.set(key, withStored(after.get(key) ?? empty, r.size, now));
    }
  }
  return after;
}

/** The limits used above 80% in any of the usages, each once with its highest use; percent rounded down. */
function nearlyUsed(usages: readonly TenantUsage[], limits: PlanLimits): Omit<QuotaWarning, 'source' | 'tenant' | 'plan'>[] {
  const highest = new Map<string, { limit: string; used: number; max: number }>();
  for (const u of usages) {
    for (const m of limitsNearlyUsed(u, limits)) {
      const seen = highest.get(m.limit);
      if (!seen || m.used > seen.used) highest.set(m.limit, { limit: m.limit, used: m.used, max: m.max });
    }
  }
  return [...highest.values()].map((m) => ({ ...m, percent: m.max === 0 ? 100 : Math.floor((m.used / m.max) * 100) }));
}

/** Plan per tenant: the tenants query's `plan` column, overridden by retention.plans.query when configured. */
async function plansOf(selected: readonly Selected[], ctx: Context): Promise<Map<string, string | undefined> | undefined> {
  const plans = new Map(selected.map(({ source, tenant }) => [usageKey(source.name, tenant.id, ''), tenant.plan] as const));
  const query = ctx.config.retention?.plans?.query;
  if (!query) return plans;
  let answer: Map<string, string>;
  try {
    answer = await queryPlans(ctx, query);
  } catch (error) {
    if (ctx.signal.aborted || error instanceof UsageError) throw error;
    ctx.log.warn(`plan limits not checked: retention.plans.query failed, so every tenant is backed up without its limits: ${errorMessage(error)}`, { event: 'limits' });
    return undefined;
  }
  for (const { source, tenant } of selected) if (answer.has(tenant.id)) plans.set(usageKey(source.name, tenant.id, ''), answer.get(tenant.id));
  return plans;
}

/** How the limits act on one tenant's backup. */
export interface AppliedLimits {
  /** Enforced and reached before the dump: the tenant's result, nothing dumped. */
  refused?: TenantBackup;
  /** Enforced maxArchiveSize: given to backupTenant, which then does not commit a larger archive. */
  refuseSize?: (size: number) => string | undefined;
  /** Adds what a stored archive is over (warn mode: `warnings`; --ignore-limits: `limitsIgnored`). */
  annotate(result: TenantBackup): TenantBackup;
}

const NONE: AppliedLimits = { annotate: (result) => result };

/**
 * enforce: a tenant over a limit is `limited` (before the dump, or after it for maxArchiveSize);
 * warn, or --ignore-limits: it is stored, and its result says which limits it is over.
 */
export function applyLimits(gate: LimitGate | undefined, source: string, tenant: Tenant, ignore: boolean): AppliedLimits {
  const verdict = gate?.verdict(source, tenant.id);
  if (!gate || !verdict) return NONE;
  const enforce = verdict.limits.mode === 'enforce' && !ignore;
  if (enforce && verdict.breaches.length > 0) return { ...NONE, refused: limitedResult(source, tenant, verdict.breaches) };
  const field = ignore ? 'limitsIgnored' : 'warnings';
  return {
    ...(enforce ? { refuseSize: (size: number) => gate.sizeBreach(verdict, size)?.reason } : {}),
    annotate(result) {
      if (result.status === 'limited' || result.status === 'failed') return result;
      const sized = enforce || result.size === undefined ? undefined : gate.sizeBreach(verdict, result.size);
      const over = [...verdict.breaches, ...(sized ? [sized] : [])].map((b) => b.reason);
      return over.length > 0 ? { ...result, [field]: over } : result;
    },
  };
}

function limitedResult(source: string, tenant: Tenant, breaches: readonly LimitBreach[]): TenantBackup {
  return {
    source,
    tenant: tenant.id,
    ...(tenant.name ? { tenantName: tenant.name } : {}),
    id: '',
    status: 'limited',
    durationMs: 0,
    storages: [],
    reason: breaches.map((b) => b.reason).join('; '),
    limits: breaches.map((b) => b.limit),
  };
}
