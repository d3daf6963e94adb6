/**
 * What a PostgreSQL restore would write into, read now, in the same shape and naming as the
 * archive's manifest (catalog.ts): its schema fingerprint, so that src/restore/reconcile.ts can
 * compare the two before anything is touched, and its row counts, for the dry-run plan.
 * Undefined when the target database or schema does not exist yet: nothing to compare or replace.
 */
import type { SchemaFingerprint, Sidecar, TableInfo } from '../../archive/manifest.js';
import type { Tenant } from '../types.js';
import { countRows, listTables, schemaFingerprint, type PgTable } from './catalog.js';
import { parsePgUrl, withDatabase, withPgClient, type PgConnection } from './connection.js';

export async function currentPgFingerprint(conn: PgConnection, tenant: Tenant, sidecar: Sidecar, target: string | undefined): Promise<SchemaFingerprint | undefined> {
  const mode = sidecar.tenant.mode;
  if (mode === 'schema') return schemaModeFingerprint(conn, tenant, sidecar, target);
  const database = databaseOf(conn, tenant, mode, target);
  if (!(await databaseExists(database))) return undefined;
  return withPgClient(database, async (client) => schemaFingerprint(client, await listTables(client)));
}

/**
 * Row counts of the tables a whole-database or schema restore replaces. Rows mode replaces only
 * the tenant's rows, which its own plan counts, so it is undefined here.
 */
export async function currentPgTables(conn: PgConnection, tenant: Tenant, sidecar: Sidecar, target: string | undefined): Promise<TableInfo[] | undefined> {
  const mode = sidecar.tenant.mode;
  if (mode === 'rows') return undefined;
  if (mode === 'schema') {
    const schema = target ?? tenant.id;
    return withPgClient(conn, async (client) => {
      const tables = await listTables(client, [schema]);
      const rename = schemaRename(tenant, sidecar);
      return (await countRows(client, tables)).map((t, i) => ({ ...t, name: rename(tables[i]!) }));
    });
  }
  const database = databaseOf(conn, tenant, mode, target);
  if (!(await databaseExists(database))) return undefined;
  return withPgClient(database, async (client) => countRows(client, await listTables(client)));
}

/** The database a whole-database or rows restore writes into. */
export function databaseOf(conn: PgConnection, tenant: Tenant, mode: string, target: string | undefined): PgConnection {
  if (target) {
    const into = parsePgUrl(target, '--target');
    // The same server without a password in --target: the source's password applies (as in restore).
    return into.password === undefined && conn.password !== undefined && into.host === conn.host ? { ...into, password: conn.password } : into;
  }
  return mode === 'database' ? withDatabase(conn, tenant.id) : conn;
}

async function databaseExists(conn: PgConnection): Promise<boolean> {
  return withPgClient(withDatabase(conn, 'postgres'), async (client) => ((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [conn.database])).rowCount ?? 0) > 0);
}

/**
 * Schema mode: the tables of the target schema (the tenant's, or --target's new name), named the
 * way the archive names them, so that a restore into another schema name compares like for like.
 */
async function schemaModeFingerprint(conn: PgConnection, tenant: Tenant, sidecar: Sidecar, target: string | undefined): Promise<SchemaFingerprint | undefined> {
  const schema = target ?? tenant.id;
  return withPgClient(conn, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (!found.rowCount) return undefined;
    return schemaFingerprint(client, await listTables(client, [schema]), schemaRename(tenant, sidecar));
  });
}

/** Names a target schema's table the way the archive names it (qualified by the tenant's schema, or bare). */
function schemaRename(tenant: Tenant, sidecar: Sidecar): (t: PgTable) => string {
  const archived = sidecar.schemaFingerprint?.tables ?? sidecar.tables;
  const qualifiedNames = archived.some((t) => t.name.includes('.'));
  return (t) => (qualifiedNames ? `${tenant.id}.${t.name}` : t.name);
}
