/**
 * Rows mode dump of one tenant: every planned table's tenant rows as a `COPY ... TO STDOUT`
 * stream, compressed, as entry `rows/<schema>.<table>.copy[.zst]`, all read in one REPEATABLE
 * READ READ ONLY transaction so the archive is one consistent snapshot. Row counts and a sha256
 * of each table's COPY text are taken from the same bytes as they stream past; the manifest's
 * details carry the plan (roles, join paths, load order, shared tables) that a restore follows.
 */
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { PostgresSourceConfig } from '../../../config/schema.js';
import type { SchemaFingerprint, TableInfo } from '../../../archive/manifest.js';
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

/**
 * The plan and fingerprint are read once per run and source (the catalog, not the data): a run
 * over hundreds of tenants would otherwise repeat the same catalog queries for each of them.
 * A schema change during the run makes the COPY of the changed table fail for later tenants.
 */
const catalogCache = new WeakMap<PostgresSourceConfig, Promise<{ plan: RowsPlan; fingerprint: SchemaFingerprint }>>();

function cachedCatalog(client: pg.Client, config: PostgresSourceConfig): Promise<{ plan: RowsPlan; fingerprint: SchemaFingerprint }> {
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
  const compression = await effectiveCompression(ctx.compression);
  if (compression !== ctx.compression) ctx.log.warn('zstd is not installed; compressing rows with gzip instead');
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
    await client.query('COMMIT');
    const { schemas, column } = rowsSettings(config);
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

/**
 * A tenant's slice of a table is usually small. Below 64 KiB it is stored plain; below 4 MiB it is
 * gzipped in-process (in libuv's thread pool): starting a compressor process per table would cost
 * more than it saves, hundreds of tenants times each table. Larger slices stream through zstd.
 */
const PLAIN_ENTRY_BYTES = 64 * 1024;
const IN_PROCESS_ENTRY_BYTES = 4 * 1024 * 1024;
const gzipAsync = promisify(gzip);

async function dumpTable(client: pg.Client, plan: RowsPlan, table: PlannedTable, literal: string, compression: Compression, ctx: DumpContext): Promise<{ info: TableInfo; entry: string }> {
  const copy = client.query(copyTo(copyOutSql(plan, table, literal)));
  const counter = new CopyCounter();
  const flowing = pipeline(copy, counter);
  flowing.catch(() => undefined);
  const head = await readHead(counter, IN_PROCESS_ENTRY_BYTES);
  let entry: string;
  if (head.ended) {
    await flowing;
    const text = Buffer.concat(head.chunks);
    const small = text.length < PLAIN_ENTRY_BYTES || compression === 'none';
    entry = rowsEntryName(table.table, small ? 'none' : 'gzip');
    await ctx.writer.addEntry(entry, small ? text : await gzipAsync(text, { level: 3 }));
  } else {
    entry = rowsEntryName(table.table, compression);
    const rest = new PassThrough();
    for (const chunk of head.chunks) rest.write(chunk);
    counter.pipe(rest);
    const piped = await compress(rest, compression, ctx.signal);
    await Promise.all([flowing, ctx.writer.addEntry(entry, piped.stdout), piped.done]);
  }
  ctx.onBytes?.(counter.bytes);
  return { info: { name: table.table, rows: counter.rows, checksum: counter.sha256 }, entry };
}

/** Reads up to `limit` bytes (or to the end) without losing what comes after. */
async function readHead(stream: Readable, limit: number): Promise<{ chunks: Buffer[]; ended: boolean }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes >= limit) finish(false);
    };
    const onEnd = () => finish(true);
    const finish = (ended: boolean) => {
      stream.off('data', onData).off('end', onEnd).off('error', reject);
      stream.pause();
      resolve({ chunks, ended });
    };
    stream.on('data', onData).once('end', onEnd).once('error', reject);
  });
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
