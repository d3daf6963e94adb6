/**
 * `orgbackup diff <archive-id> [<other-id> | --live]`: per table of a rows-mode tenant, the rows
 * added, removed and changed from the first archive to the second one, or to the tenant's live
 * rows now -- what "revert this customer to last night" (a restore of the first archive) would
 * undo. Read-only: archives are read (and verified, every entry's sha256) the way restore and
 * export read them; --live reads the tenant with the source's own dump (diff-live.ts). Rows are
 * matched by primary key; tables without one are compared as whole rows (rows/diff.ts).
 */
import { Readable } from 'node:stream';
import { readSidecar, type ArchiveListing } from '../archive/catalog.js';
import type { Sidecar } from '../archive/manifest.js';
import { archiveEntries } from '../archive/reader.js';
import type { Context } from '../context.js';
import { createDecryptor } from '../crypto/keys.js';
import { ExitCode, UsageError, VerificationError, type ExitCodeValue, DAMAGED_ARCHIVE_HINT } from '../errors.js';
import { compressionOfEntry, decompress } from '../sources/compression.js';
import { rowsTablesOf, type RowsDecoder, type RowsTable } from '../sources/rows/decoder.js';
import { compareIndexes, indexRows, sharedKey, type TableDiff } from '../sources/rows/diff.js';
import { createSource } from '../sources/registry.js';
import { readLiveRows } from './diff-live.js';
import { findInStorages } from './get.js';

export interface DiffOptions {
  id: string;
  /** The archive to compare with; with neither this nor `live`, an error. */
  other?: string;
  live: boolean;
  samples: number;
  storage?: string[];
}

export interface DiffSideInfo {
  id?: string;
  storage?: string;
  live?: boolean;
  createdAt?: string;
}

export interface DiffTable extends TableDiff {
  name: string;
  /** Set when the table is on one side only (all its rows count as added or removed). */
  onlyIn?: 'from' | 'to';
}

export interface DiffResult {
  command: 'diff';
  ok: boolean;
  exitCode: ExitCodeValue;
  source: string;
  tenant: string;
  from: DiffSideInfo;
  to: DiffSideInfo;
  identical: boolean;
  totals: { added: number; removed: number; changed: number; unchanged: number };
  tables: DiffTable[];
}

type Index = Map<string, string | number>;
/** One side's tables: plan entry and, once read, the index of its rows. */
type Side = Map<string, RowsTable>;

export async function runDiff(options: DiffOptions, ctx: Context): Promise<DiffResult> {
  if (options.live === (options.other !== undefined)) throw new UsageError('diff needs a second archive id or --live (not both)', { hint: 'e.g. orgbackup diff <archive-id> --live' });
  const from = await openArchive(options.id, options.storage, ctx);
  const source = await createSource(ctx.config, from.listing.ref.source, ctx.baseDir);
  try {
    const decoder = await source.rowsDecoder?.();
    if (!decoder) throw new UsageError(`diff of ${from.sidecar.source.type} rows archives is not supported`, { hint: 'restore both into scratch databases with --target and compare there' });
    const fromTables = tablesOf(from.sidecar.details, from.listing.id);
    let toTables: Side;
    let toInfo: DiffSideInfo;
    let readTo: (keys: Map<string, string[] | undefined>) => Promise<Map<string, Index>>;
    if (options.live) {
      if (source.mode !== 'rows')
        throw new UsageError(`source ${source.name} is not in tenant mode "rows" now, so its live rows cannot be compared with ${from.listing.id}`, {
          hint: 'compare two archives instead (orgbackup diff <id> <id>)',
        });
      const live = await readLiveRows(source, { id: from.sidecar.tenant.id }, ctx);
      toTables = tablesOf(live.details, 'the live dump');
      toInfo = { live: true };
      readTo = (keys) => indexEntries(toArray(live.entries), toTables, keys, decoder, ctx.signal);
    } else {
      const to = await openArchive(options.other!, options.storage, ctx);
      if (to.listing.ref.source !== from.listing.ref.source || to.listing.ref.tenant !== from.listing.ref.tenant) {
        throw new UsageError(`${to.listing.id} is not an archive of the same source and tenant as ${from.listing.id}`, {
          hint: 'diff compares two archives of one tenant (see `orgbackup list --tenant T`)',
        });
      }
      toTables = tablesOf(to.sidecar.details, to.listing.id);
      toInfo = sideInfo(to);
      readTo = async (keys) =>
        indexEntries(archiveEntries(to.storage, to.sidecar, { decryptor: await createDecryptor(ctx.config, ctx.baseDir), signal: ctx.signal }), toTables, keys, decoder, ctx.signal);
    }
    const keys = new Map<string, string[] | undefined>();
    for (const [name, t] of fromTables) {
      const other = toTables.get(name);
      keys.set(name, other ? sharedKey(t.table, other.table) : t.table.primaryKey.length > 0 ? t.table.primaryKey : undefined);
    }
    for (const [name, t] of toTables) if (!keys.has(name)) keys.set(name, t.table.primaryKey.length > 0 ? t.table.primaryKey : undefined);
    const decryptor = await createDecryptor(ctx.config, ctx.baseDir);
    const fromIndex = await indexEntries(archiveEntries(from.storage, from.sidecar, { decryptor, signal: ctx.signal }), fromTables, keys, decoder, ctx.signal);
    const toIndex = await readTo(keys);
    const tables = [...keys].map(([name, key]) => tableDiff(name, key, fromIndex.get(name), toIndex.get(name), options.samples));
    const totals = { added: 0, removed: 0, changed: 0, unchanged: 0 };
    for (const t of tables) for (const k of ['added', 'removed', 'changed', 'unchanged'] as const) totals[k] += t[k];
    const identical = totals.added + totals.removed + totals.changed === 0;
    ctx.log.info(`diff of ${from.listing.id} and ${options.live ? 'the live rows' : toInfo.id}: ${totals.added} added, ${totals.removed} removed, ${totals.changed} changed`, {
      event: 'diff',
      id: from.listing.id,
    });
    return { command: 'diff', ok: true, exitCode: ExitCode.ok, source: from.listing.ref.source, tenant: from.sidecar.tenant.id, from: sideInfo(from), to: toInfo, identical, totals, tables };
  } finally {
    await source.close();
  }
}

