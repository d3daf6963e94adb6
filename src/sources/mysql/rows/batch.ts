/**
 * MySQL/MariaDB rows mode for many tenants at once: every planned table is read once, in one
 * `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY` (REPEATABLE READ), joined to the
 * selected tenants (keys.ts) so each row comes with its tenant's index, encoded as INSERT values
 * and routed into a disk spool of per-tenant segments (rows/spool.ts, encoded-rows.ts); outside
 * references are looked up for all tenants together (outside-batch.ts). Each tenant's archive
 * is then written from its segments by the same InsertWriter (dump.ts), `--jobs` at a time.
 *
 * Why: one tenant at a time costs one statement per table per tenant (index lookups and a round
 * trip each), and outside references a dozen more; the spool keeps memory bounded whatever the
 * number of tenants. The rule for when it pays is the PostgreSQL one (rows/batch-decision.ts);
 * reading one tenant on its own stays for the rest (dump.ts).
 */
import { pipeline } from 'node:stream/promises';
import type mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import type { MysqlSourceConfig } from '../config.js';
import { freeBytes } from '../../../util/free-space.js';
import { decideBatch, fillSpool, type BatchOptions } from '../../rows/batch-decision.js';
import { crossingKeys } from '../../rows/outside.js';
import type { PlanForeignKey, RowsPlan } from '../../rows/plan.js';
import type { RowSpool } from '../../rows/spool.js';
import type { Tenant } from '../../types.js';
import { databaseCharset, serverFacts, tableCollations } from '../catalog.js';
import { withMysql, type MysqlConnection } from '../connection.js';
import { cachedPlan, streamRawRows } from './dump.js';
import { KeyedLines } from './encoded-rows.js';
import { createKeysTable, keyedSelectSql, type KeysTable } from './keys.js';
import type { Found, TableTypes } from './outside.js';
import { createHopTables, readMysqlOutsideBatch, type HopTables } from './outside-batch.js';
import type { MysqlRowsBatch } from './rows-batch.js';
import { valueKind } from './sql.js';

/** Errors of a user who may not create temporary tables (the keys table needs them). */
const NO_TEMPORARY_TABLES = new Set([1044, 1142]);

/** Reads the selected tenants' rows into a spool; undefined when reading them one by one is better (or the only way). */
export async function readMysqlRowsBatch(conn: MysqlConnection, config: MysqlSourceConfig, tenants: readonly Tenant[], options: BatchOptions): Promise<MysqlRowsBatch | undefined> {
  return withMysql(conn, async (client) => {
    const server = await serverFacts(client);
    await client.query("SET SESSION time_zone = '+00:00'");
    const { plan, types, fingerprint } = await cachedPlan(client, conn.database, config);
    const decision = decideBatch({
      selected: tenants.length,
      discovered: options.discovered,
      tableBytes: await tableBytes(client, conn.database, plan),
      freeBytes: (await freeBytes(options.tempDir)) ?? 0,
    });
    if (!decision.batch) {
      options.log.debug(`rows mode: one query per tenant: ${decision.reason}`);
      return undefined;
    }
    const keys = await keysTable(client, plan, tenants, options);
    if (!keys) return undefined;
    // Made before the READ ONLY transaction, which may fill temporary tables but not create them.
    const hops: HopTables = crossingKeys(plan).length > 0 ? await createHopTables(client, plan) : new Map<PlanForeignKey, string>();
    await client.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await client.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const snapshotAt = new Date().toISOString();
    // Said at info level: the progress bar does not move until every table is read.
    options.log.info(`rows mode: ${decision.reason}`);
    const charset = await databaseCharset(client, conn.database);
    const collations = await tableCollations(client, conn.database);
    const { spool, read: found } = await fillSpool(
      tenants.length,
      plan.tables.length,
      options,
      async (spool) => {
        await spoolTables(client, plan, types, keys, spool, options.signal);
        return crossingKeys(plan).length > 0 ? await readMysqlOutsideBatch(client, plan, types, keys, hops) : new Map<number, Found>();
      },
      () => client.query('COMMIT'),
    );
    const outside = new Map([...found].filter(([, f]) => f.references.length > 0).map(([i, f]) => [tenants[i]!.id, f]));
    const index = new Map(tenants.map((t, i) => [t.id, i]));
    return { spool, index, plan, types, fingerprint, serverVersion: server.version, charset, collations, snapshotAt, outside };
  });
}

/** One statement per planned table, its rows routed into the spool by tenant index. */
async function spoolTables(client: mysql.Connection, plan: RowsPlan, types: TableTypes, keys: KeysTable, spool: RowSpool, signal: AbortSignal): Promise<void> {
  for (const table of plan.tables) {
    const kinds = table.columns.map((c) => valueKind(types[table.name]?.[c]));
    await pipeline(streamRawRows(client, keyedSelectSql(plan, table, keys)), new KeyedLines(kinds), spool.router(table.table), { signal });
  }
  spool.routingDone();
}

/** The keys table, or undefined (said why) when the user may not make one or an id does not fit the tenant column. */
async function keysTable(client: mysql.Connection, plan: RowsPlan, tenants: readonly Tenant[], options: BatchOptions): Promise<KeysTable | undefined> {
  try {
    const keys = await createKeysTable(client, plan, tenants);
    if (!keys) options.log.debug('rows mode: one query per tenant: a tenant id does not convert exactly to the tenant column type');
    return keys;
  } catch (error) {
    if (!NO_TEMPORARY_TABLES.has((error as { errno?: number }).errno ?? 0)) throw error;
    // Said at info level: the grant makes runs of many tenants much faster.
    options.log.info('rows mode: one query per tenant: the user may not create temporary tables (GRANT CREATE TEMPORARY TABLES on the database reads all tenants in one pass)');
    return undefined;
  }
}

/** Bytes of the planned tables' data (information_schema's estimate, what the spool is sized from). */
async function tableBytes(client: mysql.Connection, database: string, plan: RowsPlan): Promise<number> {
  const [rows] = await client.query<RowDataPacket[]>('SELECT COALESCE(SUM(DATA_LENGTH), 0) AS bytes FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?)', [
    database,
    plan.tables.map((t) => t.name),
  ]);
  return Number(rows[0]?.bytes ?? 0);
}
