/**
 * What `export` needs from an engine to turn a rows archive into portable files without a
 * database: the archived tables (entry, columns and types in the entry's column order, row
 * counts), how one archived line splits into the columns' text forms, and how a value of a type
 * is written as JSON. The command (src/commands/export.ts) does the rest the same for every engine.
 */
import type { ColumnInfo, Sidecar } from '../../archive/manifest.js';

export interface ExportedTable {
  /** Qualified where the engine has schemas. */
  name: string;
  /** The archive entry holding its rows. */
  entry: string;
  columns: ColumnInfo[];
  /** Rows the manifest records (the export checks it wrote as many). */
  rows: number;
}

export interface RowsExporter {
  tables(sidecar: Sidecar): ExportedTable[];
  /** One archived line -> each column's value in the engine's text form, null for NULL. */
  parseLine(line: string): (string | null)[];
  /** The JSON text of a (non-NULL) value of `type`. */
  jsonValue(text: string, type: string): string;
  /** How a column of `type` is represented in NDJSON (index.json records it). */
  jsonKind(type: string): string;
}
