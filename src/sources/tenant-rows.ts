/**
 * A row of a tenants query (SQL sources) as a Tenant: `id` required, `name` and `plan` optional.
 * A NULL id names no tenant: left as it was it became the text "null", a tenant whose backup either
 * failed on a type error or, on a text column, stored an empty archive as if it were real. It stays
 * in the list with `idProblem`, so it fails on its own and the other tenants are backed up.
 */
import type { Tenant } from './types.js';

export function tenantFromRow(row: Record<string, unknown>, text: (value: unknown) => string): Tenant {
  const name = row.name === undefined || row.name === null ? undefined : text(row.name);
  const tenant: Tenant =
    row.id === null || row.id === undefined
      ? { id: '', idProblem: `the tenants query returned NULL as a tenant id${name === undefined ? '' : ` (name ${JSON.stringify(name)})`}` }
      : { id: text(row.id) };
  if (name !== undefined) tenant.name = name;
  if (row.plan !== undefined && row.plan !== null) tenant.plan = text(row.plan);
  return tenant;
}
