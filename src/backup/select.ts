/** Turning --source/--tenant flags into (source, tenant) pairs; unknown tenant ids are usage errors. */
import { UsageError } from '../errors.js';
import type { Source, Tenant } from '../sources/types.js';

export interface Selected {
  source: Source;
  tenant: Tenant;
}

export function selectTenants(source: Source, discovered: Tenant[], requested: readonly string[] | undefined): Tenant[] {
  if (!requested || requested.length === 0) return discovered;
  const byId = new Map(discovered.map((t) => [t.id, t]));
  const unknown = requested.filter((id) => !byId.has(id));
  if (unknown.length > 0) {
    const known = discovered
      .slice(0, 10)
      .map((t) => t.id)
      .join(', ');
    throw new UsageError(`unknown tenant ${unknown.map((u) => `"${u}"`).join(', ')} in source "${source.name}"`, {
      hint: discovered.length ? `tenants of ${source.name} include: ${known}${discovered.length > 10 ? ', ...' : ''}` : `source ${source.name} has no tenants right now`,
    });
  }
  return [...new Set(requested)].map((id) => byId.get(id)!);
}

/**
 * Each tenant once, the first of each id kept: a tenants query may return an id twice (a join, a
 * UNION), and two archives of one tenant in one run would only race each other. `repeated` lists
 * the ids that came more than once, for a warning.
 */
export function uniqueTenants(tenants: readonly Tenant[]): { tenants: Tenant[]; repeated: string[] } {
  const seen = new Map<string, Tenant>();
  const repeated = new Set<string>();
  for (const tenant of tenants) {
    if (seen.has(tenant.id)) repeated.add(tenant.id);
    else seen.set(tenant.id, tenant);
  }
  return { tenants: [...seen.values()], repeated: [...repeated] };
}

/**
 * Why a discovered tenant id cannot name an archive, or undefined when it can. Such a tenant
 * fails on its own (SPEC.md: one broken tenant never blocks the others) instead of stopping the run.
 */
export function tenantIdProblem({ id, idProblem }: Tenant): string | undefined {
  if (idProblem) return idProblem;
  // An id too long for one path component once encoded is keyed by a prefix and a hash
  // (tenantKeyPart in src/archive/layout.ts), so length is no problem.
  if (id === '') return 'a tenant id cannot be empty';
  return undefined;
}
