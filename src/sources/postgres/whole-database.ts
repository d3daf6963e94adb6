/**
 * Dump and restore of one whole PostgreSQL database in pg_dump's custom format (tenant modes
 * `none` and `database`). With zstd present the dump runs uncompressed (-Z0) into a threaded zstd,
 * which is faster and smaller than pg_dump's own zlib (see bench/RESULTS.md); the entry is
 * `db.pgdump.zst`, or `db.pgdump` compressed by pg_dump itself for small databases. The schema
 * fingerprint is read in the same exported snapshot as the dump; the row counts are those of the
 * dump stream itself when it is uncompressed (dump-stream-counter.ts), else count(*) in that
 * snapshot, so both describe exactly what was dumped.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { devNull } from '../../util/streams.js';
import { compress, compressedName, compressionOfEntry, decompress, effectiveCompression, type Piped } from '../compression.js';
import { runTool, spawnTool } from '../../exec.js';
import { OrgbackupError, ExitCode, DAMAGED_ARCHIVE_HINT } from '../../errors.js';
import type { DumpContext, DumpResult, RestoreContext, RestoreResult } from '../types.js';
import type pg from 'pg';
import { countRows, listTables, schemaFingerprint, type PgTable } from './catalog.js';
import { DumpStreamCounter } from './dump-stream-counter.js';
import { inheritanceTree, rowCountsFromDump } from './dump-row-counts.js';
import { pgClient, pgConnectError, pgDbnameArg, pgToolEnv, withDatabase, withPgClient, type PgConnection } from './connection.js';
import { quoteIdent } from './catalog.js';
import { createDatabaseWithLocale } from './locale.js';
import type { DatabaseLocale, TableInfo } from '../../archive/manifest.js';
import { resolvePgTool, toolVersion } from '../tools.js';
import { spoolTo } from '../temp-spool.js';
import { verifiedEntry } from '../verified-entry.js';
import { runRestoreScript } from './script-restore.js';
import { inheritedConstraintDrops } from './clean-filter.js';

export const PG_DUMP_ENTRY = 'db.pgdump';

/**
 * Below this much table data (indexes and TOAST included) pg_dump compresses with its own zlib and
 * no zstd process is started: for hundreds of small tenant databases the extra process per tenant
 * cost more than it saved (bench/RESULTS.md "Tenants"). The entry is then plain `db.pgdump`.
 */
export const SMALL_DATA_BYTES = 8 * 1024 * 1024;

