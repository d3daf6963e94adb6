/**
 * PostgreSQL values in `export`: rows arrive as COPY text (tab-separated, `\N` for NULL, backslash
 * escapes, from a rows entry or pg_restore), decoded here into each column's text form, and
 * turned into a JSON value by the column's type (format_type, from the manifest's schema
 * fingerprint) or into an SQL literal. What is exact stays exact: bigint and numeric become JSON strings, json and
 * jsonb are embedded as they are (their numbers untouched), bytea becomes base64, arrays JSON
 * arrays of their element type, timestamps ISO 8601 with their offset.
 */
import { VerificationError, DAMAGED_ARCHIVE_HINT } from '../../../errors.js';

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
  const fail = () => new VerificationError(`archived array value ${JSON.stringify(text.slice(0, 80))} is not a PostgreSQL array literal`, { hint: DAMAGED_ARCHIVE_HINT });
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

/**
 * Every value as a quoted literal of its text form: PostgreSQL casts it to the column's type on
 * INSERT, which is exactly how COPY read it (arrays, bytea `\x..`, json, timestamps with their
 * offset, numeric digits all survive). Needs standard_conforming_strings (the preamble sets it).
 */
export function sqlLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** An identifier quoted the way PostgreSQL's quote_ident does. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** `schema.table` (as the manifest names it, the first dot separating) quoted. */
export function quoteQualified(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? quoteIdent(name) : `${quoteIdent(name.slice(0, dot))}.${quoteIdent(name.slice(dot + 1))}`;
}

export const PG_SQL_PREAMBLE = "SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n";

export const PG_CONVENTIONS = {
  csv: 'header row; every value quoted; NULL is an empty unquoted field, an empty string is ""; values in the database text form (bytea \\x hex, arrays {...}); loads with COPY t FROM STDIN (FORMAT csv, HEADER)',
  ndjson: 'one JSON object per line; NULL is null; bigint and numeric are strings (exact); json/jsonb embedded as is; bytea base64; timestamps ISO 8601',
  sql: 'one INSERT per row, every value a quoted literal of its text form that PostgreSQL casts to the column type; load the files in index order into an empty copy of the schema',
};
