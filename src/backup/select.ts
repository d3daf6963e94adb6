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
    const known = discovered.slice(0, 10).map((t) => t.id).join(', ');
    throw new UsageError(`unknown tenant ${unknown.map((u) => `"${u}"`).join(', ')} in source "${source.name}"`, {
      hint: discovered.length ? `tenants of ${source.name} include: ${known}${discovered.length > 10 ? ', ...' : ''}` : `source ${source.name} has no tenants right now`,
    });
  }
  return [...new Set(requested)].map((id) => byId.get(id)!);
}
