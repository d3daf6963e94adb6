/**
 * The three file formats of `export`, one table per file: how a table's first lines (CSV header,
 * SQL session settings) and each row are written, and the index.json that describes them all.
 */
import type { ArchiveExporter, ExportedTable } from '../sources/export/types.js';
import type { ColumnInfo } from '../archive/manifest.js';

export type ExportFormat = 'csv' | 'ndjson' | 'sql';

export interface TableWriter {
  head: string;
  row(cells: readonly (string | null)[]): string;
}

/** The writer of one table's file in `format`, for its columns in the order the rows give them. */
export function tableWriter(format: ExportFormat, exporter: ArchiveExporter, table: string, columns: readonly ColumnInfo[]): TableWriter {
  if (format === 'csv') {
    return {
      head: columns.map((c) => csvField(c.name)).join(',') + '\n',
      row: (cells) => cells.map((v, i) => (v === null ? '' : csvField(exporter.csvValue(v, columns[i]!.type)))).join(',') + '\n',
    };
  }
  if (format === 'ndjson') {
    const names = columns.map((c) => JSON.stringify(c.name) + ':');
    return { head: '', row: (cells) => `{${cells.map((v, i) => names[i] + (v === null ? 'null' : exporter.jsonValue(v, columns[i]!.type))).join(',')}}\n` };
  }
  // OVERRIDING SYSTEM VALUE: PostgreSQL identity columns GENERATED ALWAYS take the archived keys.
  const override = exporter.dialect === 'postgresql' ? ' OVERRIDING SYSTEM VALUE' : '';
  const prefix = `INSERT INTO ${exporter.quoteTable(table)} (${columns.map((c) => exporter.quoteColumn(c.name)).join(', ')})${override} VALUES (`;
  return {
    head: `-- orgbackup export: rows of ${table}\n${exporter.sqlPreamble}`,
    row: (cells) => prefix + cells.map((v, i) => (v === null ? 'NULL' : exporter.sqlLiteral(v, columns[i]!.type))).join(', ') + ');\n',
  };
}

function csvField(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

export function indexOf(id: string, mode: string, format: ExportFormat, exporter: ArchiveExporter, tables: readonly (ExportedTable & { file: string })[]): Record<string, unknown> {
  return {
    formatVersion: 1,
    archive: id,
    mode,
    format,
    dialect: exporter.dialect,
    conventions: exporter.conventions[format],
    tables: tables.map((t) => ({
      name: t.name,
      file: t.file,
      rows: t.rows,
      columns: t.columns.map((c) => ({ ...c, json: exporter.jsonKind(c.type) })),
    })),
  };
}
