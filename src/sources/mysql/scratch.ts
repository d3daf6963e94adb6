/**
 * Throwaway MySQL/MariaDB databases for restore tests of whole-database archives (modes none and
 * database): a new database on the source's server, or on the one `--scratch <mysql URL>` names,
 * dropped by the caller afterwards whatever happened.
 */
import type { RowDataPacket } from 'mysql2/promise';
import type { Sidecar, TableInfo } from '../../archive/manifest.js';
import { databaseCharset, listTables, tableCollations, withCollations } from './catalog.js';
import { createDatabase } from './whole-database.js';
import { describeMysql, parseMysqlUrl, quoteMysqlIdent, withDatabase, withMysql, type MysqlConnection } from './connection.js';
import { scratchName, scratchServerOf, type Scratch } from '../scratch.js';
import { hostInUrl } from '../../util/url-host.js';

/** The server a scratch goes to: --scratch, else the source's own connection. */
export function mysqlScratchServer(source: MysqlConnection, scratch: string | undefined): MysqlConnection {
  return scratchServerOf(source, scratch, parseMysqlUrl);
}

/** A URL for the restore's `--target`; it may carry the password, so it stays inside the process. */
function mysqlUrlOf(conn: MysqlConnection): string {
  const url = new URL('mysql://localhost');
  url.hostname = hostInUrl(conn.host);
  url.port = String(conn.port);
  url.username = encodeURIComponent(conn.user);
  if (conn.password !== undefined) url.password = encodeURIComponent(conn.password);
  url.pathname = `/${encodeURIComponent(conn.database)}`;
  if (conn.socket) url.searchParams.set('socket', conn.socket);
  if (conn.ssl) url.searchParams.set('ssl-mode', conn.ssl === 'verify' ? 'VERIFY_IDENTITY' : 'REQUIRED');
  return url.toString();
}

export async function createMysqlScratch(server: MysqlConnection, sidecar: Sidecar): Promise<Scratch> {
  const conn = withDatabase(server, scratchName(sidecar.source.database ?? sidecar.tenant.id));
  const admin = withDatabase(server, '');
  // Created as the archived database was: the restore test then also proves the charset comes back.
  await withMysql(admin, (client) => createDatabase(client, conn.database, sidecar));
  return {
    target: mysqlUrlOf(conn),
    where: `database ${describeMysql(conn)}`,
    replaceAgain: true,
    measure: () =>
      withMysql(conn, async (client) => {
        const tables: TableInfo[] = [];
        for (const name of await listTables(client, conn.database)) {
          const [rows] = await client.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${quoteMysqlIdent(conn.database)}.${quoteMysqlIdent(name)}`);
          tables.push({ name, rows: Number(rows[0]?.n ?? 0) });
        }
        return { tables: withCollations(tables, await tableCollations(client, conn.database)), charset: await databaseCharset(client, conn.database) };
      }),
    drop: () => withMysql(admin, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteMysqlIdent(conn.database)}`)).then(() => undefined),
  };
}
