/**
 * `export` of MySQL/MariaDB archives, no database needed. Rows mode: each `rows/<table>.sql`
 * entry holds the table's INSERT statements, one per line, with their column list. Whole-database
 * mode: the `db.sql` entry is mysqldump's SQL, whose data INSERTs have no column list (the
 * fingerprint's column order is the table's) and, from MariaDB's dump tool, one tuple per line.
 * Only lines that start an `INSERT INTO \`` outside DELIMITER blocks (routine and trigger bodies)
 * are data; a statement runs to the line that ends with `;` (strings never hold a raw line break).
 */
import type { Sidecar } from '../../../archive/manifest.js';
import { VerificationError, DAMAGED_ARCHIVE_HINT } from '../../../errors.js';
import { entryLines } from '../../export/lines.js';
import type { ArchiveExporter, ExportEvent, ExportedTable } from '../../export/types.js';
import type { MysqlRowsDetails } from '../rows/dump.js';
import { MYSQL_DUMP_ENTRY } from '../whole-database.js';
import { csvValue, jsonKind, jsonValue, MYSQL_CONVENTIONS, MYSQL_SQL_PREAMBLE, parseInsert, quoteMysqlName, sqlLiteral } from './values.js';

const common = {
  dialect: 'mysql' as const,
  csvValue,
  jsonValue,
  jsonKind,
  sqlLiteral,
  quoteTable: quoteMysqlName,
  quoteColumn: quoteMysqlName,
  sqlPreamble: MYSQL_SQL_PREAMBLE,
  conventions: MYSQL_CONVENTIONS,
};

export function mysqlRowsExporter(sidecar: Sidecar): ArchiveExporter {
  const details = sidecar.details as unknown as MysqlRowsDetails | undefined;
  if (!details?.plan || !details.entries) throw new VerificationError(`archive ${sidecar.id} has no rows plan in its manifest`, { hint: DAMAGED_ARCHIVE_HINT });
  const types = new Map((sidecar.schemaFingerprint?.tables ?? []).map((t) => [t.name, new Map(t.columns.map((c) => [c.name, c]))]));
  const rows = new Map(sidecar.tables.map((t) => [t.name, t.rows]));
  const planned = details.plan.tables.filter((t) => details.entries[t.table] !== undefined);
  const entries = new Set(planned.map((t) => details.entries[t.table]!));
  // The manifest's tables, the fingerprint and the statements name a table without its database (`name`).
  const tables: ExportedTable[] = planned.map((t) => ({
    name: t.name,
    rows: rows.get(t.name) ?? 0,
    columns: t.columns.map((name) => ({ name, type: types.get(t.name)?.get(name)?.type ?? 'text', nullable: types.get(t.name)?.get(name)?.nullable ?? true })),
  }));
  return { ...common, tables, holdsData: (entry) => entries.has(entry), readEntry: (entry, body, signal) => insertRows(entry, body, new Map(tables.map((t) => [t.name, t])), signal) };
}

export function mysqlDumpExporter(sidecar: Sidecar): ArchiveExporter {
  const rows = new Map(sidecar.tables.map((t) => [t.name, t.rows]));
  const tables: ExportedTable[] = (sidecar.schemaFingerprint?.tables ?? []).map((t) => ({ name: t.name, rows: rows.get(t.name) ?? 0, columns: t.columns }));
  if (tables.length === 0 && sidecar.tables.length > 0)
    throw new VerificationError(`archive ${sidecar.id} has no schema fingerprint in its manifest; its columns and types are unknown`, {
      hint: 'restore it into a scratch database (`orgbackup restore <id> --target ...`) and export from there',
    });
  return { ...common, tables, holdsData: (entry) => entry.startsWith(MYSQL_DUMP_ENTRY), readEntry: (entry, body, signal) => insertRows(entry, body, new Map(tables.map((t) => [t.name, t])), signal) };
}

/** `known`: the table each statement's table name stands for. */
async function* insertRows(entry: string, body: AsyncIterable<Buffer>, known: ReadonlyMap<string, ExportedTable>, signal: AbortSignal): AsyncGenerator<ExportEvent> {
  let current: string | undefined;
  let statement: string[] = [];
  let inDelimiterBlock = false;
  for await (const line of entryLines(entry, body, signal)) {
    if (statement.length === 0) {
      if (line.startsWith('DELIMITER ')) inDelimiterBlock = line.trim() !== 'DELIMITER ;';
      if (inDelimiterBlock || !line.startsWith('INSERT INTO `')) continue;
    }
    statement.push(line);
    if (!line.endsWith(';')) continue;
    const parsed = parseInsert(statement.join('\n'));
    statement = [];
    if (parsed.table !== current) {
      const table = known.get(parsed.table);
      if (!table) throw new VerificationError(`entry ${entry} holds rows of table ${parsed.table}, which its manifest does not list`, { hint: DAMAGED_ARCHIVE_HINT });
      current = parsed.table;
      yield { kind: 'table', table: table.name, columns: parsed.columns ?? table.columns.map((c) => c.name) };
    }
    for (const cells of parsed.rows) yield { kind: 'row', cells };
  }
  if (statement.length > 0) throw new VerificationError(`entry ${entry} ends inside an INSERT statement`, { hint: DAMAGED_ARCHIVE_HINT });
}
