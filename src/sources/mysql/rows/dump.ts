/**
 * Rows mode dump of one tenant from a shared MySQL/MariaDB database. mysqldump cannot do this
 * consistently: its --where is one condition for all tables, and one mysqldump per table would
 * read each table in a different snapshot. So the rows are read here, over one connection, in
 * ONE `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY`: every table's tenant rows (child
 * tables through foreign-key subqueries, rows/plan.ts) as the same snapshot saw them. Each table
 * becomes an entry `rows/<table>.sql.zst` of INSERT statements that the stock client loads.
 * Many tenants of a run are read together instead (batch.ts), and each archive is written here
 * from the spool by the same writer.
 */
import { heldCategories, planCategory } from '../../rows/categories.js';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type mysql from 'mysql2/promise';
import type { Connection as CoreConnection } from 'mysql2';
import type { MysqlSourceConfig } from '../config.js';
import type { SchemaFingerprint, TableInfo } from '../../../archive/manifest.js';
import { encodeTenant } from '../../../archive/layout.js';
import { UsageError } from '../../../errors.js';
import { effectiveCompression, IN_PROCESS_BYTES, type Compression } from '../../compression.js';
import { storeRowsEntry } from '../../rows/entries.js';
import type { DumpContext, DumpResult, Tenant } from '../../types.js';
import { planRows, type PlannedTable, type RowsPlan } from '../../rows/plan.js';
import { databaseCharset, schemaFingerprint, type DatabaseCharset, serverFacts, tableCollations, withCollations } from '../catalog.js';
import { mysqlTextLiteral, withMysql, type MysqlConnection } from '../connection.js';
import { readMysqlRowsCatalog } from './catalog.js';
import { describeOutside } from '../../rows/outside.js';
import { readMysqlOutsideRows, storeMysqlOutsideRows, type Found, type MysqlOutsideDetails, type TableTypes } from './outside.js';
import { EncodedRows } from './encoded-rows.js';
import type { MysqlRowsBatch } from './rows-batch.js';
import { insertWriterFor, selectSql } from './sql.js';

export const MYSQL_ROWS_TOOL = 'orgbackup-mysql-rows';

/** What a rows archive's manifest `details` holds. */
export interface MysqlRowsDetails {
  column: string;
  plan: RowsPlan;
  /** Table (qualified, as in the plan) -> archive entry name. */
  entries: Record<string, string>;
  loadOrder: string[];
  shared: string[];
  /** The configured categories the archive holds in full: name -> qualified tables. */
  categories?: Record<string, string[]>;
  /** The source database's default charset and collation, which a restore test's scratch database gets. */
  charset?: string;
  collation?: string;
  /** Set when the tenant was read with others in one pass (batch.ts): when that snapshot was taken. */
  snapshotAt?: string;
  /** Rows of other tenants and shared tables the tenant's rows reference (outside.ts); absent when there are none. */
  outside?: MysqlOutsideDetails;
}

interface PlanAndTypes {
  plan: RowsPlan;
  types: Record<string, Record<string, string>>;
  fingerprint: SchemaFingerprint;
}

export async function planForMysql(client: mysql.Connection, database: string, config: MysqlSourceConfig): Promise<PlanAndTypes> {
  const column = config.tenants.column;
  if (!column)
    throw new UsageError('tenant mode "rows" needs tenants.column (the tenant id column, e.g. "org_id")', { hint: 'set tenants.column to the column holding the tenant id, e.g. "column": "org_id"' });
  const catalog = await readMysqlRowsCatalog(client, database);
  const full = planRows({
    tables: catalog.tables,
    foreignKeys: catalog.foreignKeys,
    column,
    include: config.tenants.includeTables,
    exclude: config.tenants.excludeTables,
    paths: config.tenants.paths,
  });
  if (!full.tables.some((t) => t.role === 'tenant')) {
    throw new UsageError(`no table of database ${database} has the tenant column "${column}"`, { hint: 'check tenants.column and the include/exclude table lists' });
  }
  const plan = planCategory(full, catalog.tables, config);
  const fingerprint = await schemaFingerprint(
    client,
    database,
    plan.tables.map((t) => t.name),
  );
  return { plan, types: catalog.types, fingerprint };
}

/** The catalog is read once per run and source, not once per tenant (hundreds of tenants, one schema). */
const catalogCache = new WeakMap<MysqlSourceConfig, Promise<PlanAndTypes>>();

export function cachedPlan(client: mysql.Connection, database: string, config: MysqlSourceConfig): Promise<PlanAndTypes> {
  let cached = catalogCache.get(config);
  if (!cached) {
    cached = planForMysql(client, database, config);
    cached.catch(() => catalogCache.delete(config));
    catalogCache.set(config, cached);
  }
  return cached;
}

/** The callback-style connection under mysql2's promise wrapper: only it can stream a result. */
function coreConnection(client: mysql.Connection): CoreConnection {
  return (client as unknown as { connection: CoreConnection }).connection;
}

/**
 * A statement's rows as arrays of raw values, streamed. typeCast off: every value as the
 * server's own text (or raw bytes), exactly as stored (read with the session's time_zone +00:00).
 */
export function streamRawRows(client: mysql.Connection, sql: string): Readable {
  return coreConnection(client).query({ sql, rowsAsArray: true, typeCast: false }).stream({ highWaterMark: 256 });
}

/** A table's tenant rows (streamRawRows). */
export function streamTenantRows(client: mysql.Connection, plan: RowsPlan, table: PlannedTable, literal: string): Readable {
  return streamRawRows(client, selectSql(plan, table, literal));
}

