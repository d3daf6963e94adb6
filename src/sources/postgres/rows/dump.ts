/**
 * Rows mode dump of one tenant: every planned table's tenant rows as a `COPY ... TO STDOUT`
 * stream, compressed, as entry `rows/<schema>.<table>.copy[.zst]`, all read in one REPEATABLE
 * READ READ ONLY transaction so the archive is one consistent snapshot. Row counts, a sha256
 * of each table's COPY text and an order-independent digest of its rows are taken from the same
 * bytes as they stream past; the manifest's
 * details carry the plan (roles, join paths, load order, shared tables) that a restore follows.
 */
import { heldCategories, planCategory } from '../../rows/categories.js';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { PostgresSourceConfig } from '../../../config/schema.js';
import type { SchemaFingerprint, TableInfo } from '../../../archive/manifest.js';
import { encodeTenant } from '../../../archive/layout.js';
import { UsageError } from '../../../errors.js';
import { effectiveCompression, IN_PROCESS_BYTES, type Compression } from '../../compression.js';
import { LineDigest } from '../../rows/digest.js';
import { storeRowsEntry } from '../../rows/entries.js';
import type { DumpContext, DumpResult, Tenant } from '../../types.js';
import { planRows, type PlannedTable, type RowsPlan } from '../../rows/plan.js';
import { listTables, schemaFingerprint, serverVersion } from '../catalog.js';
import { withPgClient, type PgConnection } from '../connection.js';
import { largeObjectColumns, readRowsCatalog } from './catalog.js';
import type { RowsBatch } from './rows-batch.js';
import { copyOutSql } from './sql.js';
import { describeOutside } from '../../rows/outside.js';
import { readOutsideRows, storeOutsideRows, type OutsideDetails, type OutsideRows } from './outside.js';

export const ROWS_TOOL = 'orgbackup-rows';

/** What a rows archive's manifest `details` holds. */
export interface RowsDetails {
  column: string;
  schemas: string[];
  plan: RowsPlan;
  /** Table (qualified) -> archive entry name. */
  entries: Record<string, string>;
  loadOrder: string[];
  shared: string[];
  /** The configured categories the archive holds in full: name -> qualified tables. */
  categories?: Record<string, string[]>;
  /** Set when the tenant was read with others in one pass: when that snapshot was taken. */
  snapshotAt?: string;
  /** Rows of other tenants the tenant's rows reference (outside.ts); absent when there are none. */
  outside?: OutsideDetails;
}

export function rowsSettings(config: PostgresSourceConfig): { column: string; schemas: string[] } {
  const column = config.tenants.column;
  if (!column)
    throw new UsageError('tenant mode "rows" needs tenants.column (the tenant id column, e.g. "org_id")', { hint: 'set tenants.column to the column holding the tenant id, e.g. "column": "org_id"' });
  return { column, schemas: config.tenants.schemas ?? ['public'] };
}

export async function planForSource(client: pg.Client, config: PostgresSourceConfig): Promise<RowsPlan> {
  const { column, schemas } = rowsSettings(config);
  const catalog = await readRowsCatalog(client, schemas);
  const full = planRows({ ...catalog, column, include: config.tenants.includeTables, exclude: config.tenants.excludeTables, paths: config.tenants.paths });
  if (!full.tables.some((t) => t.role === 'tenant')) {
    throw new UsageError(`no table in schema(s) ${schemas.join(', ')} has the tenant column "${column}"`, {
      hint: 'check tenants.column and tenants.schemas (default ["public"]) and the include/exclude table lists',
    });
  }
  const plan = planCategory(full, catalog.tables, config);
  await refuseLargeObjects(client, plan);
  return plan;
}

/**
 * A rows archive would hold the large object ids of an `oid`/`lo` column but not the objects:
 * restored rows would point at objects that are not there. Refused before anything is written
 * (the whole source, as the plan is the same for every tenant) rather than archived incomplete.
 */
async function refuseLargeObjects(client: pg.Client, plan: RowsPlan): Promise<void> {
  const found = await largeObjectColumns(
    client,
    plan.tables.map((t) => t.table),
  );
  if (found.length === 0) return;
  const columns = found.map((c) => `${c.table}.${c.column} (${c.type})`).join(', ');
  throw new UsageError(`rows mode cannot back up large objects: column(s) ${columns} hold large object ids, and a rows archive would hold the ids without the objects`, {
    hint: 'store that data as bytea, or use tenants.mode "schema" or "database" (pg_dump archives large objects), or leave the table out with tenants.excludeTables',
  });
}

/** An entry's name before the compression suffix: `rows/<schema>.<table>.copy`. */
function rowsEntryBase(table: string): string {
  return `rows/${encodeTenant(table)}.copy`;
}

/**
 * The plan and fingerprint are read once per run and source (the catalog, not the data): a run
 * over hundreds of tenants would otherwise repeat the same catalog queries for each of them.
 * A schema change during the run makes the COPY of the changed table fail for later tenants.
 */
const catalogCache = new WeakMap<PostgresSourceConfig, Promise<{ plan: RowsPlan; fingerprint: SchemaFingerprint }>>();

export function cachedCatalog(client: pg.Client, config: PostgresSourceConfig): Promise<{ plan: RowsPlan; fingerprint: SchemaFingerprint }> {
  let cached = catalogCache.get(config);
  if (!cached) {
    cached = (async () => {
      const plan = await planForSource(client, config);
      return { plan, fingerprint: await schemaFingerprint(client, await listTables(client, rowsSettings(config).schemas)) };
    })();
    cached.catch(() => catalogCache.delete(config));
    catalogCache.set(config, cached);
  }
  return cached;
}

