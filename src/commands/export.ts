/**
 * `orgbackup export <archive-id> --format csv|ndjson [-o DIR]`: a rows archive's tables as
 * portable files, read straight from the archive (no database): one file per table and an
 * index.json (tables, columns and types, row counts, how values are written). The archive is
 * verified as it is read (every entry's sha256, the object's); each table must give as many rows as
 * its manifest records. Files are written in a hidden directory beside DIR, which is renamed into
 * place only when everything matched, so a damaged archive never leaves a directory that looks
 * like an export (exit 5). It never writes into an existing DIR.
 *
 * CSV follows PostgreSQL's CSV conventions, so `COPY t FROM STDIN (FORMAT csv, HEADER)` loads it
 * back: a header row, every value quoted, NULL an empty unquoted field (so NULL and '' differ),
 * values in the engine's text form (bytea as `\x...` hex, arrays as `{...}`). NDJSON writes one JSON
 * object per row with typed values (index.json `json` per column).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { readSidecar } from '../archive/catalog.js';
import { encodeTenant } from '../archive/layout.js';
import { archiveEntries } from '../archive/reader.js';
import type { Context } from '../context.js';
import { createDecryptor } from '../crypto/keys.js';
import { ExitCode, UsageError, VerificationError, type ExitCodeValue } from '../errors.js';
import { compressionOfEntry, decompress } from '../sources/compression.js';
import { createSource } from '../sources/registry.js';
import type { ExportedTable, RowsExporter } from '../sources/rows/export-types.js';
import { besidePath } from '../util/beside.js';
import { findInStorages } from './get.js';

export type ExportFormat = 'csv' | 'ndjson';

export interface ExportOptions {
  id: string;
  format: ExportFormat;
  /** The directory to create; default `<source>-<tenant>-<timestamp>-<format>` in `cwd`. */
  output?: string;
  storage?: string[];
  cwd: string;
}

export interface ExportResult {
  command: 'export';
  ok: boolean;
  exitCode: ExitCodeValue;
  id: string;
  storage: string;
  format: ExportFormat;
  output: string;
  tables: { name: string; file: string; rows: number }[];
}