export async function dumpWholeDatabase(conn: PgConnection, tools: Record<string, string>, ctx: DumpContext, extraArgs: string[] = [], schemas?: readonly string[]): Promise<DumpResult> {
  const client = pgClient(conn);
  client.on('error', () => undefined);
  await client.connect().catch((error: unknown) => {
    throw pgConnectError(conn, error);
  });
  try {
    const server = await serverFacts(client, schemas);
    // One round trip: the transaction whose snapshot pg_dump and the counts below share.
    const [, exported] = (await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot() AS s')) as unknown as [unknown, { rows: { s: string }[] }];
    const snapshot = exported.rows[0]?.s ?? '';
    const pgDump = await resolvePgTool('pg_dump', tools, Math.floor(server.versionNum / 10000));
    ctx.log.debug(`using ${pgDump.file} (${pgDump.reason})`);
    const compression = await effectiveCompression(ctx.compression);
    if (compression !== ctx.compression) ctx.log.warn(`zstd is not installed; compressing with pg_dump's own zlib instead`);
    const throughZstd = compression === 'zstd' && server.dataBytes >= SMALL_DATA_BYTES;
    // zstd compresses pg_dump's uncompressed output; otherwise pg_dump compresses itself.
    const args = ['--format=custom', throughZstd || compression === 'none' ? '--compress=0' : '--compress=6', `--snapshot=${snapshot}`, '--no-password', ...extraArgs];
    const dump = spawnTool(pgDump.file, args, { env: await pgToolEnv(conn, ctx.tempDir), signal: ctx.signal });
    const entryCompression = throughZstd ? 'zstd' : 'none';
    // An uncompressed dump is counted as it streams, so the server reads every table once.
    const counter = throughZstd || compression === 'none' ? new DumpStreamCounter() : undefined;
    const piped = await compress(counter ? dump.stdout.pipe(counter.stream()) : dump.stdout, entryCompression, ctx.signal);
    const catalog = (async () => {
      // Schema mode dumps one schema (-n): count and fingerprint just that.
      const tables = await listTables(client, schemas);
      return { tables, fingerprint: await schemaFingerprint(client, tables), tree: counter ? await inheritanceTree(client, tables) : [] };
    })();
    const [, , , stats] = await Promise.all([ctx.writer.addEntry(compressedName(PG_DUMP_ENTRY, entryCompression), piped.stdout), dump.done, piped.done, catalog]);
    const tables = await rowCounts(client, stats, counter, ctx);
    await client.query('COMMIT');
    return {
      dump: { tool: 'pg_dump', version: await toolVersion(pgDump.file), args: args.map((a) => (a.startsWith('--snapshot=') ? '--snapshot=<exported>' : a)) },
      tables,
      compression: throughZstd ? 'zstd' : 'pg_dump',
      serverVersion: server.version,
      database: conn.database,
      schemaFingerprint: stats.fingerprint,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Counts from the dump stream when it could be read, else count(*) per table in the dump's snapshot. */
async function rowCounts(
  client: pg.Client,
  catalog: { tables: PgTable[]; tree: Awaited<ReturnType<typeof inheritanceTree>> },
  counter: DumpStreamCounter | undefined,
  ctx: DumpContext,
): Promise<TableInfo[]> {
  const dumped = counter?.result();
  if (dumped) return rowCountsFromDump(client, catalog.tables, catalog.tree, dumped);
  if (counter) ctx.log.debug(`row counts by SQL: the dump stream could not be counted (${counter.failure})`);
  return countRows(client, catalog.tables);
}

/** The server's version and how much table data the dump will hold, in one round trip. */
async function serverFacts(client: pg.Client, schemas: readonly string[] | undefined): Promise<{ versionNum: number; version: string; dataBytes: number }> {
  const res = await client.query<{ num: string; version: string; bytes: string }>(
    `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version,
            (SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
                AND ($1::text[] IS NULL OR n.nspname = ANY($1::text[])))::text AS bytes`,
    [schemas ?? null],
  );
  const row = res.rows[0];
  return { versionNum: Number(row?.num ?? 0), version: row?.version ?? 'unknown', dataBytes: Number(row?.bytes ?? 0) };
}

/**
 * Reads the dump entry with `pg_restore --list`, which fails on a damaged custom-format header or
 * table of contents. pg_restore stops reading after the table of contents; the data blocks need
 * no decompressing (their bytes are still hashed by the caller), so the decompressor is stopped
 * and the rest of the entry flows straight to the hash: verify runs at storage read speed.
 */
export async function checkPgDumpEntry(name: string, body: Readable, tools: Record<string, string>, signal: AbortSignal): Promise<void> {
  const stopDecompressing = new AbortController();
  const plain = await decompress(body, compressionOfEntry(name), AbortSignal.any([signal, stopDecompressing.signal]));
  const pgRestore = await resolvePgTool('pg_restore', tools);
  let listError: Error | undefined;
  await runTool(pgRestore.file, ['--list'], { input: plain.stdout, signal, stdout: devNull() }).catch((error: Error) => (listError = error));
  // Whatever the decompressor still writes goes nowhere (pg_restore has stopped reading); it
  // must still be read, or the stopped child's pipe never reaches its end.
  plain.stdout.resume();
  const finishedAlone = await Promise.race([
    plain.done.then(
      () => true,
      () => true,
    ),
    new Promise((r) => setImmediate(r, false)),
  ]);
  if (!finishedAlone) stopDecompressing.abort();
  const decompressError = await plain.done.then(
    () => undefined,
    (error: Error) => error,
  );
  body.unpipe();
  body.resume();
  if (signal.aborted) throw signal.reason;
  // A decompression error is the root cause of whatever pg_restore said about the same bytes.
  if (decompressError && !stopDecompressing.signal.aborted) throw decompressError;
  if (listError) throw listError;
}

/**
 * Restores the dump into `conn.database`. An existing database is replaced in one transaction
 * (`pg_restore --clean --if-exists` through psql, COMMIT only once the entry matched its sha256),
 * so a failure or a mismatch leaves it as it was; a database the restore created is dropped again.
 */
export async function restoreWholeDatabase(conn: PgConnection, tools: Record<string, string>, ctx: RestoreContext): Promise<RestoreResult> {
  const target = `database ${conn.database} on ${conn.host}:${conn.port}`;
  if (ctx.options.dryRun) {
    // A dry run changes nothing, so it only looks whether the database is there.
    const exists = await withPgClient(withDatabase(conn, 'postgres'), async (client) => ((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [conn.database])).rowCount ?? 0) > 0);
    return { target, tables: ctx.sidecar.tables, plan: [`${exists ? 'replace the contents of' : 'create'} ${target}`, ...ctx.sidecar.tables.map((t) => `load ${t.name}: ${t.rows} rows`)] };
  }
  const created = await ensureDatabase(conn, ctx.sidecar.source.locale);
  const pgRestore = await resolvePgTool('pg_restore', tools);
  const env = await pgToolEnv(conn, ctx.tempDir);
  // An existing database is replaced inside one transaction, so a failure leaves it as it was.
  // A database this restore created has nothing to protect: it is loaded statement by statement
  // (one transaction made the bench restore 1.6x slower) and dropped again if the load fails.
  for await (const entry of ctx.entries) {
    if (!entry.name.startsWith(PG_DUMP_ENTRY)) continue;
    if (!created) {
      // One transaction whose COMMIT waits for the entry's digest (script-restore.ts); the
      // partitions' inherited constraints go with their parents' (clean-filter.ts).
      const skipCleanStatements = await withPgClient(conn, inheritedConstraintDrops);
      await runRestoreScript(conn, tools, { entry, pgRestoreArgs: ['--clean', '--if-exists'], skipCleanStatements, preamble: 'BEGIN;\n', postamble: '\nCOMMIT;\n' }, ctx).catch((error: unknown) => {
        if (error instanceof OrgbackupError && !ctx.signal.aborted) error.markRolledBack().message = `the restore was rolled back, ${target} is unchanged: ${error.message}`;
        throw error;
      });
      return { target, tables: ctx.sidecar.tables };
    }
    // Any failure stops every child of the load (the decompressor would otherwise wait forever).
    const stop = new AbortController();
    const signal = AbortSignal.any([ctx.signal, stop.signal]);
    const checked = verifiedEntry(entry.body);
    const plain = await decompress(checked.stream, compressionOfEntry(entry.name), signal);
    const args = ['--exit-on-error', '--no-password', pgDbnameArg(conn.database)];
    const jobs = ctx.options.jobs ?? 1;
    try {
      if (jobs > 1) await parallelRestore(pgRestore.file, args, jobs, plain, checked.done, env, { ...ctx, signal });
      else await Promise.all([runTool(pgRestore.file, args, { input: plain.stdout, env, signal }), plain.done, checked.done]);
    } catch (error) {
      stop.abort();
      plain.stdout.destroy();
      // Loaded statement by statement: bytes that did not match the manifest go with the database.
      await dropDatabase(conn).catch(() => undefined);
      throw checked.rootCause(error);
    }
    return { target, tables: ctx.sidecar.tables };
  }
  throw new OrgbackupError(`archive ${ctx.sidecar.id} holds no ${PG_DUMP_ENTRY} entry`, ExitCode.verification, { hint: DAMAGED_ARCHIVE_HINT });
}

/**
 * pg_restore -j needs a seekable file: the dump is decompressed into the run's private temp
 * directory first (as much space as the uncompressed dump), then loaded by `jobs` workers.
 */
async function parallelRestore(pgRestore: string, args: string[], jobs: number, plain: Piped, verified: Promise<void>, env: Record<string, string>, ctx: RestoreContext): Promise<void> {
  const file = path.join(ctx.tempDir, `restore-${process.pid}.pgdump`);
  try {
    // The whole entry matched its sha256 before pg_restore reads a byte of the file.
    await Promise.all([spoolTo(plain.stdout, file, 'the uncompressed dump pg_restore --jobs reads', ctx.signal), plain.done, verified]);
    await runTool(pgRestore, [...args, `--jobs=${jobs}`, file], { env, signal: ctx.signal });
  } finally {
    await rm(file, { force: true });
  }
}

async function dropDatabase(conn: PgConnection): Promise<void> {
  await withPgClient(withDatabase(conn, 'postgres'), (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(conn.database)} WITH (FORCE)`));
}

/**
 * Creates the database when it does not exist, with the archived encoding and locale (an
 * existing one keeps its own); true when it did not exist.
 */
export async function ensureDatabase(conn: PgConnection, locale: DatabaseLocale | undefined): Promise<boolean> {
  return withPgClient(withDatabase(conn, 'postgres'), async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [conn.database]);
    if (exists.rowCount) return false;
    await createDatabaseWithLocale(client, conn.database, locale);
    return true;
  });
}
