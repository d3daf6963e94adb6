/**
 * Dump and restore of one whole MySQL/MariaDB database (tenant modes `none` and `database`).
 * mysqldump runs in one consistent-snapshot transaction (--single-transaction) and without
 * --databases, so the dump has no CREATE DATABASE/USE and restores under any name. Its SQL
 * flows through the row-counting scanner into zstd and into the archive as `db.sql.zst`.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { compress, compressedName, compressionOfEntry, decompress, effectiveCompression } from '../compression.js';
import { spawnTool, runTool } from '../../exec.js';
import { OrgbackupError, ExitCode, VerificationError, DAMAGED_ARCHIVE_HINT } from '../../errors.js';
import type mysql from 'mysql2/promise';
import type { Sidecar } from '../../archive/manifest.js';
import { checkedEntryStream } from '../../archive/reader.js';
import { spoolTo } from '../temp-spool.js';
import { verifiedEntry } from '../verified-entry.js';
import type { DumpContext, DumpResult, RestoreContext, RestoreResult } from '../types.js';
import { databaseCharset, databaseExists, listTables, schemaFingerprint, serverFacts, tableCollations, withCollations } from './catalog.js';
import { describeMysql, quoteMysqlIdent, withDatabase, withMysql, writeDefaultsFile, type MysqlConnection } from './connection.js';
import { isDumpHeader, ScanningStream, DumpScanner, type DumpScan } from './dump-scanner.js';
import { resolveMysqlTool, supportsOption, toolFacts } from './tools.js';
import { DefinerStripper, maySetDefiners } from './definers.js';

export const MYSQL_DUMP_ENTRY = 'db.sql';

/** The options of every dump; the defaults file and the database name are added around them. */
export const DUMP_OPTIONS = ['--single-transaction', '--quick', '--routines', '--triggers', '--events', '--hex-blob', '--default-character-set=utf8mb4'];

/** mysqldump's options for this tool: --no-tablespaces and MySQL's --set-gtid-purged where known. */
export async function dumpOptions(file: string, signal: AbortSignal): Promise<string[]> {
  const args = [...DUMP_OPTIONS];
  if (await supportsOption(file, '--no-tablespaces', signal)) args.push('--no-tablespaces');
  // A GTID-enabled MySQL would otherwise write SET @@GLOBAL.GTID_PURGED, which restores refuse.
  if (await supportsOption(file, '--set-gtid-purged', signal)) args.push('--set-gtid-purged=OFF');
  return args;
}

export async function dumpWholeDatabase(conn: MysqlConnection, tools: Record<string, string>, ctx: DumpContext): Promise<DumpResult> {
  const facts = await withMysql(conn, async (client) => ({
    server: await serverFacts(client),
    charset: await databaseCharset(client, conn.database),
    tables: await listTables(client, conn.database),
    collations: await tableCollations(client, conn.database),
    fingerprint: await schemaFingerprint(client, conn.database),
  }));
  const tool = await resolveMysqlTool('dump', tools, facts.server.flavour);
  ctx.log.debug(`using ${tool.file} (${tool.reason})`);
  const options = await dumpOptions(tool.file, ctx.signal);
  const defaults = await writeDefaultsFile(conn, ctx.tempDir);
  // `--` ends the options: a database named `-x` would otherwise be read as one.
  const dump = spawnTool(tool.file, [`--defaults-extra-file=${defaults}`, ...options, '--', conn.database], { signal: ctx.signal });
  const scanning = new ScanningStream();
  dump.stdout.on('error', (error) => scanning.destroy(error)).pipe(scanning);
  const compression = await effectiveCompression(ctx.compression);
  const piped = await compress(scanning, compression, ctx.signal);
  await Promise.all([ctx.writer.addEntry(compressedName(MYSQL_DUMP_ENTRY, compression), piped.stdout), dump.done, piped.done]);
  const scan = scanning.result;
  if (!scan?.completed || scan.truncated) {
    throw new OrgbackupError(`${tool.file} ended without its "-- Dump completed" trailer; the dump of ${conn.database} is incomplete`, ExitCode.failed, {
      hint: 'nothing was stored; run create again, and check the server log if the dump breaks off again',
    });
  }
  const version = await toolFacts(tool.file, ctx.signal);
  return {
    dump: { tool: version.file.split('/').pop() ?? 'mysqldump', version: version.version, args: ['--defaults-extra-file=<0600 option file>', ...options, '--', conn.database] },
    tables: withCollations(
      facts.tables.map((name) => ({ name, rows: scan.rows.get(name) ?? 0 })),
      facts.collations,
    ),
    compression,
    serverVersion: facts.server.version,
    database: conn.database,
    schemaFingerprint: facts.fingerprint,
    details: { flavour: facts.server.flavour, ...(facts.charset ? { charset: facts.charset.charset, collation: facts.charset.collation } : {}) },
  };
}