export async function dumpMysqlRows(conn: MysqlConnection, tenant: Tenant, config: MysqlSourceConfig, ctx: DumpContext): Promise<DumpResult> {
  const compression = await effectiveCompression(ctx.compression);
  return withMysql(conn, async (client) => {
    const server = await serverFacts(client);
    await client.query("SET SESSION time_zone = '+00:00'");
    await client.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await client.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const { plan, types, fingerprint } = await cachedPlan(client, conn.database, config);
    const charset = await databaseCharset(client, conn.database);
    const collations = await tableCollations(client, conn.database);
    const literal = mysqlTextLiteral(tenant.id);
    const tables: TableInfo[] = [];
    const entries: Record<string, string> = {};
    for (const table of plan.tables) {
      const { info, entry } = await dumpTable(client, plan, table, types[table.name] ?? {}, literal, compression, ctx);
      tables.push(info);
      entries[table.table] = entry;
    }
    const found = await readMysqlOutsideRows(client, plan, types, literal);
    await client.query('COMMIT');
    const outside = await storeOutside(ctx, plan, types, found, compression);
    return mysqlRowsResult(config, { plan, fingerprint, serverVersion: server.version, database: conn.database, charset, collations, tables, entries, compression, outside });
  });
}

/** Writes a tenant's archive entries from a batch read earlier (batch.ts) instead of querying: the same InsertWriter over the same rows. */
export async function dumpMysqlRowsFromBatch(batch: MysqlRowsBatch, tenant: Tenant, conn: MysqlConnection, config: MysqlSourceConfig, ctx: DumpContext): Promise<DumpResult> {
  const compression = await effectiveCompression(ctx.compression);
  const index = batch.index.get(tenant.id);
  if (index === undefined) throw new Error(`internal: tenant ${tenant.id} is not in the rows batch`);
  const { plan, types } = batch;
  const tables: TableInfo[] = [];
  const entries: Record<string, string> = {};
  for (const table of plan.tables) {
    const segment = batch.spool.segment(table.table, index);
    // A small segment is read whole in one go (its pieces lie scattered between other tenants').
    const text = segment.bytes < IN_PROCESS_BYTES ? Readable.from([await batch.spool.read(segment)]) : batch.spool.stream(segment);
    const writer = insertWriterFor(table, types[table.name] ?? {});
    const flowing = pipeline(text, new EncodedRows(), writer);
    flowing.catch(() => undefined);
    const [entry] = await Promise.all([storeRowsEntry(ctx, rowsEntryBase(table), writer, compression), flowing]);
    tables.push({ name: table.name, rows: writer.rows, checksum: writer.sha256, digest: writer.digest });
    entries[table.table] = entry;
  }
  const outside = await storeOutside(ctx, plan, types, batch.outside.get(tenant.id), compression);
  const { fingerprint, serverVersion, charset, collations, snapshotAt } = batch;
  return mysqlRowsResult(config, { plan, fingerprint, serverVersion, database: conn.database, charset, collations, tables, entries, compression, outside, snapshotAt });
}

/** The outside references as entries, said at -v: they explain rows a restore into another database adds that are not the tenant's. */
async function storeOutside(ctx: DumpContext, plan: RowsPlan, types: TableTypes, found: Found | undefined, compression: Compression): Promise<MysqlOutsideDetails | undefined> {
  if (!found) return undefined;
  const outside = await storeMysqlOutsideRows(ctx, plan, types, found, compression);
  for (const line of outside ? describeOutside(outside.references) : []) ctx.log.debug(`outside reference: ${line}`);
  return outside;
}

interface RowsRead {
  plan: RowsPlan;
  fingerprint: SchemaFingerprint;
  serverVersion: string;
  database: string;
  charset: DatabaseCharset | undefined;
  collations: ReadonlyMap<string, string>;
  tables: TableInfo[];
  entries: Record<string, string>;
  compression: Compression;
  outside: MysqlOutsideDetails | undefined;
  snapshotAt?: string;
}

function mysqlRowsResult(config: MysqlSourceConfig, read: RowsRead): DumpResult {
  const { plan, outside } = read;
  const column = config.tenants.column!;
  const categories = heldCategories(plan, config.tenants.categories);
  const details: MysqlRowsDetails = {
    column,
    plan,
    entries: read.entries,
    loadOrder: plan.tables.map((t) => t.table),
    shared: plan.shared,
    ...(categories ? { categories } : {}),
    ...read.charset,
    ...(read.snapshotAt ? { snapshotAt: read.snapshotAt } : {}),
    ...(outside ? { outside } : {}),
  };
  return {
    dump: { tool: MYSQL_ROWS_TOOL, version: read.serverVersion, args: [`--column=${column}`, 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY'] },
    tables: withCollations(read.tables, read.collations),
    compression: read.compression,
    serverVersion: read.serverVersion,
    database: read.database,
    schemaFingerprint: read.fingerprint,
    details: details as unknown as Record<string, unknown>,
  };
}

/** An entry's name before the compression suffix: `rows/<table>.sql`. */
function rowsEntryBase(table: Pick<PlannedTable, 'name'>): string {
  return `rows/${encodeTenant(table.name)}.sql`;
}

async function dumpTable(
  client: mysql.Connection,
  plan: RowsPlan,
  table: PlannedTable,
  types: Record<string, string>,
  literal: string,
  compression: Compression,
  ctx: DumpContext,
): Promise<{ info: TableInfo; entry: string }> {
  const writer = insertWriterFor(table, types);
  const flowing = pipeline(streamTenantRows(client, plan, table, literal), writer);
  flowing.catch(() => undefined);
  const [entry] = await Promise.all([storeRowsEntry(ctx, rowsEntryBase(table), writer, compression), flowing]);
  return { info: { name: table.name, rows: writer.rows, checksum: writer.sha256, digest: writer.digest }, entry };
}