export async function runExport(options: ExportOptions, ctx: Context): Promise<ExportResult> {
  const { storage, listing } = await findInStorages(options.id, options.storage, ctx);
  const sidecar = await readSidecar(storage, listing.id, ctx.signal);
  if (sidecar.tenant.mode !== 'rows') {
    throw new UsageError(`export reads rows archives; ${listing.id} was made in tenant mode "${sidecar.tenant.mode}"`, {
      hint: 'restore it with --target into a scratch database and export from there, or recover it with stock tools (docs/recovery.md)',
    });
  }
  const source = await createSource(ctx.config, listing.ref.source, ctx.baseDir);
  let exporter: RowsExporter | undefined;
  try {
    exporter = await source.rowsExporter?.();
  } finally {
    await source.close();
  }
  if (!exporter) throw new UsageError(`export of ${sidecar.source.type} rows archives is not supported yet`, { hint: 'restore it with --target into a scratch database instead' });
  const tables = exporter.tables(sidecar);
  const byEntry = new Map(tables.map((t) => [t.entry, t]));
  const output = path.resolve(options.cwd, options.output ?? `${listing.ref.source}-${encodeTenant(listing.ref.tenant)}-${listing.ref.timestamp}-${options.format}`);
  if (await stat(output).catch(() => undefined)) throw new UsageError(`${output} already exists; export never writes into an existing path`, { hint: 'remove it or choose another with -o' });
  const temp = besidePath(output, 'export', randomBytes(4).toString('hex'));
  await mkdir(temp, { mode: 0o700 });
  try {
    const written: ExportResult['tables'] = [];
    const decryptor = await createDecryptor(ctx.config, ctx.baseDir);
    for await (const entry of archiveEntries(storage, sidecar, { decryptor, signal: ctx.signal })) {
      const table = byEntry.get(entry.name);
      if (!table) {
        for await (const _ of entry.body) void _;
        continue;
      }
      const file = `${encodeTenant(table.name)}.${options.format}`;
      const rows = await writeTable(entry, table, exporter, options.format, path.join(temp, file), ctx.signal);
      if (rows !== table.rows) throw new VerificationError(`archive ${listing.id}: table ${table.name} holds ${rows} rows, its manifest says ${table.rows}; nothing was exported`);
      written.push({ name: table.name, file, rows });
    }
    await writeFile(path.join(temp, 'index.json'), JSON.stringify(indexOf(sidecar.id, options.format, tables, written, exporter), null, 2) + '\n', { mode: 0o600 });
    await rename(temp, output);
    ctx.log.info(`exported ${written.length} table(s) of ${listing.id} to ${output}`, { event: 'export', id: listing.id });
    return { command: 'export', ok: true, exitCode: ExitCode.ok, id: listing.id, storage: storage.name, format: options.format, output, tables: written };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function writeTable(
  entry: { name: string; body: AsyncIterable<Buffer> },
  table: ExportedTable,
  exporter: RowsExporter,
  format: ExportFormat,
  file: string,
  signal: AbortSignal,
): Promise<number> {
  const plain = await decompress(Readable.from(entry.body), compressionOfEntry(entry.name), signal);
  const rows = new RowsToFile(table, exporter, format);
  await Promise.all([pipeline(plain.stdout, rows, createWriteStream(file, { flags: 'wx', mode: 0o600 }), { signal }), plain.done]);
  return rows.count;
}

/** Archived lines in, the format's lines out (a header first for CSV). */
class RowsToFile extends Transform {
  count = 0;
  private rest = '';
  private readonly decoder = new StringDecoder('utf8');
  constructor(
    private readonly table: ExportedTable,
    private readonly exporter: RowsExporter,
    private readonly format: ExportFormat,
  ) {
    super();
    if (format === 'csv') this.push(table.columns.map((c) => csvField(c.name)).join(',') + '\n');
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      const lines = (this.rest + this.decoder.write(chunk)).split('\n');
      this.rest = lines.pop()!;
      if (lines.length > 0) this.push(lines.map((l) => this.row(l)).join(''));
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }
  override _flush(callback: TransformCallback): void {
    const last = this.rest + this.decoder.end();
    try {
      if (last !== '') this.push(this.row(last));
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }
  private row(line: string): string {
    const cells = this.exporter.parseLine(line);
    const columns = this.table.columns;
    if (cells.length !== columns.length) throw new VerificationError(`table ${this.table.name}: an archived row has ${cells.length} values for ${columns.length} columns`);
    this.count++;
    if (this.format === 'csv') return cells.map((c) => (c === null ? '' : csvField(c))).join(',') + '\n';
    return `{${columns.map((c, i) => `${JSON.stringify(c.name)}:${cells[i] === null ? 'null' : this.exporter.jsonValue(cells[i]!, c.type)}`).join(',')}}\n`;
  }
}

function csvField(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

function indexOf(id: string, format: ExportFormat, tables: ExportedTable[], written: ExportResult['tables'], exporter: RowsExporter): Record<string, unknown> {
  const files = new Map(written.map((w) => [w.name, w.file]));
  return {
    formatVersion: 1,
    archive: id,
    format,
    conventions:
      format === 'csv'
        ? 'header row; every value quoted; NULL is an empty unquoted field, an empty string is ""; values in the database text form (bytea \\x hex, arrays {...})'
        : 'one JSON object per line; NULL is null; bigint and numeric are strings (exact); json/jsonb embedded as is; bytea base64; timestamps ISO 8601',
    tables: tables.map((t) => ({
      name: t.name,
      file: files.get(t.name) ?? null,
      rows: t.rows,
      columns: t.columns.map((c) => ({ ...c, json: exporter.jsonKind(c.type) })),
    })),
  };
}
