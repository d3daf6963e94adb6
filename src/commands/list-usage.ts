/**
 * `orgbackup list --usage`: per tenant and storage, what it uses (from the listing, no archive
 * read) against its plan's limits (src/retention/limits.ts). Tenants come from the listing and from
 * each source's discovery (so a tenant without any archive shows 0), plans from discovery and
 * retention.plans.query, as prune learns them. A source that cannot be asked is listed as unchecked:
 * its tenants are shown from the listing, without a plan.
 */
import type { ArchiveListing } from '../archive/catalog.js';
import type { Context } from '../context.js';
import { limitsNearlyUsed, measureLimits, planLimitsOf, usageByTenant, usageKey, usageOf, type LimitMeasure } from '../retention/limits.js';
import { discoverTenantPlans, type UncheckedSource } from '../retention/tenants.js';

export interface TenantUsageRow {
  source: string;
  tenant: string;
  storage: string;
  plan?: string;
  /** Complete archives, and those dated in `month` (yyyy-mm, UTC). */
  archives: number;
  archivesThisMonth: number;
  month: string;
  bytes: number;
  newestSize?: number;
  /** The plan's limits.mode, when the plan has limits. */
  mode?: 'enforce' | 'warn';
  /** Each numeric limit of the plan: used, max, percent used. */
  limits: LimitMeasure[];
}

export interface UsageScope {
  source?: string;
  tenant?: string;
  storages: string[];
}

const WORDING = { command: 'list --usage', sourceUnknown: 'so its tenants are shown without a plan', plansUnknown: 'so tenants are shown without a plan' };

/** `all` holds the complete archives of the scope's storages. */
export async function usageRows(all: readonly ArchiveListing[], scope: UsageScope, ctx: Context): Promise<{ usage: TenantUsageRow[]; unchecked: UncheckedSource[] }> {
  const sourceNames = scope.source ? [scope.source] : Object.keys(ctx.config.sources);
  const directory = await discoverTenantPlans(sourceNames, ctx, WORDING);
  const tenants = new Map<string, { source: string; tenant: string; plan?: string }>();
  for (const [source, { tenants: known }] of directory.sources) {
    for (const [tenant, plan] of known) if (!scope.tenant || tenant === scope.tenant) tenants.set(usageKey(source, tenant, ''), { source, tenant, ...(plan !== undefined ? { plan } : {}) });
  }
  for (const l of all) if (!tenants.has(usageKey(l.ref.source, l.ref.tenant, ''))) tenants.set(usageKey(l.ref.source, l.ref.tenant, ''), { source: l.ref.source, tenant: l.ref.tenant });
  const now = ctx.now();
  const usage = usageByTenant(all, now);
  const rows: TenantUsageRow[] = [];
  for (const t of [...tenants.values()].sort((a, b) => a.source.localeCompare(b.source) || a.tenant.localeCompare(b.tenant))) {
    const limits = planLimitsOf(ctx.config.retention, t.plan);
    for (const storage of scope.storages) {
      const u = usage.get(usageKey(t.source, t.tenant, storage)) ?? usageOf([], now);
      rows.push({ ...t, storage, ...u, ...(limits ? { mode: limits.mode } : {}), limits: limits ? measureLimits(u, limits) : [] });
    }
  }
  return { usage: rows, unchecked: directory.unchecked };
}

/**
 * For a quota-warning notification: each tenant and storage of `rows` that uses more than `share`
 * (default 80%) of one of its plan's limits, with those limits only.
 */
export function quotaWarnings(rows: readonly TenantUsageRow[], ctx: Pick<Context, 'config'>, share = 0.8): (TenantUsageRow & { nearlyUsed: LimitMeasure[] })[] {
  return rows.flatMap((row) => {
    const limits = planLimitsOf(ctx.config.retention, row.plan);
    const nearlyUsed = limits ? limitsNearlyUsed(row, limits, share) : [];
    return nearlyUsed.length > 0 ? [{ ...row, nearlyUsed }] : [];
  });
}
