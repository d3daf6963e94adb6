/**
 * What `export` needs from an engine to turn an archive (rows, schema or whole-database mode) into
 * portable files without a database: the archived tables (columns and types, row counts), the
 * rows of each data entry as the columns' text forms, and how a value of a type is written as
 * JSON and as an SQL literal of the engine's dialect. The command (src/commands/export.ts) does
 * the rest the same for every engine.
 */
import type { ColumnInfo } from '../../archive/manifest.js';

export interface ExportedTable {
  /** Qualified where the engine has schemas. */
  name: string;
  /** Columns in the order the archive holds them (a header event may narrow them, see below). */
  columns: ColumnInfo[];
  /** Rows the manifest records (the export checks it wrote as many). */
  rows: number;
}

/**
 * What reading a data entry yields: a `table` event before the rows of each table (with the
 * columns, in the order the rows give them), then its rows, each column's value in the engine's
 * text form (null for NULL). An entry may hold many tables (a whole-database dump), one after the
 * other.
 */
export type ExportEvent = { kind: 'table'; table: string; columns: string[] } | { kind: 'row'; cells: (string | null)[] };

export interface ArchiveExporter {
  /** The dialect of `--format sql` files and of index.json's `dialect`. */
  dialect: 'postgresql' | 'mysql' | 'sqlite';
  tables: ExportedTable[];
  /** Whether this entry holds table data. */
  holdsData(entry: string): boolean;
  /** Reads one data entry (its verified body, still compressed); throws VerificationError on damage. */
  readEntry(entry: string, body: AsyncIterable<Buffer>, signal: AbortSignal): AsyncIterable<ExportEvent>;
  /** The CSV text of a (non-NULL) value: the engine's text form unless it has none (binary). */
  csvValue(text: string, type: string): string;
  /** The JSON text of a (non-NULL) value of `type`. */
  jsonValue(text: string, type: string): string;
  /** How a column of `type` is represented in NDJSON (index.json records it). */
  jsonKind(type: string): string;
  /** An SQL literal of the dialect for a (non-NULL) value of `type`. */
  sqlLiteral(text: string, type: string): string;
  /** The quoted (qualified) table name and column names in SQL. */
  quoteTable(name: string): string;
  quoteColumn(name: string): string;
  /** Session settings at the top of every .sql file, so that it loads as written. */
  sqlPreamble: string;
  /** What the CSV and NDJSON conventions are for this engine, for index.json and docs. */
  conventions: { csv: string; ndjson: string; sql: string };
}
