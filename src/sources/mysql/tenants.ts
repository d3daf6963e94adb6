/** Tenant discovery of the MySQL source: databases matching a LIKE pattern, or a tenants query. */
import type mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { UsageError } from '../../errors.js';
import { tenantFromRow } from '../tenant-rows.js';
import type { Tenant } from '../types.js';
import { SYSTEM_SCHEMAS } from './catalog.js';

/** Runs a tenants query; it must return `id` and may return `name` and `plan`. */
export async function queryTenants(client: mysql.Connection, query: string): Promise<Tenant[]> {
  const [rows] = await client.query<RowDataPacket[]>(query).catch((error: Error) => {
    throw new UsageError(`the tenants query failed: ${error.message}`, { hint: 'run it in the mysql client to check it; it must return an "id" column' });
  });
  if (rows.length > 0 && !('id' in rows[0]!)) {
    throw new UsageError('the tenants query returned no "id" column', { hint: 'alias the tenant key: SELECT org_id AS id, ...' });
  }
  return rows.map((row) => tenantFromRow(row, text));
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : JSON.stringify(value);
}

/** Databases whose name matches the LIKE pattern, system schemas left out. */
export async function matchingDatabases(client: mysql.Connection, pattern: string): Promise<Tenant[]> {
  const [rows] = await client.query<RowDataPacket[]>('SELECT SCHEMA_NAME AS id FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? AND SCHEMA_NAME NOT IN (?) ORDER BY SCHEMA_NAME', [
    pattern,
    SYSTEM_SCHEMAS,
  ]);
  return rows.map((r) => ({ id: text(r.id) }));
}
