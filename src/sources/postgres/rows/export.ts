/**
 * `export` of a PostgreSQL rows archive, no database needed: each `rows/<table>.copy` entry is
 * COPY text (tab-separated, `\N` for NULL, backslash escapes), decoded here into each column's
 * text form, and turned into a JSON value by the column's type (format_type, from the manifest's
 * schema fingerprint). What is exact stays exact: bigint and numeric become JSON strings, json and
 * jsonb are embedded as they are (their numbers untouched), bytea becomes base64, arrays JSON
 * arrays of their element type, timestamps ISO 8601 with their offset.
 */
import type { Sidecar } from '../../../archive/manifest.js';
import { VerificationError } from '../../../errors.js';
import type { ExportedTable, RowsExporter } from '../../rows/export-types.js';
import type { RowsDetails } from './dump.js';

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** One line of COPY text -> the columns' text forms (null for `\N`). */
export function parseCopyLine(line: string): (string | null)[] {
  return line.split('\t').map((field) => (field === '\\N' ? null : unescapeCopy(field)));
}

function unescapeCopy(field: string): string {
  if (!field.includes('\\')) return field;
  return field.replace(/\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))/g, (_m, octal: string | undefined, hex: string | undefined, char: string | undefined) => {
    if (octal !== undefined) return String.fromCharCode(parseInt(octal, 8));
    if (hex !== undefined) return String.fromCharCode(parseInt(hex, 16));
    return ESCAPES[char!] ?? char!;
  });
}

type Kind = 'number' | 'string' | 'boolean' | 'json' | 'base64' | 'array' | 'timestamp';

/** How a column of this type appears in NDJSON (index.json says it per column). */
export function jsonKind(type: string): Kind {
  if (type.endsWith('[]')) return 'array';
  const base = type.replace(/\(.*\)$/, '');
  if (base === 'smallint' || base === 'integer' || base === 'real' || base === 'double precision') return 'number';
  if (base === 'boolean') return 'boolean';
  if (base === 'json' || base === 'jsonb') return 'json';
  if (base === 'bytea') return 'base64';
  if (base.startsWith('timestamp')) return 'timestamp';
  return 'string';
}

/** The JSON text of one value (never null here: NULL is handled by the caller). */
export function jsonValue(text: string, type: string): string {
  switch (jsonKind(type)) {
    case 'number':
      // NaN and Infinity are not JSON numbers: kept as their text.
      return /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text) ? text : JSON.stringify(text);
    case 'boolean':
      return text === 't' ? 'true' : 'false';
    case 'json':
      // Valid JSON holds CR/LF only as whitespace (a string cannot contain them raw): one line, same value.
      return text.replace(/[\r\n]+/g, ' ');
    case 'base64':
      return JSON.stringify(text.startsWith('\\x') ? Buffer.from(text.slice(2), 'hex').toString('base64') : text);
    case 'timestamp':
      return JSON.stringify(isoTimestamp(text));
    case 'array':
      return arrayJson(parseArrayLiteral(text), type.slice(0, -2));
    default:
      return JSON.stringify(text);
  }
}

/** `2026-01-02 03:04:05.123456+01` (DateStyle ISO) -> `2026-01-02T03:04:05.123456+01:00`. */
function isoTimestamp(text: string): string {
  const m = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)(?:([+-]\d\d)(?::(\d\d))?(?::(\d\d))?)?$/.exec(text);
  if (!m) return text;
  const offset = m[3] === undefined ? '' : `${m[3]}:${m[4] ?? '00'}${m[5] ? `:${m[5]}` : ''}`;
  return `${m[1]}T${m[2]}${offset}`;
}

type ArrayItem = string | null | ArrayItem[];

function arrayJson(items: ArrayItem[], elementType: string): string {
  return `[${items.map((item) => (item === null ? 'null' : Array.isArray(item) ? arrayJson(item, elementType) : jsonValue(item, elementType))).join(',')}]`;
}

/** A PostgreSQL array literal (`{1,NULL,"a,b"}`, nested `{{1,2},{3,4}}`) -> nested items. */
export function parseArrayLiteral(text: string): ArrayItem[] {
  // A lower bound other than 1 is written `[0:1]={...}`: the bounds are not kept.
  const body = text.startsWith('[') ? text.slice(text.indexOf('=') + 1) : text;
  let at = 0;
  const fail = () => new VerificationError(`archived array value ${JSON.stringify(text.slice(0, 80))} is not a PostgreSQL array literal`);
  const parse = (): ArrayItem[] => {
    if (body[at] !== '{') throw fail();
    at++;
    const items: ArrayItem[] = [];
    if (body[at] === '}') {
      at++;
      return items;
    }
    for (;;) {
      items.push(element());
      const c = body[at++];
      if (c === '}') return items;
      if (c !== ',') throw fail();
    }
  };
  const element = (): ArrayItem => {
    if (body[at] === '{') return parse();
    if (body[at] === '"') {
      let out = '';
      at++;
      while (at < body.length && body[at] !== '"') {
        if (body[at] === '\\') at++;
        out += body[at++];
      }
      at++;
      return out;
    }
    const start = at;
    while (at < body.length && body[at] !== ',' && body[at] !== '}') at++;
    const raw = body.slice(start, at).trim();
    return raw.toUpperCase() === 'NULL' ? null : raw;
  };
  const items = parse();
  if (at !== body.length) throw fail();
  return items;
}

/** The tables of a rows archive, in load order, with their entry and columns (in COPY order). */
function exportedTables(sidecar: Sidecar): ExportedTable[] {
  const details = sidecar.details as unknown as RowsDetails | undefined;
  if (!details?.plan || !details.entries) throw new VerificationError(`archive ${sidecar.id} has no rows plan in its manifest`);
  const types = new Map((sidecar.schemaFingerprint?.tables ?? []).map((t) => [t.name, new Map(t.columns.map((c) => [c.name, c]))]));
  const rows = new Map(sidecar.tables.map((t) => [t.name, t.rows]));
  return details.plan.tables
    .filter((t) => details.entries[t.table] !== undefined)
    .map((t) => ({
      name: t.table,
      entry: details.entries[t.table]!,
      rows: rows.get(t.table) ?? 0,
      columns: t.columns.map((name) => {
        const info = types.get(t.table)?.get(name);
        return { name, type: info?.type ?? 'text', nullable: info?.nullable ?? true };
      }),
    }));
}

export const postgresRowsExporter: RowsExporter = { tables: exportedTables, parseLine: parseCopyLine, jsonValue, jsonKind };
