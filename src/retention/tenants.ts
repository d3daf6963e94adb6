/**
 * Who the tenants are now, and their plans, for prune: each selected source's tenant discovery
 * (the tenants query may return a `plan` column), then `retention.plans.query` when configured,
 * whose answer wins. A source whose tenants cannot be learned (discovery fails or returns no
 * tenant) is left out: without knowing which tenants are orphans or on which plan, no complete
 * archive of it may be judged.
 */
import type { Context } from '../context.js';
import { UsageError, errorMessage } from '../errors.js';
import { createSource } from '../sources/registry.js';
import type { SourceTenants } from './plan.js';
import { queryPlans } from './plans-query.js';

export interface UncheckedSource {
  source: string;
  error: string;
}

export interface TenantDirectory {
  sources: Map<string, SourceTenants>;
  unchecked: UncheckedSource[];
}

/** How a caller's warnings say what an unknown source or plan means for it. */
export interface DirectoryWording {
  command: string;
  sourceUnknown: string;
  plansUnknown: string;
}

const PRUNE_WORDING: DirectoryWording = { command: 'prune', sourceUnknown: 'so none of its archives is judged', plansUnknown: 'so no archive is judged' };

export async function discoverTenantPlans(sourceNames: readonly string[], ctx: Context, wording: DirectoryWording = PRUNE_WORDING): Promise<TenantDirectory> {
  const sources = new Map<string, SourceTenants>();
  const unchecked: UncheckedSource[] = [];
  for (const name of sourceNames) {
    try {
      sources.set(name, { tenants: await discoverOne(name, ctx) });
    } catch (error) {
      if (ctx.signal.aborted || error instanceof UsageError) throw error;
      ctx.log.warn(`${wording.command}: cannot discover the tenants of source ${name}, ${wording.sourceUnknown}: ${errorMessage(error)}`, { source: name });
      unchecked.push({ source: name, error: errorMessage(error) });
    }
  }
  const plansQuery = ctx.config.retention?.plans?.query;
  if (plansQuery && sources.size > 0) {
    let plans: Map<string, string>;
    try {
      plans = await queryPlans(ctx, plansQuery);
    } catch (error) {
      if (ctx.signal.aborted || error instanceof UsageError) throw error;
      ctx.log.warn(`${wording.command}: retention.plans.query failed, ${wording.plansUnknown}: ${errorMessage(error)}`);
      for (const source of sources.keys()) unchecked.push({ source, error: `retention.plans.query failed: ${errorMessage(error)}` });
      return { sources: new Map(), unchecked };
    }
    for (const { tenants } of sources.values()) {
      for (const id of tenants.keys()) if (plans.has(id)) tenants.set(id, plans.get(id));
    }
  }
  return { sources, unchecked };
}

async function discoverOne(name: string, ctx: Context): Promise<Map<string, string | undefined>> {
  const source = await createSource(ctx.config, name, ctx.baseDir);
  try {
    const tenants = await source.discoverTenants(ctx.signal);
    // No tenant at all is far likelier an outage or a wrong query than every tenant deleted at
    // once; taking it at its word would make every archive of the source an orphan.
    if (tenants.length === 0) throw new Error('its tenant discovery returned no tenant, which is taken for a fault, not for every tenant gone');
    // Excluded tenants are still the source's tenants: their archives are not orphans.
    const excluded = ctx.config.sources[name]?.tenants.exclude ?? [];
    return new Map([...tenants.map((t) => [t.id, t.plan] as const), ...excluded.map((id) => [id, undefined] as const)]);
  } finally {
    await source.close();
  }
}
