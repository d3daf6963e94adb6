/**
 * `export` of PostgreSQL archives, no database needed. Rows mode: each `rows/<table>.copy` entry
 * is the table's COPY text, in the plan's load order. Schema and whole-database modes: the
 * `db.pgdump` entry (custom format) goes through `pg_restore --file=-`, which writes each table's
 * data as a `COPY <table> (<columns>) FROM stdin;` block of the same COPY text; the blocks are
 * read here (the schema's statements, sequence values and large objects are not rows and are
 * left out).
 * Column types come from the manifest's schema fingerprint.
 */
import type { Sidecar } from '../../../archive/manifest.js';
import { spawnTool } from '../../../exec.js';
import { VerificationError, DAMAGED_ARCHIVE_HINT } from '../../../errors.js';
import { compressionOfEntry, decompress } from '../../compression.js';
import { entryLines, splitLines } from '../../export/lines.js';
import type { ArchiveExporter, ExportEvent, ExportedTable } from '../../export/types.js';
import { resolvePgTool } from '../../tools.js';
import { verifiedEntry } from '../../verified-entry.js';
import type { RowsDetails } from '../rows/dump.js';
import { PG_DUMP_ENTRY } from '../whole-database.js';
import { jsonKind, jsonValue, parseCopyLine, PG_CONVENTIONS, PG_SQL_PREAMBLE, quoteIdent, quoteQualified, sqlLiteral } from './values.js';

const common = {
  dialect: 'postgresql' as const,
  csvValue: (text: string) => text,
  jsonValue,
  jsonKind,
  sqlLiteral,
  quoteTable: quoteQualified,
  quoteColumn: quoteIdent,
  sqlPreamble: PG_SQL_PREAMBLE,
  conventions: PG_CONVENTIONS,
};

function columnTypes(sidecar: Sidecar): Map<string, Map<string, { type: string; nullable: boolean }>> {
  return new Map((sidecar.schemaFingerprint?.tables ?? []).map((t) => [t.name, new Map(t.columns.map((c) => [c.name, c]))]));
}

/** Rows mode: the planned tables in load order, with their entry and columns (in COPY order). */
export function postgresRowsExporter(sidecar: Sidecar): ArchiveExporter {
  const details = sidecar.details as unknown as RowsDetails | undefined;
  if (!details?.plan || !details.entries) throw new VerificationError(`archive ${sidecar.id} has no rows plan in its manifest`, { hint: DAMAGED_ARCHIVE_HINT });
  const types = columnTypes(sidecar);
  const rows = new Map(sidecar.tables.map((t) => [t.name, t.rows]));
  const planned = details.plan.tables.filter((t) => details.entries[t.table] !== undefined);
  const byEntry = new Map(planned.map((t) => [details.entries[t.table]!, t]));
  const tables: ExportedTable[] = planned.map((t) => ({
    name: t.table,
    rows: rows.get(t.table) ?? 0,
    columns: t.columns.map((name) => ({ name, type: types.get(t.table)?.get(name)?.type ?? 'text', nullable: types.get(t.table)?.get(name)?.nullable ?? true })),
  }));
  return {
    ...common,
    tables,
    holdsData: (entry) => byEntry.has(entry),
    async *readEntry(entry, body, signal): AsyncGenerator<ExportEvent> {
      const table = byEntry.get(entry)!;
      yield { kind: 'table', table: table.table, columns: table.columns };
      for await (const line of entryLines(entry, body, signal)) yield { kind: 'row', cells: parseCopyLine(line) };
    },
  };
}

/** Schema and whole-database modes: every table of the fingerprint, its data read by pg_restore. */
export function postgresDumpExporter(sidecar: Sidecar, tools: Record<string, string>): ArchiveExporter {
  const rows = new Map(sidecar.tables.map((t) => [t.name, t.rows]));
  const tables: ExportedTable[] = (sidecar.schemaFingerprint?.tables ?? []).map((t) => ({ name: t.name, rows: rows.get(t.name) ?? 0, columns: t.columns }));
  if (tables.length === 0 && sidecar.tables.length > 0)
    throw new VerificationError(`archive ${sidecar.id} has no schema fingerprint in its manifest; its columns and types are unknown`, {
      hint: 'restore it into a scratch database (`orgbackup restore <id> --target ...`) and export from there',
    });
  return {
    ...common,
    tables,
    holdsData: (entry) => entry.startsWith(PG_DUMP_ENTRY),
    readEntry: (entry, body, signal) => copyBlocks(entry, body, tools, new Set(tables.map((t) => t.name)), signal),
  };
}

