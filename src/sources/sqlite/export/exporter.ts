/**
 * `export` of SQLite archives, no running database needed: the archived `db.sqlite` entry is
 * written (verified, decompressed) to a private temp file, then each table of the manifest's
 * schema fingerprint is read from it by the sqlite3 CLI, read only, one row per line. Each value
 * comes as its storage class and the hex of its bytes, so text holding commas, quotes, line breaks
 * or NUL, blobs and full-precision reals pass unchanged (values.ts turns them into each format).
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Sidecar } from '../../../archive/manifest.js';
import { DAMAGED_ARCHIVE_HINT, VerificationError } from '../../../errors.js';
import { spawnTool } from '../../../exec.js';
import { compressionOfEntry, decompress } from '../../compression.js';
import { splitLines } from '../../export/lines.js';
import type { ArchiveExporter, ExportEvent, ExportedTable } from '../../export/types.js';
import { verifiedEntry } from '../../verified-entry.js';
import { quoteSqliteIdent, sqliteJson, SQLITE_READ_ARGS } from '../cli.js';
import { SQLITE_ENTRY } from '../restore.js';
import { cellOf, csvValue, jsonKind, jsonValue, quoteSqliteName, SQLITE_CONVENTIONS, SQLITE_SQL_PREAMBLE, sqlLiteral } from './values.js';

const ENCODINGS: Record<string, BufferEncoding> = { 'UTF-8': 'utf8', 'UTF-16le': 'utf16le' };

export function sqliteExporter(sidecar: Sidecar, sqlite3: () => Promise<string>): ArchiveExporter {
  const rows = new Map(sidecar.tables.map((t) => [t.name, t.rows]));
  const tables: ExportedTable[] = (sidecar.schemaFingerprint?.tables ?? []).map((t) => ({ name: t.name, rows: rows.get(t.name) ?? 0, columns: t.columns }));
  if (tables.length === 0 && sidecar.tables.length > 0)
    throw new VerificationError(`archive ${sidecar.id} has no schema fingerprint in its manifest; its columns and types are unknown`, { hint: DAMAGED_ARCHIVE_HINT });
  return {
    dialect: 'sqlite',
    tables,
    holdsData: (entry) => entry.startsWith(SQLITE_ENTRY),
    readEntry: (entry, body, signal) => databaseRows(entry, body, tables, sqlite3, signal),
    csvValue,
    jsonValue,
    jsonKind,
    sqlLiteral,
    quoteTable: quoteSqliteName,
    quoteColumn: quoteSqliteName,
    sqlPreamble: SQLITE_SQL_PREAMBLE,
    conventions: SQLITE_CONVENTIONS,
  };
}

async function* databaseRows(entry: string, body: AsyncIterable<Buffer>, tables: readonly ExportedTable[], sqlite3: () => Promise<string>, signal: AbortSignal): AsyncGenerator<ExportEvent> {
  const dir = await mkdtemp(path.join(tmpdir(), 'orgbackup-sqlite-export-'));
  try {
    const file = path.join(dir, 'export.db');
    const checked = verifiedEntry(body);
    try {
      const plain = await decompress(checked.stream, compressionOfEntry(entry), signal);
      await Promise.all([pipeline(plain.stdout, createWriteStream(file, { mode: 0o600 }), { signal }), plain.done, checked.done]);
    } catch (error) {
      throw checked.rootCause(error);
    }
    const tool = await sqlite3();
    const encoding = await databaseEncoding(tool, file, signal);
    for (const table of tables) {
      yield { kind: 'table', table: table.name, columns: table.columns.map((c) => c.name) };
      yield* tableRows(tool, file, table, encoding, signal);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function databaseEncoding(sqlite3: string, file: string, signal: AbortSignal): Promise<BufferEncoding> {
  const [row] = await sqliteJson<{ encoding: string }>(sqlite3, file, 'PRAGMA encoding;', signal);
  const encoding = ENCODINGS[row?.encoding ?? ''];
  if (!encoding)
    throw new VerificationError(`the archived SQLite database is encoded as ${row?.encoding ?? 'unknown'}, which export does not read`, {
      hint: 'restore it and convert it to UTF-8 with sqlite3 .dump',
    });
  return encoding;
}

/** One line per row: `class:hex` per column, comma-separated (neither appears in the output otherwise). */
function rowQuery(table: ExportedTable): string {
  const cells = table.columns.map((c) => {
    const x = quoteSqliteIdent(c.name);
    const real = `CASE WHEN CAST(printf('%!.15g', ${x}) AS REAL) = ${x} THEN printf('%!.15g', ${x}) ELSE printf('%!.17g', ${x}) END`;
    return `typeof(${x}) || ':' || CASE typeof(${x}) WHEN 'real' THEN hex(${real}) WHEN 'null' THEN '' ELSE hex(${x}) END`;
  });
  return `SELECT ${cells.length > 0 ? cells.join(" || ',' || ") : "''"} FROM ${quoteSqliteIdent(table.name)};`;
}

async function* tableRows(sqlite3: string, file: string, table: ExportedTable, encoding: BufferEncoding, signal: AbortSignal): AsyncGenerator<ExportEvent> {
  const child = spawnTool(sqlite3, [...SQLITE_READ_ARGS, file], { input: `${rowQuery(table)}\n`, signal });
  for await (const line of splitLines(child.stdout)) {
    const cells = line.split(',').map((cell) => {
      const at = cell.indexOf(':');
      return cellOf(cell.slice(0, at), cell.slice(at + 1), encoding);
    });
    yield { kind: 'row', cells };
  }
  await child.done;
}
