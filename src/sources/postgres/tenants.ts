import type pg from 'pg';
import { UsageError } from '../../errors.js';
import { tenantFromRow } from '../tenant-rows.js';
import type { Tenant } from '../types.js';

/** Runs a tenants query; it must return `id` and may return `name` and `plan`. */
export async function queryTenants(client: pg.Client, query: string): Promise<Tenant[]> {
  const res = await client.query<Record<string, unknown>>(query).catch((error: Error) => {
    throw new UsageError(`the tenants query failed: ${error.message}`, { hint: 'run it in psql to check it; it must return an "id" column' });
  });
  if (res.rows.length > 0 && !('id' in res.rows[0]!)) {
    throw new UsageError('the tenants query returned no "id" column', { hint: 'alias the tenant key: SELECT org_id AS id, ...' });
  }
  return res.rows.map((row) => tenantFromRow(row, (value) => (typeof value === 'string' ? value : JSON.stringify(value))));
}