export async function dumpRows(conn: PgConnection, tenant: Tenant, config: PostgresSourceConfig, ctx: DumpContext): Promise<DumpResult> {
  const compression = await rowsCompression(ctx);
  return withPgClient(conn, async (client) => {
    const version = await serverVersion(client);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { plan, fingerprint } = await cachedCatalog(client, config);
    const literal = client.escapeLiteral(tenant.id);
    const tables: TableInfo[] = [];
    const entries: Record<string, string> = {};
    for (const table of plan.tables) {
      const { info, entry } = await dumpTable(client, plan, table, literal, compression, ctx);
      tables.push(info);
      entries[table.table] = entry;
    }
    const outside = await readOutsideRows(client, plan, literal);
    await client.query('COMMIT');
    return rowsResult(config, { plan, fingerprint, serverVersion: version, database: conn.database, tables, entries, compression, outside: await storeOutside(ctx, plan, outside, compression) });
  });
}

/** Writes a tenant's archive entries from a batch read earlier (batch.ts) instead of querying. */
export async function dumpRowsFromBatch(batch: RowsBatch, tenant: Tenant, conn: PgConnection, config: PostgresSourceConfig, ctx: DumpContext): Promise<DumpResult> {
  const compression = await rowsCompression(ctx);
  const index = batch.index.get(tenant.id);
  if (index === undefined) throw new Error(`internal: tenant ${tenant.id} is not in the rows batch`);
  const tables: TableInfo[] = [];
  const entries: Record<string, string> = {};
  for (const table of batch.plan.tables) {
    const segment = batch.spool.segment(table.table, index);
    // A small segment is read whole in one go (its pieces lie scattered between other tenants').
    const text = segment.bytes < IN_PROCESS_BYTES ? await batch.spool.read(segment) : batch.spool.stream(segment);
    entries[table.table] = await storeRowsEntry(ctx, rowsEntryBase(table.table), text, compression);
    tables.push({ name: table.table, rows: segment.rows, checksum: segment.sha256, digest: segment.digest });
  }
  const { plan, fingerprint, serverVersion: version, snapshotAt } = batch;
  const outside = await storeOutside(ctx, plan, batch.outside.get(tenant.id), compression);
  return rowsResult(config, { plan, fingerprint, serverVersion: version, database: conn.database, tables, entries, compression, snapshotAt, outside });
}

/** The outside references as entries, said at -v (debug) level: they explain rows a scratch database gets that are not the tenant's. */
async function storeOutside(ctx: DumpContext, plan: RowsPlan, found: OutsideRows | undefined, compression: Compression): Promise<OutsideDetails | undefined> {
  if (!found) return undefined;
  const outside = await storeOutsideRows(ctx, plan, found, compression);
  for (const line of outside ? describeOutside(outside.references) : []) ctx.log.debug(`outside reference: ${line}`);
  return outside;
}

async function rowsCompression(ctx: DumpContext): Promise<Compression> {
  const compression = await effectiveCompression(ctx.compression);
  if (compression !== ctx.compression) ctx.log.warn('zstd is not installed; compressing rows with gzip instead');
  return compression;
}

interface RowsRead {
  plan: RowsPlan;
  fingerprint: SchemaFingerprint;
  serverVersion: string;
  database: string;
  tables: TableInfo[];
  entries: Record<string, string>;
  compression: Compression;
  snapshotAt?: string;
  outside?: OutsideDetails;
}

function rowsResult(config: PostgresSourceConfig, read: RowsRead): DumpResult {
  const { schemas, column } = rowsSettings(config);
  const { plan } = read;
  const details: RowsDetails = {
    column,
    schemas,
    plan,
    entries: read.entries,
    loadOrder: plan.tables.map((t) => t.table),
    shared: plan.shared,
    ...(config.tenants.categories ? { categories: heldCategories(plan, config.tenants.categories) } : {}),
    ...(read.snapshotAt ? { snapshotAt: read.snapshotAt } : {}),
    ...(read.outside ? { outside: read.outside } : {}),
  };
  return {
    dump: { tool: ROWS_TOOL, version: read.serverVersion, args: [`--column=${column}`, ...schemas.map((s) => `--schema=${s}`), 'COPY TO STDOUT'] },
    tables: read.tables,
    compression: read.compression,
    serverVersion: read.serverVersion,
    database: read.database,
    schemaFingerprint: read.fingerprint,
    details: details as unknown as Record<string, unknown>,
  };
}

async function dumpTable(client: pg.Client, plan: RowsPlan, table: PlannedTable, literal: string, compression: Compression, ctx: DumpContext): Promise<{ info: TableInfo; entry: string }> {
  const copy = client.query(copyTo(copyOutSql(plan, table, literal)));
  const counter = new CopyCounter();
  const flowing = pipeline(copy, counter);
  flowing.catch(() => undefined);
  const [entry] = await Promise.all([storeRowsEntry(ctx, rowsEntryBase(table.table), counter, compression), flowing]);
  return { info: { name: table.table, rows: counter.rows, checksum: counter.sha256, digest: counter.digest }, entry };
}

/**
 * Passes COPY text through while counting rows (one line each in text format), hashing it, and
 * taking the order-independent digest of its rows (rows/digest.ts) that restore tests compare.
 */
export class CopyCounter extends Transform {
  rows = 0;
  bytes = 0;
  private readonly hash = createHash('sha256');
  private readonly lines = new LineDigest();
  private sha: string | undefined;
  private rowsHex: string | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.lines.update(chunk);
    this.bytes += chunk.length;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) this.rows++;
    callback(null, chunk);
  }

  get sha256(): string {
    this.sha ??= this.hash.digest('hex');
    return this.sha;
  }

  get digest(): string {
    this.rowsHex ??= this.lines.hex;
    return this.rowsHex;
  }
}
