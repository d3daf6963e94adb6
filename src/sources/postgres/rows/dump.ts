/**
 * Rows mode dump of one tenant: every planned table's tenant rows as a `COPY ... TO STDOUT`
 * stream, compressed, as entry `rows/<schema>.<table>.copy[.zst]`, all read in one REPEATABLE
 * READ READ ONLY transaction so the archive is one consistent snapshot. Row counts and a sha256
 * of each table's COPY text are taken from the same bytes as they stream past; the manifest's
 * details carry the plan (roles, join paths, load order, shared tables) that a restore follows.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { PostgresSourceConfig } from '../../../config/schema.js';
import type { TableInfo } from '../../../archive/manifest.js';
import { encodeTenant } from '../../../archive/layout.js';
import { UsageError } from '../../../errors.js';
import { compress, compressedName, effectiveCompression, type Compression } from '../../compression.js';
import type { DumpContext, DumpResult, Tenant } from '../../types.js';
import { planRows, type PlannedTable, type RowsPlan } from '../../rows/plan.js';
import { listTables, schemaFingerprint, serverVersion } from '../catalog.js';
import { withPgClient, type PgConnection } from '../connection.js';
import { readRowsCatalog } from './catalog.js';
import { copyOutSql } from './sql.js';

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
}

export function rowsSettings(config: PostgresSourceConfig): { column: string; schemas: string[] } {
  const column = config.tenants.column;
  if (!column) throw new UsageError('tenant mode "rows" needs tenants.column (the tenant id column, e.g. "org_id")');
  return { column, schemas: config.tenants.schemas ?? ['public'] };
}

export async function planForSource(client: pg.Client, config: PostgresSourceConfig): Promise<RowsPlan> {
  const { column, schemas } = rowsSettings(config);
  const catalog = await readRowsCatalog(client, schemas);
  const plan = planRows({ ...catalog, column, include: config.tenants.includeTables, exclude: config.tenants.excludeTables });
  if (!plan.tables.some((t) => t.role === 'tenant')) {
    throw new UsageError(`no table in schema(s) ${schemas.join(', ')} has the tenant column "${column}"`, {
      hint: 'check tenants.column and tenants.schemas (default ["public"]) and the include/exclude table lists',
    });
  }
  return plan;
}

export function rowsEntryName(table: string, compression: Compression): string {
  return compressedName(`rows/${encodeTenant(table)}.copy`, compression);
}

export async function dumpRows(conn: PgConnection, tenant: Tenant, config: PostgresSourceConfig, ctx: DumpContext): Promise<DumpResult> {
  const compression = await effectiveCompression(ctx.compression);
  if (compression !== ctx.compression) ctx.log.warn('zstd is not installed; compressing rows with gzip instead');
  return withPgClient(conn, async (client) => {
    const version = await serverVersion(client);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const plan = await planForSource(client, config);
    const literal = client.escapeLiteral(tenant.id);
    const tables: TableInfo[] = [];
    const entries: Record<string, string> = {};
    for (const table of plan.tables) {
      const entry = rowsEntryName(table.table, compression);
      tables.push(await dumpTable(client, plan, table, literal, entry, compression, ctx));
      entries[table.table] = entry;
    }
    const { schemas, column } = rowsSettings(config);
    const fingerprint = await schemaFingerprint(client, await listTables(client, schemas));
    await client.query('COMMIT');
    const details: RowsDetails = { column, schemas, plan, entries, loadOrder: plan.tables.map((t) => t.table), shared: plan.shared };
    return {
      dump: { tool: ROWS_TOOL, version, args: [`--column=${column}`, ...schemas.map((s) => `--schema=${s}`), 'COPY TO STDOUT'] },
      tables,
      compression,
      serverVersion: version,
      database: conn.database,
      schemaFingerprint: fingerprint,
      details: details as unknown as Record<string, unknown>,
    };
  });
}

async function dumpTable(client: pg.Client, plan: RowsPlan, table: PlannedTable, literal: string, entry: string, compression: Compression, ctx: DumpContext): Promise<TableInfo> {
  const copy = client.query(copyTo(copyOutSql(plan, table, literal)));
  const counter = new CopyCounter();
  const piped = await compress(counter, compression, ctx.signal);
  await Promise.all([pipeline(copy, counter), ctx.writer.addEntry(entry, piped.stdout), piped.done]);
  ctx.onBytes?.(counter.bytes);
  return { name: table.table, rows: counter.rows, checksum: counter.sha256 };
}

/** Passes COPY text through while counting rows (one line each in text format) and hashing it. */
export class CopyCounter extends Transform {
  rows = 0;
  bytes = 0;
  private readonly hash = createHash('sha256');
  private digest: string | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) this.rows++;
    callback(null, chunk);
  }

  get sha256(): string {
    this.digest ??= this.hash.digest('hex');
    return this.digest;
  }
}