/** Scans a whole decompressed dump; throws a VerificationError naming what is wrong. */
export async function scanDump(body: Readable, what: string): Promise<DumpScan> {
  const scanner = new DumpScanner();
  for await (const chunk of body) scanner.push(chunk as Buffer);
  const scan = scanner.end();
  if (!isDumpHeader(scan.header)) throw new VerificationError(`${what} does not start with a mysqldump header (found "${scan.header.slice(0, 60)}")`, { hint: DAMAGED_ARCHIVE_HINT });
  if (scan.truncated || !scan.completed) throw new VerificationError(`${what} is truncated: it lacks mysqldump's closing "-- Dump completed" line`, { hint: DAMAGED_ARCHIVE_HINT });
  return scan;
}

/** Level 2: the entry decompresses, is a complete mysqldump, and holds the manifest's row counts. */
export async function checkMysqlDumpEntry(name: string, body: Readable, sidecar: Sidecar, signal: AbortSignal): Promise<void> {
  const plain = await decompress(body, compressionOfEntry(name), signal);
  const what = `entry ${name} of ${sidecar.id}`;
  const [scan] = await Promise.all([scanDump(plain.stdout, what), plain.done]);
  const wrong = sidecar.tables.filter((t) => (scan.rows.get(t.name) ?? 0) !== t.rows);
  if (wrong.length > 0) {
    const list = wrong.slice(0, 5).map((t) => `${t.name}: ${scan.rows.get(t.name) ?? 0} rows, manifest says ${t.rows}`);
    throw new VerificationError(`${what} does not hold the rows its manifest lists (${list.join('; ')})`, { hint: DAMAGED_ARCHIVE_HINT });
  }
}

/**
 * Restores the dump into `conn.database`, created when missing (with the source database's
 * character set), from a verified copy of the entry (spoolDumpEntry). The client stops at the first error. MySQL cannot roll DDL back, so a failed
 * restore can leave the database half-restored: the safety backup is the way back.
 */
export async function restoreWholeDatabase(conn: MysqlConnection, tools: Record<string, string>, ctx: RestoreContext): Promise<RestoreResult> {
  const target = `database ${conn.database} on ${conn.socket ?? `${conn.host}:${conn.port}`}`;
  const exists = await withMysql(withDatabase(conn, ''), (client) => databaseExists(client, conn.database));
  const plan = [`${exists ? 'replace the tables, views, routines, triggers and events of' : 'create'} ${target}`, ...ctx.sidecar.tables.map((t) => `load ${t.name}: ${t.rows} rows`)];
  if (ctx.options.dryRun) return { target, tables: ctx.sidecar.tables, plan };
  const spooled = await spoolDumpEntry(ctx);
  try {
    const server = await withMysql(withDatabase(conn, ''), async (client) => {
      if (!exists) await createDatabase(client, conn.database, ctx.sidecar);
      return { flavour: (await serverFacts(client)).flavour, definers: await maySetDefiners(client) };
    });
    if (!server.definers) ctx.log.warn(`the restoring account may not set other definers (SUPER/SET USER): views, triggers, routines and events are restored owned by ${conn.user}`);
    const client = await resolveMysqlTool('client', tools, server.flavour);
    const defaults = await writeDefaultsFile(conn, ctx.tempDir);
    await loadDump(createReadStream(spooled.file), spooled.name, { file: client.file, defaults, database: conn.database, stripDefiners: !server.definers }, ctx.signal).catch((error: unknown) => {
      throw restoreFailed(error, conn);
    });
    return { target, tables: ctx.sidecar.tables };
  } finally {
    await rm(spooled.file, { force: true });
  }
}

/**
 * The dump entry, copied into the run's private temp directory (0600) while its sha256 is
 * checked: the mysql client runs each statement as it reads it and MySQL cannot roll DDL back,
 * so it only ever reads bytes that already matched the manifest, never the storage's second read.
 */
