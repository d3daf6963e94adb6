/**
 * Throwaway PostgreSQL places for restore tests. Whole-database archives (modes none, database)
 * go into a new database on the source's server, or on the server `--scratch` names; schema
 * archives go into a new schema of the source database (or of the `--scratch` database). Both
 * are created here and dropped by the caller in a `finally`, also after a failure or a signal.
 */
import type { Sidecar } from '../../archive/manifest.js';
import { countRows, listTables, quoteIdent, type PgTable } from './catalog.js';
import { createDatabaseWithLocale, readDatabaseLocale } from './locale.js';
import { describePg, parsePgUrl, withDatabase, withPgClient, type PgConnection } from './connection.js';
import { scratchName, scratchServerOf, type Observation, type Scratch } from '../scratch.js';
import { hostInUrl } from '../../util/url-host.js';

/** The server a scratch goes to: --scratch, else the source's own connection. */
export function scratchServer(source: PgConnection, scratch: string | undefined): PgConnection {
  return scratchServerOf(source, scratch, parsePgUrl);
}

/** A URL for the restore's `--target`; it may carry the password, so it stays inside the process. */
export function pgUrlOf(conn: PgConnection): string {
  const url = new URL('postgres://localhost');
  url.hostname = hostInUrl(conn.host);
  url.port = String(conn.port);
  url.username = encodeURIComponent(conn.user);
  if (conn.password !== undefined) url.password = encodeURIComponent(conn.password);
  url.pathname = `/${encodeURIComponent(conn.database)}`;
  for (const [key, value] of Object.entries(conn.params)) url.searchParams.set(key, value);
  return url.toString();
}

export async function createDatabaseScratch(server: PgConnection, sidecar: Sidecar): Promise<Scratch> {
  const conn = withDatabase(server, scratchName(sidecar.source.database ?? sidecar.tenant.id));
  const admin = withDatabase(server, 'postgres');
  // Created as the archived database was: the restore test then also proves the locale comes back.
  await withPgClient(admin, (client) => createDatabaseWithLocale(client, conn.database, sidecar.source.locale));
  return {
    target: pgUrlOf(conn),
    where: `database ${describePg(conn)}`,
    replaceAgain: true,
    measure: () => withPgClient(conn, async (client) => ({ tables: await countRows(client, await listTables(client)), locale: await readDatabaseLocale(client) })),
    // FORCE ends the connections a killed pg_restore may have left behind.
    drop: () => withPgClient(admin, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(conn.database)} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Schema mode: a new schema; its tables are counted under the names the archive uses. */
export async function createSchemaScratch(database: PgConnection, sidecar: Sidecar): Promise<Scratch> {
  const schema = scratchName(sidecar.tenant.id);
  const qualifiedNames = (sidecar.schemaFingerprint?.tables ?? sidecar.tables).some((t) => t.name.includes('.'));
  const rename = (t: PgTable) => (qualifiedNames ? `${sidecar.tenant.id}.${t.name}` : t.name);
  return {
    target: schema,
    where: `schema ${schema} in database ${describePg(database)}`,
    measure: () =>
      withPgClient(database, async (client): Promise<Observation> => {
        const tables = await listTables(client, [schema]);
        const counted = await countRows(client, tables);
        return { tables: counted.map((t, i) => ({ ...t, name: rename(tables[i]!) })) };
      }),
    drop: () => withPgClient(database, (client) => client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`)).then(() => undefined),
  };
}
