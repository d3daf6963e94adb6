/**
 * Everything orgbackup asks of a SQLite database goes through the sqlite3 CLI: the online backup
 * API (`.backup`), `PRAGMA integrity_check`, and catalog/count queries in JSON mode. SQL is sent on
 * stdin (no argv length limit); `-init /dev/null` keeps a user's ~/.sqliterc out of the way.
 */
import type { ColumnInfo, SchemaFingerprint, TableInfo } from '../../archive/manifest.js';
import { sha256Hex } from '../../archive/hashing.js';
import { OrgbackupError, ExitCode } from '../../errors.js';
import { runTool } from '../../exec.js';
import { resolveTool, toolVersion, type ResolvedTool } from '../tools.js';

const BASE_ARGS = ['-init', '/dev/null', '-bail', '-batch'];
/** Reading an archived copy: read only, one plain value per line, no header. */
export const SQLITE_READ_ARGS = [...BASE_ARGS, '-readonly', '-list', '-noheader'];
/** How long a backup or query waits for a writer's lock before giving up. */
const BUSY_TIMEOUT_MS = 30_000;

export function resolveSqlite3(tools: Record<string, string>): Promise<ResolvedTool> {
  return resolveTool(['sqlite3'], tools);
}

export function quoteSqliteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteSqliteString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Runs SQL (or dot-commands) against `db`; returns the rows of the last statement in JSON mode. */
export async function sqliteJson<T>(sqlite3: string, db: string, sql: string, signal: AbortSignal): Promise<T[]> {
  const out = await runTool(sqlite3, [...BASE_ARGS, '-json', db], { input: `.timeout ${BUSY_TIMEOUT_MS}\n${sql}\n`, signal });
  const text = out.trim();
  return text === '' ? [] : (JSON.parse(text) as T[]);
}

/**
 * Copies a live database with the online backup API into `copy`: readers and writers of the
 * source go on, and the copy is one consistent state, WAL contents included.
 */
export async function onlineBackup(sqlite3: string, db: string, copy: string, signal: AbortSignal): Promise<void> {
  if (copy.includes("'")) throw new Error(`internal: backup path ${copy} holds a quote`);
  await runTool(sqlite3, [...BASE_ARGS, db], { input: `.timeout ${BUSY_TIMEOUT_MS}\n.backup main '${copy}'\n`, signal });
}

/** `PRAGMA integrity_check` must answer exactly "ok"; anything else names the damage. */
export async function checkIntegrity(sqlite3: string, db: string, what: string, signal: AbortSignal): Promise<void> {
  const rows = await sqliteJson<{ integrity_check: string }>(sqlite3, db, 'PRAGMA integrity_check;', signal).catch((error: unknown) => {
    throw new OrgbackupError(`${what} is not a readable SQLite database: ${(error as Error).message}`, ExitCode.verification, {
      hint: 'the database file is damaged or not a SQLite database; restore it from an earlier archive',
    });
  });
  const verdict = rows.map((r) => r.integrity_check);
  if (verdict.length !== 1 || verdict[0] !== 'ok') {
    throw new OrgbackupError(`${what} fails PRAGMA integrity_check: ${verdict.slice(0, 3).join('; ')}`, ExitCode.verification, {
      hint: 'the database file is damaged; restore it from an earlier archive',
    });
  }
}

interface ColumnRow {
  tbl: string;
  name: string;
  type: string;
  nn: number;
}

/** User tables (not sqlite_* internals) with their columns, in a stable order. */
export async function describeTables(sqlite3: string, db: string, signal: AbortSignal): Promise<Map<string, ColumnInfo[]>> {
  const rows = await sqliteJson<ColumnRow>(
    sqlite3,
    db,
    `SELECT m.name AS tbl, p.name AS name, p.type AS type, p."notnull" AS nn
       FROM sqlite_schema m JOIN pragma_table_info(m.name) p
      WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
      ORDER BY m.name, p.cid;`,
    signal,
  );
  const tables = new Map<string, ColumnInfo[]>();
  for (const row of rows) {
    const list = tables.get(row.tbl) ?? [];
    list.push({ name: row.name, type: row.type, nullable: row.nn === 0 });
    tables.set(row.tbl, list);
  }
  return tables;
}

/** Exact row counts of `tables`, in one read transaction (one statement). */
export async function countRows(sqlite3: string, db: string, tables: readonly string[], signal: AbortSignal): Promise<TableInfo[]> {
  if (tables.length === 0) return [];
  const sql = tables.map((t) => `SELECT ${quoteSqliteString(t)} AS name, count(*) AS rows FROM ${quoteSqliteIdent(t)}`).join('\nUNION ALL ') + ';';
  const rows = await sqliteJson<TableInfo>(sqlite3, db, sql, signal);
  return rows.map((r) => ({ name: r.name, rows: Number(r.rows) }));
}

export function fingerprint(tables: Map<string, ColumnInfo[]>): SchemaFingerprint {
  const list = [...tables].map(([name, columns]) => ({ name, columns })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { sha256: sha256Hex(JSON.stringify(list)), tables: list };
}

export async function sqliteVersion(sqlite3: string, signal: AbortSignal): Promise<string> {
  return (await toolVersion(sqlite3, signal)).split(/\s+/)[0] ?? 'unknown';
}