interface OpenArchive {
  storage: Awaited<ReturnType<typeof findInStorages>>['storage'];
  listing: ArchiveListing;
  sidecar: Sidecar;
}

async function openArchive(id: string, storages: string[] | undefined, ctx: Context): Promise<OpenArchive> {
  const { storage, listing } = await findInStorages(id, storages, ctx);
  const sidecar = await readSidecar(storage, listing.id, ctx.signal);
  if (sidecar.tenant.mode !== 'rows') {
    throw new UsageError(`diff compares rows archives; ${listing.id} was made in tenant mode "${sidecar.tenant.mode}"`, { hint: 'restore it with --target into a scratch database and compare there' });
  }
  return { storage, listing, sidecar };
}

function sideInfo(a: OpenArchive): DiffSideInfo {
  return { id: a.listing.id, storage: a.storage.name, createdAt: a.sidecar.createdAt };
}

function tablesOf(details: Record<string, unknown> | undefined, what: string): Side {
  const tables = rowsTablesOf(details);
  if (!tables) throw new VerificationError(`${what} has no rows plan in its manifest`, { hint: DAMAGED_ARCHIVE_HINT });
  return new Map(tables.map((t) => [t.table.table, t]));
}

async function* toArray(entries: { name: string; open(): Readable }[]): AsyncGenerator<{ name: string; body: AsyncIterable<Buffer> }> {
  for (const e of entries) yield { name: e.name, body: e.open() };
}

/** Reads the entries in order (draining the others, so an archive's checksums are all checked) and indexes each table's rows. */
async function indexEntries(
  entries: AsyncIterable<{ name: string; body: AsyncIterable<Buffer> }>,
  side: Side,
  keys: Map<string, string[] | undefined>,
  decoder: RowsDecoder,
  signal: AbortSignal,
): Promise<Map<string, Index>> {
  const byEntry = new Map([...side.values()].map((t) => [t.entry, t]));
  const out = new Map<string, Index>();
  for await (const entry of entries) {
    const table = byEntry.get(entry.name);
    if (!table) {
      for await (const _ of entry.body) void _;
      continue;
    }
    const plain = await decompress(Readable.from(entry.body), compressionOfEntry(entry.name), signal);
    const [index] = await Promise.all([indexRows({ columns: table.table.columns, primaryKey: table.table.primaryKey, rows: decoder.rows(plain.stdout) }, keys.get(table.table.table)), plain.done]);
    out.set(table.table.table, index);
  }
  return out;
}

function tableDiff(name: string, key: string[] | undefined, from: Index | undefined, to: Index | undefined, samples: number): DiffTable {
  const diff = compareIndexes(from ?? new Map<string, string | number>(), to ?? new Map<string, string | number>(), key, samples);
  return { name, ...diff, ...(from === undefined ? { onlyIn: 'to' as const } : to === undefined ? { onlyIn: 'from' as const } : {}) };
}