async function spoolDumpEntry(ctx: RestoreContext): Promise<{ file: string; name: string }> {
  for await (const entry of ctx.entries) {
    if (!entry.name.startsWith(MYSQL_DUMP_ENTRY)) continue;
    const file = path.join(ctx.tempDir, `restore-${process.pid}-${randomBytes(4).toString('hex')}.${entry.name}`);
    const checked = verifiedEntry(entry.body);
    try {
      await Promise.all([spoolTo(checked.stream, file, `a copy of ${entry.name} (${entry.size} bytes)`, ctx.signal), checked.done]);
    } catch (error) {
      await rm(file, { force: true });
      throw checked.rootCause(error);
    }
    return { file, name: entry.name };
  }
  throw new OrgbackupError(`archive ${ctx.sidecar.id} holds no ${MYSQL_DUMP_ENTRY} entry`, ExitCode.verification, { hint: DAMAGED_ARCHIVE_HINT });
}

interface LoadTarget {
  file: string;
  defaults: string;
  database: string;
  stripDefiners: boolean;
}

/**
 * Feeds a dump entry to the mysql client, which stops at the first error. On any failure the
 * decompressor is stopped too (it would otherwise wait forever for its output to be read).
 */
export async function loadDump(body: AsyncIterable<Buffer>, name: string, to: LoadTarget, signal: AbortSignal): Promise<void> {
  const stop = new AbortController();
  const both = AbortSignal.any([signal, stop.signal]);
  const entry = checkedEntryStream(body);
  const plain = await decompress(entry.stream, compressionOfEntry(name), both);
  let sql: Readable = plain.stdout;
  if (to.stripDefiners) sql = plain.stdout.pipe(new DefinerStripper());
  const args = [`--defaults-extra-file=${to.defaults}`, '--batch', '--default-character-set=utf8mb4', '--max-allowed-packet=1G', `--database=${to.database}`];
  try {
    await Promise.all([runTool(to.file, args, { input: sql, signal: both }), plain.done, entry.done]);
  } catch (error) {
    stop.abort(error);
    throw error;
  }
}

/** A charset/collation name from the manifest, used only when it is a plain word. */
function word(value: unknown): string | undefined {
  return typeof value === 'string' && /^\w+$/.test(value) ? value : undefined;
}

/** Creates the database with the archived default charset and collation (manifest `details`), if it is missing. */
export async function createDatabase(client: mysql.Connection, database: string, sidecar: Pick<Sidecar, 'details'>): Promise<void> {
  const charset = word(sidecar.details?.charset) ?? 'utf8mb4';
  const collation = word(sidecar.details?.collation);
  const base = `CREATE DATABASE IF NOT EXISTS ${quoteMysqlIdent(database)} CHARACTER SET ${charset}`;
  // A collation of the other flavour (utf8mb4_0900_ai_ci on MariaDB) is unknown: the charset's default then.
  if (collation) {
    const ok = await client.query(`${base} COLLATE ${collation}`).then(
      () => true,
      () => false,
    );
    if (ok) return;
  }
  await client.query(base).catch(async (error: Error & { errno?: number }) => {
    throw error.errno === ER_DBACCESS_DENIED ? await createDenied(client, database, error) : error;
  });
}

/** ER_DBACCESS_DENIED_ERROR: the account lacks CREATE on the database it would create. */
const ER_DBACCESS_DENIED = 1044;

async function createDenied(client: mysql.Connection, database: string, cause: unknown): Promise<OrgbackupError> {
  const [rows] = await client.query<mysql.RowDataPacket[]>('SELECT CURRENT_USER() AS account').catch(() => [[]]);
  const account = String(rows[0]?.account ?? 'the restoring account').replace(/^(.*)@(.*)$/, "'$1'@'$2'");
  const db = quoteMysqlIdent(database);
  return new OrgbackupError(`cannot restore: the database ${database} does not exist and ${account} lacks the CREATE privilege to create it; nothing was changed`, ExitCode.preflight, {
    cause,
    hint: `as an administrator: GRANT ALL ON ${db}.* TO ${account}; or create it (CREATE DATABASE ${db} CHARACTER SET utf8mb4) and grant ALL on it`,
  });
}

function restoreFailed(error: unknown, conn: MysqlConnection): Error {
  if (!(error instanceof OrgbackupError)) return error as Error;
  error.message = `restoring into ${describeMysql(conn)} stopped at the first error: ${error.message}`;
  error.hint ??= 'the database may be partly restored; restore the safety backup to undo, or fix the cause and restore again';
  return error;
}