/**
 * The manifest counts a partitioned table's rows under the table (its partitions are not listed),
 * while pg_dump writes each partition's data on its own: a partition's rows go to the file of the
 * listed table above it, known from the script's `ATTACH PARTITION` statements (pre-data, so
 * before any data). That is why the whole script is read, not only `--data-only`.
 */
async function* copyBlocks(entry: string, body: AsyncIterable<Buffer>, tools: Record<string, string>, listed: ReadonlySet<string>, signal: AbortSignal): AsyncGenerator<ExportEvent> {
  const checked = verifiedEntry(body);
  const stop = new AbortController();
  const both = AbortSignal.any([signal, stop.signal]);
  try {
    const pgRestore = await resolvePgTool('pg_restore', tools);
    const plain = await decompress(checked.stream, compressionOfEntry(entry), both);
    const restored = spawnTool(pgRestore.file, ['--no-owner', '--no-privileges', '--file=-'], { input: plain.stdout, signal: both });
    const parents = new Map<string, string>();
    const listedAbove = (table: string): string => {
      let at = table;
      for (let depth = 0; !listed.has(at) && parents.has(at) && depth < 100; depth++) at = parents.get(at)!;
      return at;
    };
    let inCopy = false;
    for await (const line of splitLines(restored.stdout)) {
      if (inCopy) {
        if (line === '\\.') inCopy = false;
        else yield { kind: 'row', cells: parseCopyLine(line) };
        continue;
      }
      const attach = parseAttachPartition(line);
      if (attach) parents.set(attach.child, attach.parent);
      const copy = parseCopyStatement(line);
      if (!copy) continue;
      inCopy = true;
      yield { kind: 'table', table: listedAbove(copy.table), columns: copy.columns };
    }
    await Promise.all([restored.done, plain.done, checked.done]);
  } catch (error) {
    throw checked.rootCause(error);
  } finally {
    stop.abort();
  }
}

/** `COPY public."Odd ""name""" (id, "Col") FROM stdin;` -> its table (`schema.table`) and columns. */
export function parseCopyStatement(line: string): { table: string; columns: string[] } | undefined {
  if (!line.startsWith('COPY ') || !line.endsWith(' FROM stdin;')) return undefined;
  const idents = readIdentifiers(line.slice(5, -' FROM stdin;'.length));
  if (!idents) return undefined;
  return { table: idents.names.join('.'), columns: idents.columns };
}

/** `ALTER TABLE ONLY public.payment ATTACH PARTITION public.payment_p2022_01 FOR VALUES ...;` */
export function parseAttachPartition(line: string): { parent: string; child: string } | undefined {
  if (!line.startsWith('ALTER TABLE ONLY ')) return undefined;
  const at = line.indexOf(' ATTACH PARTITION ');
  if (at < 0) return undefined;
  const parent = readIdentifiers(line.slice('ALTER TABLE ONLY '.length, at));
  const rest = line.slice(at + ' ATTACH PARTITION '.length);
  const end = rest.search(/ (FOR VALUES|DEFAULT)/);
  const child = end < 0 ? undefined : readIdentifiers(rest.slice(0, end));
  return parent && child ? { parent: parent.names.join('.'), child: child.names.join('.') } : undefined;
}

/** Dotted identifiers, then an optional parenthesised, comma-separated identifier list. */
function readIdentifiers(text: string): { names: string[]; columns: string[] } | undefined {
  let at = 0;
  const ident = (): string | undefined => {
    if (text[at] === '"') {
      let out = '';
      at++;
      for (;;) {
        if (at >= text.length) return undefined;
        if (text[at] === '"') {
          if (text[at + 1] !== '"') break;
          at++;
        }
        out += text[at++];
      }
      at++;
      return out;
    }
    const m = /^[^\s.,()"]+/.exec(text.slice(at));
    if (!m) return undefined;
    at += m[0].length;
    return m[0];
  };
  const names: string[] = [];
  for (;;) {
    const name = ident();
    if (name === undefined) return undefined;
    names.push(name);
    if (text[at] !== '.') break;
    at++;
  }
  const columns: string[] = [];
  if (text.slice(at, at + 2) === ' (') {
    at += 2;
    for (;;) {
      const column = ident();
      if (column === undefined) return undefined;
      columns.push(column);
      if (text.slice(at, at + 2) === ', ') at += 2;
      else if (text[at] === ')') {
        at++;
        break;
      } else return undefined;
    }
  }
  return at === text.length ? { names, columns } : undefined;
}
