/**
 * `orgbackup export <archive-id> --format csv|ndjson|sql [-o DIR]`: an archive's tables as
 * portable files, read straight from the archive (no database): one file per table and an
 * index.json (tables, columns and types, row counts, how values are written). Rows, schema and
 * whole-database archives of PostgreSQL and MySQL/MariaDB, and SQLite databases; the engine reads
 * its entries (src/sources/<engine>/export/), this command writes the files the same for all.
 * Files archives hold no tables and are refused (exit 2).
 *
 * The archive is verified as it is read (every entry's sha256, the object's); each table must
 * give as many rows as its manifest records. Files are written in a hidden directory beside DIR,
 * which is renamed into place only when everything matched, so a damaged archive never leaves a
 * directory that looks like an export (exit 5). It never writes into an existing DIR.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { readSidecar } from '../archive/catalog.js';
import type { Sidecar } from '../archive/manifest.js';
import { encodeTenant } from '../archive/layout.js';
import { archiveEntries } from '../archive/reader.js';
import type { Context } from '../context.js';
import { createDecryptor } from '../crypto/keys.js';
import { ExitCode, UsageError, VerificationError, type ExitCodeValue, DAMAGED_ARCHIVE_HINT } from '../errors.js';
import type { ArchiveExporter, ExportedTable } from '../sources/export/types.js';
import { createSource } from '../sources/registry.js';
import { besidePath } from '../util/beside.js';
import { indexOf, tableWriter, type ExportFormat, type TableWriter } from './export-format.js';
import { findInStorages } from './get.js';

export type { ExportFormat } from './export-format.js';

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
  const exporter = await exporterFor(sidecar, listing.ref.source, ctx);
  const output = path.resolve(options.cwd, options.output ?? `${listing.ref.source}-${encodeTenant(listing.ref.tenant)}-${listing.ref.timestamp}-${options.format}`);
  if (await stat(output).catch(() => undefined)) throw new UsageError(`${output} already exists; export never writes into an existing path`, { hint: 'remove it or choose another with -o' });
  const temp = besidePath(output, 'export', randomBytes(4).toString('hex'));
  await mkdir(temp, { mode: 0o700 });
  try {
    const files = new TableFiles(temp, options.format, exporter);
    try {
      const decryptor = await createDecryptor(ctx.config, ctx.baseDir);
      for await (const entry of archiveEntries(storage, sidecar, { decryptor, signal: ctx.signal })) {
        if (!exporter.holdsData(entry.name)) {
          for await (const _ of entry.body) void _;
          continue;
        }
        for await (const event of exporter.readEntry(entry.name, entry.body, ctx.signal)) {
          if (event.kind === 'table') files.open(event.table, event.columns);
          else await files.write(event.cells);
        }
      }
    } finally {
      await files.close();
    }
    const written = await files.finish(listing.id);
    await writeFile(path.join(temp, 'index.json'), JSON.stringify(indexOf(sidecar.id, sidecar.tenant.mode, options.format, exporter, written), null, 2) + '\n', { mode: 0o600 });
    await rename(temp, output);
    ctx.log.info(`exported ${written.length} table(s) of ${listing.id} to ${output}`, { event: 'export', id: listing.id });
    const tables = written.map((t) => ({ name: t.name, file: t.file, rows: t.rows }));
    return { command: 'export', ok: true, exitCode: ExitCode.ok, id: listing.id, storage: storage.name, format: options.format, output, tables };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function exporterFor(sidecar: Sidecar, sourceName: string, ctx: Context): Promise<ArchiveExporter> {
  const source = await createSource(ctx.config, sourceName, ctx.baseDir);
  try {
    const exporter = await source.exporter?.(sidecar);
    if (exporter) return exporter;
  } finally {
    await source.close();
  }
  throw new UsageError(`export writes database tables; ${sidecar.id} is a ${sidecar.source.type} archive (tenant mode "${sidecar.tenant.mode}"), which holds none`, {
    hint: 'download it with `orgbackup get` (a zip of the files), or restore it with --target into a new directory',
  });
}

interface OpenTable {
  table: ExportedTable;
  file: string;
  stream: WriteStream;
  writer: TableWriter;
  count: number;
}

/**
 * One open file per table seen. Every table of the archive gets its file, an empty one (a CSV
 * header, SQL session lines) when its data holds no rows; counts are checked at the end.
 */
class TableFiles {
  private readonly open_ = new Map<string, OpenTable>();
  private current: OpenTable | undefined;
  private readonly known: Map<string, ExportedTable>;

  constructor(
    private readonly dir: string,
    private readonly format: ExportFormat,
    private readonly exporter: ArchiveExporter,
  ) {
    this.known = new Map(exporter.tables.map((t) => [t.name, t]));
  }

  open(name: string, columns: readonly string[]): void {
    const table = this.known.get(name);
    if (!table) throw new VerificationError(`the archive holds rows of table ${name}, which its manifest does not list`, { hint: DAMAGED_ARCHIVE_HINT });
    const existing = this.open_.get(name);
    if (existing) {
      this.current = existing;
      return;
    }
    const types = new Map(table.columns.map((c) => [c.name, c]));
    const ordered = columns.map((c) => types.get(c) ?? { name: c, type: 'text', nullable: true });
    const file = `${encodeTenant(name)}.${this.format}`;
    const writer = tableWriter(this.format, this.exporter, name, ordered);
    const stream = createWriteStream(path.join(this.dir, file), { flags: 'wx', mode: 0o600 });
    stream.write(writer.head);
    this.current = { table: { ...table, columns: ordered }, file, stream, writer, count: 0 };
    this.open_.set(name, this.current);
  }

  async write(cells: readonly (string | null)[]): Promise<void> {
    const at = this.current;
    if (!at) throw new VerificationError('the archive holds a row before any table', { hint: DAMAGED_ARCHIVE_HINT });
    if (cells.length !== at.table.columns.length)
      throw new VerificationError(`table ${at.table.name}: an archived row has ${cells.length} values for ${at.table.columns.length} columns`, { hint: DAMAGED_ARCHIVE_HINT });
    at.count++;
    if (!at.stream.write(at.writer.row(cells))) await once(at.stream, 'drain');
  }

  /** Tables never seen get their empty file; then every count is checked against the manifest. */
  async finish(id: string): Promise<(ExportedTable & { file: string })[]> {
    for (const table of this.exporter.tables) {
      if (this.open_.has(table.name)) continue;
      this.open(
        table.name,
        table.columns.map((c) => c.name),
      );
    }
    await this.close();
    return this.exporter.tables.map((t) => {
      const at = this.open_.get(t.name)!;
      if (at.count !== t.rows) throw new VerificationError(`archive ${id}: table ${t.name} holds ${at.count} rows, its manifest says ${t.rows}; nothing was exported`, { hint: DAMAGED_ARCHIVE_HINT });
      return { ...at.table, file: at.file };
    });
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.open_.values()].map(async (t) => {
        if (t.stream.closed) return;
        t.stream.end();
        await once(t.stream, 'close');
      }),
    );
  }
}
